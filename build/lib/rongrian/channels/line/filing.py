"""Filing through the chat: each answer to a question moves the draft on; the confirmed draft
is filed with its photos and the receipt is returned.

Filing asks, in order: kind, category, unit (or skip), what happened (several messages, then
"done"), where (text or a LINE location, or skip), photos (or skip), anonymous or named (name,
phone), then shows a Flex summary to confirm, edit or cancel. A field cleared by "edit" is asked
again and the summary comes back. "ยกเลิก"/"cancel" deletes the draft at any step.
"""

import io
import re

from rongrian.channels.line import state as store_state
from rongrian.channels.line import ui
from rongrian.channels.line.conversation import (
    EDITABLE,
    SKIP_WORDS,
    Context,
    Message,
    cancel_action,
    categories_of,
    menu_actions,
    norm,
    pb,
    units_of,
    web_form,
)
from rongrian.channels.line.prompts import (
    next_step,
    prompt,
)
from rongrian.channels.line.state import Draft, Loaded, State
from rongrian.channels.line.texts import TEXTS, say
from rongrian.channels.qr.codes import tracking_link
from rongrian.intake.attachments import attach_to_new_complaint
from rongrian.intake.errors import InvalidSubmission
from rongrian.intake.models import Channel, Kind
from rongrian.intake.store import (
    LIMITS,
    Identity,
    Submission,
    clean_text,
    file_complaint,
    validate,
)
from rongrian.web.labels import label

_PHONE = re.compile(r"^\+?[0-9][0-9 \-]{5,30}$")

#: Which draft field a filing problem (store.validate's field names) sends the user back to.
_PROBLEM_FIELD = {"kind": "kind", "category": "category", "unit": "unit",
                  "what_happened": "what", "where_happened": "where", "name": "identity",
                  "phone": "identity", "email": "identity", "attachments": "photos"}


def _submission(draft: Draft) -> Submission:
    identity = None
    if draft.anonymous is False:
        identity = Identity(name=draft.name, phone=draft.phone or "")
    return Submission(
        kind=draft.kind,
        category_code=draft.category,
        unit_code=draft.unit or None,
        channel=Channel.LINE.value,
        what_happened="\n\n".join(draft.what),
        where_happened=draft.where or "",
        identity=identity,
    )



def clear_field(draft: Draft, name: str) -> None:
    """Forget the answer to ``name`` (one of :data:`EDITABLE`), so it is asked again."""
    if name == "kind":
        draft.kind = ""
    elif name == "category":
        draft.category = ""
    elif name == "unit":
        draft.unit = None
    elif name == "what":
        draft.what, draft.what_done = [], False
    elif name == "where":
        draft.where = None
    elif name == "photos":
        draft.photos_done = False
    elif name == "identity":
        draft.anonymous, draft.name, draft.phone = None, "", None



def _problems_text(problems: dict[str, str], lang: str) -> str:
    names = []
    for field_name in problems:
        key = f"problem_{field_name}"
        names.append(say(key, lang) if key in TEXTS else field_name)
    return ", ".join(names)



def advance(ctx: Context, st: State, loaded: Loaded) -> list[Message]:
    """Move to the next unanswered question (checking the whole draft before the summary)."""
    assert st.draft is not None  # noqa: S101 - only called with a draft
    st.step = next_step(st.draft)
    if st.step == "confirm":
        try:
            validate(ctx.session, _submission(st.draft))
        except InvalidSubmission as exc:
            first = next(iter(exc.problems))
            clear_field(st.draft, _PROBLEM_FIELD.get(first, "what"))
            if _PROBLEM_FIELD.get(first) == "photos":
                store_state.drop_photos(ctx.session, loaded)
            st.step = next_step(st.draft)
            return [ui.text(say("file_problems", st.lang,
                                problems=_problems_text(exc.problems, st.lang))),
                    *prompt(ctx, st, loaded)]
    return prompt(ctx, st, loaded)



def start_filing(ctx: Context, st: State, loaded: Loaded) -> list[Message]:
    """Start a draft, or continue the one in progress."""
    if st.draft is not None:
        st.step = st.resume or st.step or next_step(st.draft)
        st.resume = ""
        if st.step not in {"edit", "confirm"}:
            st.step = next_step(st.draft)
        return [ui.text(say("continue_draft", st.lang)), *prompt(ctx, st, loaded)]
    st.draft, st.step, st.code = Draft(), "kind", ""
    return [ui.text(say("privacy_short", st.lang, link=web_form(ctx))),
            *prompt(ctx, st, loaded)]



def cancel_draft(ctx: Context, st: State, loaded: Loaded) -> list[Message]:
    """Delete the draft (and its photos) and any question in progress."""
    had = bool(st.draft or st.step or st.code)
    store_state.drop_photos(ctx.session, loaded)
    st.draft, st.step, st.resume, st.code, st.editing = None, "", "", "", False
    key = "cancelled" if had else "nothing_to_cancel"
    return [ui.text(say(key, st.lang), menu_actions(st.lang))]



def receipt_messages(ctx: Context, lang: str, case_number: str, code: str) -> list[Message]:
    """What a citizen gets on filing: the receipt, and the bare code (easy to copy)."""
    link = tracking_link(ctx.public_base_url, code)
    return [
        ui.text(say("filed", lang, case_number=case_number, code=code, link=link)),
        ui.text(code, [pb(lang, "btn_notify_on", a="notify", v="on", c=code),
                       pb(lang, "btn_track", a="track")]),
    ]



def confirm_draft(ctx: Context, st: State, loaded: Loaded) -> list[Message]:
    """File the confirmed draft with its photos; returns the receipt."""
    if st.draft is None or st.step != "confirm":
        return [ui.text(say("nothing_to_confirm", st.lang), menu_actions(st.lang))]
    try:
        receipt = file_complaint(ctx.session, ctx.pepper, _submission(st.draft), now=ctx.now)
    except InvalidSubmission:
        return advance(ctx, st, loaded)
    extra: list[Message] = []
    photos = store_state.photos(ctx.session, loaded)
    if photos:
        try:
            with ctx.session.begin_nested():
                ctx.attachments.extend(attach_to_new_complaint(
                    ctx.session, ctx.pepper, receipt.tracking_code, ctx.attachments_dir,
                    [(io.BytesIO(data), media_type) for data, media_type in photos],
                    now=ctx.now))
        except InvalidSubmission:
            extra.append(ui.text(say("filed_photos_failed", st.lang)))
    store_state.drop_photos(ctx.session, loaded)
    st.draft, st.step, st.resume, st.editing = None, "", "", False
    ctx.receipt = receipt_messages(ctx, st.lang, receipt.case_number, receipt.tracking_code)
    return [*ctx.receipt, *extra]



def choose(ctx: Context, st: State, loaded: Loaded, name: str, value: str) -> list[Message]:
    """A fixed choice (postback or typed): kind, category, unit."""
    draft = st.draft
    if draft is None:
        return start_filing(ctx, st, loaded)
    if name == "kind" and value in {k.value for k in Kind}:
        draft.kind = value
        if value in {Kind.SUGGESTION.value, Kind.COMPLIMENT.value} and not draft.category:
            draft.category = value if any(c.code == value for c in categories_of(ctx)) else ""
    elif name == "cat" and any(c.code == value for c in categories_of(ctx)):
        draft.category = value
    elif name == "unit" and (value == "" or any(u.code == value for u in units_of(ctx))):
        draft.unit = value
    else:
        return [ui.text(say("not_understood", st.lang)), *prompt(ctx, st, loaded)]
    return advance(ctx, st, loaded)



def typed_choice(ctx: Context, st: State, text: str) -> tuple[str, str] | None:
    """A typed answer to a fixed choice, matched against the names in both languages."""
    wanted = norm(text)
    if st.step == "kind":
        for kind in Kind:
            if wanted in {norm(label("kind", kind, "th")), norm(label("kind", kind, "en"))}:
                return "kind", kind.value
    elif st.step == "category":
        for category in categories_of(ctx):
            if wanted in {norm(category.name_th), norm(category.name_en), category.code}:
                return "cat", category.code
    elif st.step == "unit":
        if wanted in SKIP_WORDS:
            return "unit", ""
        for unit in units_of(ctx):
            if wanted in {norm(unit.name_th), norm(unit.name_en), unit.code.casefold()}:
                return "unit", unit.code
    return None



def add_what(ctx: Context, st: State, loaded: Loaded, text: str) -> list[Message]:
    """Add one message to "what happened" (within its limit)."""
    assert st.draft is not None  # noqa: S101
    cleaned = clean_text(text)
    if not cleaned:
        return prompt(ctx, st, loaded)
    limit = LIMITS["what_happened"]
    if len("\n\n".join([*st.draft.what, cleaned])) > limit:
        return [ui.text(say("what_too_long", st.lang, limit=f"{limit:,}"),
                        [pb(st.lang, "btn_done_what", a="done"), cancel_action(st.lang)])]
    st.draft.what.append(cleaned)
    return [ui.text(say("got_what", st.lang, count=len(st.draft.what)),
                    [pb(st.lang, "btn_done_what", a="done"), cancel_action(st.lang)])]



def set_where(ctx: Context, st: State, loaded: Loaded, where: str) -> list[Message]:
    """Record "where" (typed or a LINE location) and move on."""
    assert st.draft is not None  # noqa: S101
    cleaned = clean_text(where)
    if len(cleaned) > LIMITS["where_happened"]:
        return [ui.text(say("where_too_long", st.lang, limit=LIMITS["where_happened"])),
                *prompt(ctx, st, loaded)]
    st.draft.where = cleaned
    return advance(ctx, st, loaded)



def identity_text(ctx: Context, st: State, loaded: Loaded, text: str) -> list[Message]:
    """A typed name or phone number (or "skip" for the phone)."""
    assert st.draft is not None  # noqa: S101
    cleaned = clean_text(text)
    if st.step == "name":
        if not cleaned:
            return prompt(ctx, st, loaded)
        if len(cleaned) > LIMITS["name"]:
            return [ui.text(say("name_too_long", st.lang, limit=LIMITS["name"])),
                    *prompt(ctx, st, loaded)]
        st.draft.name = cleaned
        return advance(ctx, st, loaded)
    if norm(cleaned) in SKIP_WORDS:
        st.draft.phone = ""
    elif _PHONE.match(cleaned) and len(cleaned) <= LIMITS["phone"]:
        st.draft.phone = cleaned
    else:
        return [ui.text(say("bad_phone", st.lang)), *prompt(ctx, st, loaded)]
    return advance(ctx, st, loaded)



def edit_field(ctx: Context, st: State, loaded: Loaded, name: str) -> list[Message]:
    """Clear field ``name`` after "edit" and ask it again."""
    if st.draft is None or name not in EDITABLE:
        return [ui.text(say("nothing_to_confirm", st.lang), menu_actions(st.lang))]
    clear_field(st.draft, name)
    notes: list[Message] = []
    if name == "what":
        notes.append(ui.text(say("edit_what", st.lang)))
    elif name == "photos":
        store_state.drop_photos(ctx.session, loaded)
        notes.append(ui.text(say("edit_photos", st.lang, max=ctx.max_photos)))
    st.step = next_step(st.draft)
    return [*notes, *prompt(ctx, st, loaded)] if notes else prompt(ctx, st, loaded)
