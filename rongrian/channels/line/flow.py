"""The conversation: what the bot asks and how each answer moves a LINE user's state on.

One call of :func:`handle` takes one incoming event of a one-to-one chat (already parsed into
an :class:`Incoming`), the user's decrypted :class:`~rongrian.channels.line.state.State`, and
returns the messages to reply with. It changes the database only through the session it is
given (the caller commits once, with the redelivery digest, or rolls back), and it calls LINE
only to fetch an image's content.

This module routes each event to its step: :mod:`~rongrian.channels.line.conversation` (shared
types and builders), :mod:`~rongrian.channels.line.prompts` (the questions),
:mod:`~rongrian.channels.line.filing` (answers while filing) and
:mod:`~rongrian.channels.line.tracking` (codes, added information, notifications).

Filing (issue 12) starts from whatever the citizen sends: a text (kept as the description,
unless it only says they want to file), a photo or a location (kept), or a tap of "file". Then
only what is missing is asked: what happened, where, and one category question (the suggestion
from the description to confirm). Photos are welcome at any step. The summary offers "send",
"ระบุชื่อและเบอร์ติดต่อ" (anonymous is the default), "edit" and "cancel"; a text typed there adds
to the description. "ยกเลิก"/"cancel" deletes the draft at any step.
"""

import io
from collections.abc import Callable, Sequence
from urllib.parse import parse_qsl

from rongrian.channels.line import state as store_state
from rongrian.channels.line import ui
from rongrian.channels.line.choosing import CATEGORY_STEPS
from rongrian.channels.line.conversation import (
    CONFIRM_WORDS,
    EDIT_WORDS,
    SKIP_WORDS,
    Catalogue,
    Choice,
    Context,
    Incoming,
    LookupGate,
    Message,
    PhotoRejected,
    PhotoSource,
    cancel_action,
    command_of,
    filing_wish,
    menu_actions,
    norm,
    pb,
    postback_data,
    web_form,
    welcome,
)
from rongrian.channels.line.filing import (
    add_what,
    advance,
    begin_draft,
    cancel_draft,
    category_text,
    choose,
    confirm_draft,
    edit_field,
    identity_text,
    more_what,
    receipt_messages,
    set_where,
    show_categories,
    start_filing,
    start_with_text,
    typed_choice,
)
from rongrian.channels.line.prompts import (
    next_step,
    photo_actions,
    prompt,
    summary,
)
from rongrian.channels.line.state import Draft, Loaded, State
from rongrian.channels.line.texts import TEXTS, say
from rongrian.channels.line.tracking import (
    add_information_text,
    begin_information,
    end_information,
    looks_like_code,
    lookup,
    notify_choice,
    start_tracking,
    thread_text,
)
from rongrian.intake.attachments import attach_with_code
from rongrian.intake.errors import ComplaintNotFound, InvalidSubmission, MalformedTrackingCode
from rongrian.intake.store import LIMITS, clean_text, read_thread

__all__ = ["Catalogue", "Choice", "Context", "Incoming", "LookupGate", "Message", "PhotoRejected",
           "PhotoSource", "command_of", "handle", "lookup", "menu_actions", "messages_for",
           "next_step", "prompt", "receipt_messages", "summary", "thread_text", "welcome"]

#: Steps where any text is an answer (a code-like text is not taken as a tracking code).
FREE_TEXT_STEPS = frozenset({"what", "where", "name", "phone", "add_info"})


def _done_or_skip(ctx: Context, st: State, loaded: Loaded, action: str) -> list[Message]:
    draft = st.draft
    if st.step == "add_info":
        end_information(st)
        return [ui.text(say("menu", st.lang), menu_actions(st.lang))] if st.draft is None \
            else prompt(ctx, st, loaded)
    if draft is None:
        return [ui.text(say("menu", st.lang), menu_actions(st.lang))]
    if st.step == "where" and action == "skip":
        draft.where = ""
    elif st.step == "phone" and action == "skip":
        draft.phone = ""
    elif st.step == "unit" and action == "skip":
        draft.unit = ""
    else:
        return prompt(ctx, st, loaded)
    return advance(ctx, st, loaded)


def _identity_choice(ctx: Context, st: State, loaded: Loaded, action: str) -> list[Message]:
    """"ไม่ระบุตัวตน" or "ระบุชื่อและเบอร์ติดต่อ" (from the summary or the edit question)."""
    if st.draft is None or st.step not in {"identity", "confirm"}:
        return stale(ctx, st, loaded)
    st.draft.anonymous = action == "anon"
    if st.draft.anonymous:
        st.draft.name, st.draft.phone = "", None
    return advance(ctx, st, loaded)



def _postback(ctx: Context, st: State, loaded: Loaded, data: str) -> list[Message]:
    values = dict(parse_qsl(data, keep_blank_values=True))
    action, value = values.get("a", ""), values.get("v", "")
    simple: dict[str, Callable[[], list[Message]]] = {
        "file": lambda: start_filing(ctx, st, loaded),
        "track": lambda: start_tracking(ctx, st, loaded),
        "privacy": lambda: [ui.text(say("privacy", st.lang, link=web_form(ctx)),
                                    menu_actions(st.lang))],
        "cancel": lambda: cancel_draft(ctx, st, loaded),
        "confirm": lambda: confirm_draft(ctx, st, loaded),
        "add": lambda: begin_information(ctx, st, loaded, values.get("c", "")),
        "notify": lambda: notify_choice(ctx, st, loaded, values),
        "menu": lambda: welcome(ctx, st.lang),
        "more": lambda: show_categories(ctx, st, loaded, "more"),
        "tip": lambda: show_categories(ctx, st, loaded, "tip"),
    }
    if action in simple:
        return simple[action]()
    if action in {"cat", "unit"}:
        allowed = CATEGORY_STEPS if action == "cat" else {"unit"}
        if st.draft is None or st.step not in allowed:
            return stale(ctx, st, loaded)
        return choose(ctx, st, loaded, action, value)
    if action in {"done", "skip"}:
        return _done_or_skip(ctx, st, loaded, action)
    if action in {"anon", "named"}:
        return _identity_choice(ctx, st, loaded, action)
    if action == "edit":
        if st.draft is None or st.step != "confirm":
            return stale(ctx, st, loaded)
        st.step = "edit"
        return prompt(ctx, st, loaded)
    if action == "field":
        return edit_field(ctx, st, loaded, value)
    return stale(ctx, st, loaded)


def stale(ctx: Context, st: State, loaded: Loaded) -> list[Message]:
    """A button of an earlier message that no longer applies: say where we are."""
    if st.step:
        return prompt(ctx, st, loaded)
    return [ui.text(say("menu", st.lang), menu_actions(st.lang))]



def _text(ctx: Context, st: State, loaded: Loaded, text: str) -> list[Message]:
    command = command_of(text)
    if command == "cancel":
        return cancel_draft(ctx, st, loaded)
    if st.draft is not None and st.step in {*CATEGORY_STEPS, "unit"}:
        # "แจ้งเบาะแส" is an answer here (the whistleblower list), not the menu.
        return _draft_text(ctx, st, loaded, text)
    if command == "file" or (command == "" and st.draft is None and filing_wish(text)):
        return start_filing(ctx, st, loaded, tip=filing_wish(text) == "tip")
    if command:
        return _postback(ctx, st, loaded, postback_data(a=command))
    step = st.step
    if step == "track_code":
        return lookup(ctx, st, loaded, text)
    if step not in FREE_TEXT_STEPS and looks_like_code(text):
        return lookup(ctx, st, loaded, text)
    if step == "add_info":
        return add_information_text(ctx, st, text)
    if st.draft is None:
        return start_with_text(ctx, st, loaded, text)
    return _draft_text(ctx, st, loaded, text)


def _words(key: str) -> set[str]:
    return {norm(TEXTS[key][0]), norm(TEXTS[key][1])}



def _draft_text(ctx: Context, st: State, loaded: Loaded, text: str) -> list[Message]:
    step, wanted = st.step, norm(text)
    if step in CATEGORY_STEPS:
        return category_text(ctx, st, loaded, text)
    if step == "unit":
        choice = typed_choice(ctx, st, text)
        if choice is None:
            return [ui.text(say("not_understood", st.lang)), *prompt(ctx, st, loaded)]
        return choose(ctx, st, loaded, *choice)
    if step == "what":
        return add_what(ctx, st, loaded, text)
    if step == "where":
        if wanted in SKIP_WORDS:
            return _done_or_skip(ctx, st, loaded, "skip")
        return set_where(ctx, st, loaded, text)
    if step in {"name", "phone"}:
        return identity_text(ctx, st, loaded, text)
    if step in {"identity", "confirm"}:
        if wanted in _words("btn_anonymous"):
            return _identity_choice(ctx, st, loaded, "anon")
        if wanted in _words("btn_named") | _words("summary_named") | {
                norm("ระบุชื่อและเบอร์โทร")}:
            return _identity_choice(ctx, st, loaded, "named")
    if step == "confirm":
        if wanted in CONFIRM_WORDS:
            return confirm_draft(ctx, st, loaded)
        if wanted in EDIT_WORDS:
            return _postback(ctx, st, loaded, postback_data(a="edit"))
        return more_what(ctx, st, loaded, text)
    return [ui.text(say("not_understood", st.lang)), *prompt(ctx, st, loaded)]


def _location(ctx: Context, st: State, loaded: Loaded, incoming: Incoming) -> list[Message]:
    """A LINE location: the draft's "where" (it starts a draft if none is in progress). The
    place goes into the encrypted content only."""
    if st.draft is None and st.step in {"add_info", "track_code"}:
        return [ui.text(say("location_not_now", st.lang)), *stale(ctx, st, loaded)]
    notes = begin_draft(ctx, st) if st.draft is None else []
    assert st.draft is not None  # noqa: S101 - begun above
    place = " ".join(part for part in (incoming.title, incoming.address) if part)
    spot = say("location_text", st.lang, lat=f"{incoming.latitude:.6f}",
               lon=f"{incoming.longitude:.6f}")
    where = f"{place} ({spot})" if place else spot
    got = ui.text(say("got_place", st.lang))
    if st.step in {"", "what", "where"}:
        st.step = "where"
        return [*notes, got, *set_where(ctx, st, loaded, where)]
    # Another question is open (the category, the summary…): keep the place, ask it again.
    st.draft.where = ui.clip(clean_text(where), LIMITS["where_happened"])
    return [*notes, got, *prompt(ctx, st, loaded)]


def _image(ctx: Context, st: State, loaded: Loaded, incoming: Incoming,
           save: Callable[[], None]) -> list[Message]:
    lang = st.lang
    if st.step == "add_info" and st.code:
        return _information_photo(ctx, st, incoming)
    if st.draft is not None and store_state.count_photos(ctx.session, loaded) >= ctx.max_photos:
        return [ui.text(say("too_many_photos", lang, max=ctx.max_photos),
                        photo_actions(lang))]
    try:
        data, media_type = ctx.photo_source(incoming.message_id)
    except PhotoRejected:
        return [ui.text(say("photo_failed", lang), photo_actions(lang))]
    notes: list[Message] = []
    if st.draft is None:  # a photo first: it starts the draft and is kept
        notes = begin_draft(ctx, st)
        st.step = next_step(st.draft or Draft())
    save()  # the conversation row must exist before a photo row refers to it
    count = store_state.add_photo(ctx.session, loaded, data, media_type)
    if not incoming.last_of_set:
        return notes
    return [*notes, ui.text(say("got_photo", lang, count=count, max=ctx.max_photos)),
            *prompt(ctx, st, loaded)]



def _information_photo(ctx: Context, st: State, incoming: Incoming) -> list[Message]:
    lang = st.lang
    try:
        data, media_type = ctx.photo_source(incoming.message_id)
    except PhotoRejected:
        return [ui.text(say("photo_failed", lang))]
    try:
        with ctx.session.begin_nested():
            ctx.attachments.extend(attach_with_code(
                ctx.session, ctx.pepper, st.code, ctx.attachments_dir,
                [(io.BytesIO(data), media_type)], now=ctx.now))
        view = read_thread(ctx.session, ctx.pepper, st.code, reference=ctx.reference())
    except (InvalidSubmission, MalformedTrackingCode, ComplaintNotFound):
        return [ui.text(say("photo_failed", lang))]
    return [ui.text(say("photo_added", lang, case_number=view.case_number),
                    [pb(lang, "btn_done", a="done"), cancel_action(lang)])]


def handle(ctx: Context, loaded: Loaded, incoming: Incoming,
           save: Callable[[], None]) -> list[Message]:
    """Answer one event of a one-to-one chat, moving ``loaded.state`` on.

    ``save`` stores the state now (the image step needs the row before a photo row); the
    caller saves once more at the end. Returns the messages of the reply (possibly none).
    """
    st = loaded.state
    notes: list[Message] = []
    if st.receipt:
        # A receipt a failed reply did not deliver comes first (and is kept again if this
        # reply fails too).
        ctx.receipt = list(st.receipt)
        notes = [ui.text(say("receipt_again", st.lang)), *st.receipt]
        st.receipt = []
    if loaded.expired:
        notes.append(ui.text(say("expired", st.lang)))
    answer = _dispatch(ctx, st, loaded, incoming, save)
    return [*notes, *answer][: ui.MAX_MESSAGES]



def _dispatch(ctx: Context, st: State, loaded: Loaded, incoming: Incoming,
              save: Callable[[], None]) -> list[Message]:
    kind = incoming.kind
    if kind == "follow":
        return welcome(ctx, st.lang)
    if kind == "text":
        return _text(ctx, st, loaded, incoming.text)
    if kind == "postback":
        return _postback(ctx, st, loaded, incoming.data)
    if kind == "location":
        return _location(ctx, st, loaded, incoming)
    if kind == "image":
        return _image(ctx, st, loaded, incoming, save)
    key = "too_long" if kind == "too_long" else "unsupported"
    if st.step:
        return [ui.text(say(key, st.lang)), *prompt(ctx, st, loaded)]
    return [ui.text(say(key, st.lang), menu_actions(st.lang))]



def messages_for(messages: Sequence[Message]) -> list[Message]:
    """At most the five messages one reply may carry."""
    return list(messages[: ui.MAX_MESSAGES])
