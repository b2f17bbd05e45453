"""Filing through the chat: each answer to a question moves the draft on; the confirmed draft
is filed with its photos and the receipt is returned.

A draft starts with whatever the citizen sends (a text, a photo, a location, or a wish to file);
then only what is missing is asked: what happened, where (or skip), and the one category
question (the suggestion from the description to confirm, the commonest matters, "อื่น ๆ",
"แจ้งเบาะแสการทุจริต"). The kind and the unit follow from the category. The summary offers
"send", "ระบุชื่อและเบอร์ติดต่อ" (anonymous is the default), "edit" and "cancel". A field
cleared by "edit" is asked again and the summary comes back. "ยกเลิก"/"cancel" deletes the draft
at any step.
"""

import io
import re

from rongrian.channels.line import state as store_state
from rongrian.channels.line import ui
from rongrian.channels.line.choosing import CATEGORY_STEPS, kind_of, suggested, typed_category
from rongrian.channels.line.conversation import (
    EDITABLE,
    SKIP_WORDS,
    YES_WORDS,
    Context,
    Message,
    categories_of,
    filing_wish,
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
from rongrian.intake.models import Channel
from rongrian.intake.store import (
    LIMITS,
    Identity,
    Submission,
    clean_text,
    file_complaint,
    validate,
)

_PHONE = re.compile(r"^\+?[0-9][0-9 \-]{5,30}$")

#: Which draft field a filing problem (store.validate's field names) sends the user back to.
_PROBLEM_FIELD = {"kind": "category", "category": "category", "unit": "unit",
                  "what_happened": "what", "where_happened": "where", "name": "identity",
                  "phone": "identity", "email": "identity", "attachments": "photos"}


def _submission(ctx: Context, draft: Draft) -> Submission:
    identity = None
    if draft.named:
        identity = Identity(name=draft.name, phone=draft.phone or "")
    return Submission(
        kind=kind_of(ctx, draft.category),
        category_code=draft.category,
        unit_code=draft.unit or None,
        channel=Channel.LINE.value,
        what_happened="\n\n".join(draft.what),
        where_happened=draft.where or "",
        identity=identity,
    )



def clear_field(draft: Draft, name: str) -> None:
    """Forget the answer to ``name`` (one of :data:`EDITABLE`), so it is asked again."""
    if name == "category":
        draft.category = ""
    elif name == "unit":
        draft.unit = None
    elif name == "what":
        draft.what = []
    elif name == "where":
        draft.where = None
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
            validate(ctx.session, _submission(ctx, st.draft), reference=ctx.reference())
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



def begin_draft(ctx: Context, st: State, *, tip: bool = False) -> list[Message]:
    """Start an empty draft (forgetting any look-up in progress); returns the short privacy
    note that comes before the first question of every report."""
    st.draft, st.step, st.code, st.resume = Draft(tip=tip), "", "", ""
    return [ui.text(say("privacy_short", st.lang, link=web_form(ctx)))]



def start_filing(ctx: Context, st: State, loaded: Loaded, *, tip: bool = False
                 ) -> list[Message]:
    """Start a draft, or continue the one in progress (a tap of "file" or a typed wish)."""
    if st.draft is not None:
        st.step = st.resume or st.step or next_step(st.draft)
        st.resume = ""
        if st.step not in {"edit", "confirm", *CATEGORY_STEPS}:
            st.step = next_step(st.draft)
        return [ui.text(say("continue_draft", st.lang)), *prompt(ctx, st, loaded)]
    notes = begin_draft(ctx, st, tip=tip)
    st.step = next_step(st.draft or Draft())
    return [*notes, *prompt(ctx, st, loaded)]



def start_with_text(ctx: Context, st: State, loaded: Loaded, text: str) -> list[Message]:
    """A text while nothing is in progress: a wish to file starts filing; anything else starts
    a draft and is kept as its description."""
    wish = filing_wish(text)
    if wish:
        return start_filing(ctx, st, loaded, tip=wish == "tip")
    notes = begin_draft(ctx, st)
    return [*notes, *add_what(ctx, st, loaded, text)]


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
        receipt = file_complaint(ctx.session, ctx.pepper, _submission(ctx, st.draft),
                                 now=ctx.now, reference=ctx.reference())
    except InvalidSubmission:
        return advance(ctx, st, loaded)
    extra: list[Message] = []
    photos = store_state.take_photos(ctx.session, loaded)
    if photos:
        try:
            with ctx.session.begin_nested():
                ctx.attachments.extend(attach_to_new_complaint(
                    ctx.session, ctx.pepper, receipt.tracking_code, ctx.attachments_dir,
                    [(io.BytesIO(data), media_type) for data, media_type in photos],
                    now=ctx.now))
        except InvalidSubmission:
            extra.append(ui.text(say("filed_photos_failed", st.lang)))
    st.draft, st.step, st.resume, st.editing = None, "", "", False
    ctx.receipt = receipt_messages(ctx, st.lang, receipt.case_number, receipt.tracking_code)
    return [*ctx.receipt, *extra]



def choose(ctx: Context, st: State, loaded: Loaded, name: str, value: str) -> list[Message]:
    """A fixed choice (postback or typed): category (``cat``) or unit."""
    draft = st.draft
    if draft is None:
        return start_filing(ctx, st, loaded)
    if name == "cat" and any(c.code == value for c in categories_of(ctx)):
        draft.category, draft.kind = value, kind_of(ctx, value)
    elif name == "unit" and (value == "" or any(u.code == value for u in units_of(ctx))):
        draft.unit = value
    else:
        return [ui.text(say("not_understood", st.lang)), *prompt(ctx, st, loaded)]
    return advance(ctx, st, loaded)


def typed_choice(ctx: Context, st: State, text: str) -> tuple[str, str] | None:
    """A typed answer to the unit question, matched against the names in both languages."""
    wanted = norm(text)
    if st.step == "unit":
        if wanted in SKIP_WORDS:
            return "unit", ""
        for unit in units_of(ctx):
            if wanted in {norm(unit.name_th), norm(unit.name_en), unit.code.casefold()}:
                return "unit", unit.code
    return None



def category_text(ctx: Context, st: State, loaded: Loaded, text: str) -> list[Message]:
    """A typed answer to the category question: "ใช่" takes the suggestion, a category's name
    chooses it, "อื่น ๆ" or "แจ้งเบาะแส" opens that list; anything else is more of the
    description (and the question is asked again, with a fresh suggestion)."""
    assert st.draft is not None  # noqa: S101 - only called with a draft
    wanted = norm(text)
    guess = suggested(ctx, st.draft) if st.step == "category" else None
    if guess is not None and wanted in YES_WORDS:
        return choose(ctx, st, loaded, "cat", guess.code)
    code = typed_category(ctx, text)
    if code:
        return choose(ctx, st, loaded, "cat", code)
    if wanted in {norm(say("btn_more", "th")), "อื่นๆ", "other", "others"}:
        return show_categories(ctx, st, loaded, "more")
    if filing_wish(text) == "tip":
        return show_categories(ctx, st, loaded, "tip")
    return more_what(ctx, st, loaded, text)



def show_categories(ctx: Context, st: State, loaded: Loaded, which: str) -> list[Message]:
    """"อื่น ๆ" (``more``: every ordinary category) or "แจ้งเบาะแสการทุจริต" (``tip``)."""
    if st.draft is None:
        return start_filing(ctx, st, loaded, tip=which == "tip")
    if st.step not in CATEGORY_STEPS:
        clear_field(st.draft, "category")
    st.step = "category_tip" if which == "tip" else "category_more"
    st.draft.tip = which == "tip"
    return prompt(ctx, st, loaded)


def _append_what(ctx: Context, st: State, loaded: Loaded, text: str) -> list[Message] | None:
    """Add ``text`` to the description; returns the refusal when it would be too long."""
    assert st.draft is not None  # noqa: S101
    cleaned = clean_text(text)
    limit = LIMITS["what_happened"]
    if cleaned and len("\n\n".join([*st.draft.what, cleaned])) > limit:
        return [ui.text(say("what_too_long", st.lang, limit=f"{limit:,}")),
                *prompt(ctx, st, loaded)]
    if cleaned:
        st.draft.what.append(cleaned)
    return None



def add_what(ctx: Context, st: State, loaded: Loaded, text: str) -> list[Message]:
    """The description (its first message, or the one asked for again) and on to what is
    still missing."""
    refused = _append_what(ctx, st, loaded, text)
    if refused is not None:
        return refused
    assert st.draft is not None  # noqa: S101
    if not st.draft.what:
        return prompt(ctx, st, loaded)
    return [ui.text(say("got_start", st.lang)), *advance(ctx, st, loaded)]



def more_what(ctx: Context, st: State, loaded: Loaded, text: str) -> list[Message]:
    """A text where no other answer fits (the category question, the summary): more of the
    description, no "done" tap needed; the question of the step comes back."""
    refused = _append_what(ctx, st, loaded, text)
    if refused is not None:
        return refused
    return [ui.text(say("added_what", st.lang)), *prompt(ctx, st, loaded)]


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
    """Clear field ``name`` after "edit" and ask it again (the unit and identity questions
    are asked only here: otherwise they follow from the category, and anonymous is the
    default)."""
    if st.draft is None or name not in EDITABLE:
        return [ui.text(say("nothing_to_confirm", st.lang), menu_actions(st.lang))]
    clear_field(st.draft, name)
    notes: list[Message] = []
    if name == "what":
        notes.append(ui.text(say("edit_what", st.lang)))
    elif name == "photos":
        store_state.drop_photos(ctx.session, loaded)
        notes.append(ui.text(say("edit_photos", st.lang, max=ctx.max_photos)))
    st.step = {"unit": "unit", "identity": "identity"}.get(name) or next_step(st.draft)
    return [*notes, *prompt(ctx, st, loaded)]
