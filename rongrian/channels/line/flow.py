"""The conversation: what the bot asks and how each answer moves a LINE user's state on.

One call of :func:`handle` takes one incoming event of a one-to-one chat (already parsed into
an :class:`Incoming`), the user's decrypted :class:`~rongrian.channels.line.state.State`, and
returns the messages to reply with. It changes the database only through the session it is
given (the caller commits once, with the redelivery digest, or rolls back), and it calls LINE
only to fetch an image's content.

Filing asks, in order: kind, category, unit (or skip), what happened (several messages, then
"done"), where (text or a LINE location, or skip), photos (or skip), anonymous or named (name,
phone), then shows a Flex summary to confirm, edit or cancel. A field cleared by "edit" is asked
again and the summary comes back. "ยกเลิก"/"cancel" deletes the draft at any step.
"""

import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from sqlalchemy import select
from sqlalchemy.orm import Session

from rongrian.channels.line import state as store_state
from rongrian.channels.line import ui
from rongrian.channels.line.state import Draft, Loaded, State
from rongrian.channels.line.texts import TEXTS, say
from rongrian.channels.qr.codes import tracking_link
from rongrian.intake import notify
from rongrian.intake.attachments import Attachment, attach_to_new_complaint, attach_with_code
from rongrian.intake.errors import ComplaintNotFound, InvalidSubmission, MalformedTrackingCode
from rongrian.intake.models import Category, Channel, EventKind, Installation, Kind, Unit
from rongrian.intake.store import (
    LIMITS,
    ComplainantView,
    Identity,
    Submission,
    add_information,
    clean_text,
    file_complaint,
    read_thread,
    validate,
)
from rongrian.intake.tracking_codes import display, normalise
from rongrian.web.labels import label
from rongrian.web.thaidates import format_date

Message = ui.Message
CODE_EXAMPLE = "ABCD-EFGH-JKMN-PQRS"
#: A tracking code typed alone: 16 symbols, optionally grouped (checked by ``normalise``).
_CODE_LIKE = re.compile(r"^[0-9A-Za-z๐-๙][0-9A-Za-z๐-๙\- ]{14,22}[0-9A-Za-z๐-๙]$")
_PHONE = re.compile(r"^\+?[0-9][0-9 \-]{5,30}$")
#: Steps where any text is an answer (a code-like text is not taken as a tracking code).
FREE_TEXT_STEPS = frozenset({"what", "where", "name", "phone", "add_info"})
#: Rows of the thread shown in the chat before pointing to the web page.
THREAD_CHARS = 4000

COMMANDS: dict[str, frozenset[str]] = {
    "cancel": frozenset({"ยกเลิก", "cancel", "ยกเลิกเรื่อง"}),
    "file": frozenset({"ร้องเรียน / แจ้งเบาะแส", "ร้องเรียน/แจ้งเบาะแส", "ร้องเรียน", "แจ้งเบาะแส",
                       "แจ้งเรื่อง", "report", "file", "complain"}),
    "track": frozenset({"ติดตามเรื่อง", "ติดตาม", "track"}),
    "privacy": frozenset({"ความเป็นส่วนตัว", "privacy"}),
    "menu": frozenset({"เมนู", "menu", "help", "ช่วยเหลือ", "สวัสดี", "hello", "hi"}),
}
#: Typed answers that mean "skip" or "done".
SKIP_WORDS = frozenset({"ข้าม", "ไม่ทราบ", "ไม่ทราบ/ข้าม", "skip", "ไม่มี", "none"})
DONE_WORDS = frozenset({"เสร็จ", "เสร็จแล้ว", "เล่าครบแล้ว", "done", "finished"})
CONFIRM_WORDS = frozenset({"ยืนยัน", "ยืนยันส่ง", "ส่ง", "send", "confirm"})
EDIT_WORDS = frozenset({"แก้ไข", "edit"})
EDITABLE = ("kind", "category", "unit", "what", "where", "photos", "identity")
_EDIT_ROW = {"kind": "row_kind", "category": "row_category", "unit": "row_unit",
             "what": "row_what", "where": "row_where", "photos": "row_photos",
             "identity": "row_identity"}
#: Which draft field a filing problem (store.validate's field names) sends the user back to.
_PROBLEM_FIELD = {"kind": "kind", "category": "category", "unit": "unit",
                  "what_happened": "what", "where_happened": "where", "name": "identity",
                  "phone": "identity", "email": "identity", "attachments": "photos"}


@dataclass(frozen=True)
class Choice:
    """A category or unit as the chat offers it."""

    code: str
    name_th: str
    name_en: str


@dataclass(frozen=True)
class Catalogue:
    """What the questions offer: the organisation's name, the active categories (by position)
    and the active units except the organisation itself. Read once and reused for a while by
    the runtime (an administrator's change shows within a minute)."""

    organisation: str
    categories: tuple[Choice, ...]
    units: tuple[Choice, ...]

    @classmethod
    def load(cls, session: Session) -> "Catalogue":
        organisation = session.scalars(select(Installation.organisation_name)).first() or ""
        categories = session.scalars(
            select(Category).where(Category.active).order_by(Category.position, Category.id))
        units = session.scalars(
            select(Unit).where(Unit.active, Unit.parent_id.is_not(None)).order_by(Unit.id))
        return cls(organisation,
                   tuple(Choice(c.code, c.name_th, c.name_en) for c in categories),
                   tuple(Choice(u.code, u.name_th, u.name_en) for u in units))

    def category(self, code: str) -> Choice | None:
        return next((c for c in self.categories if c.code == code), None)

    def unit(self, code: str) -> Choice | None:
        return next((u for u in self.units if u.code == code), None)


class PhotoRejected(Exception):
    """A photo could not be fetched or is not an image."""


#: Fetch and clean a photo: LINE message id → (cleaned bytes, media type); raises PhotoRejected.
PhotoSource = Callable[[str], tuple[bytes, str]]
#: Whether a user (by conversation digest) may look up one more tracking code now.
LookupGate = Callable[[bytes], bool]


@dataclass(frozen=True)
class Incoming:
    """One event of a one-to-one chat, reduced to what the conversation needs.

    ``kind``: ``follow``, ``text``, ``postback``, ``location``, ``image``, ``too_long`` (a text
    over 5,000 characters) or ``unsupported`` (sticker, video, audio, file, …).
    """

    kind: str
    text: str = ""
    data: str = ""
    latitude: float = 0.0
    longitude: float = 0.0
    title: str = ""
    address: str = ""
    message_id: str = ""
    last_of_set: bool = True


@dataclass
class Context:
    """What one event's handling may use. ``attachments`` collects files written to disk, so
    the caller can discard them if the transaction rolls back."""

    session: Session
    pepper: bytes
    now: datetime
    public_base_url: str
    attachments_dir: Path
    max_photos: int
    photo_source: PhotoSource
    lookup_allowed: LookupGate
    catalogue: Catalogue
    attachments: list[Attachment] = field(default_factory=list)
    receipt: list[Message] = field(default_factory=list)


# --- helpers -------------------------------------------------------------------------------

def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


def command_of(text: str) -> str:
    """The menu command a typed text names (``file``, ``track``, …), or ``""``."""
    wanted = _norm(text)
    for name, words in COMMANDS.items():
        if wanted in {_norm(w) for w in words}:
            return name
    return ""


def _data(**values: str) -> str:
    return urlencode(values)


def _pb(lang: str, key: str, **values: str) -> dict[str, Any]:
    return ui.postback(say(key, lang), _data(**values))


def menu_actions(lang: str) -> list[dict[str, Any]]:
    return [_pb(lang, "btn_file", a="file"), _pb(lang, "btn_track", a="track"),
            _pb(lang, "btn_privacy", a="privacy")]


def _web_form(ctx: Context) -> str:
    return f"{ctx.public_base_url.rstrip('/')}/report"


def _track_page(ctx: Context) -> str:
    return f"{ctx.public_base_url.rstrip('/')}/track"


def welcome(ctx: Context, lang: str) -> list[Message]:
    """The welcome and the honest privacy note (follow, greeting, first message)."""
    return [
        ui.text(say("welcome", lang, org=ctx.catalogue.organisation)),
        ui.text(say("privacy", lang, link=_web_form(ctx)), menu_actions(lang)),
    ]


def _categories(ctx: Context) -> tuple[Choice, ...]:
    return ctx.catalogue.categories


def _units(ctx: Context) -> tuple[Choice, ...]:
    return ctx.catalogue.units


def _name(thing: Category | Unit | Choice, lang: str) -> str:
    return thing.name_en if lang == "en" else thing.name_th


def _cancel_action(lang: str) -> dict[str, Any]:
    return _pb(lang, "btn_cancel", a="cancel")


# --- prompts ------------------------------------------------------------------------------

def next_step(draft: Draft) -> str:
    """The first unanswered question of ``draft`` (``confirm`` when all are answered)."""
    checks = [
        ("kind", not draft.kind),
        ("category", not draft.category),
        ("unit", draft.unit is None),
        ("what", not draft.what_done),
        ("where", draft.where is None),
        ("photos", not draft.photos_done),
        ("identity", draft.anonymous is None),
        ("name", draft.anonymous is False and not draft.name),
        ("phone", draft.anonymous is False and draft.phone is None),
    ]
    return next((step for step, missing in checks if missing), "confirm")


def prompt(ctx: Context, st: State, loaded: Loaded) -> list[Message]:
    """The question of ``st.step`` with its buttons."""
    lang, step = st.lang, st.step
    cancel = _cancel_action(lang)
    if step == "kind":
        actions = [ui.postback(label("kind", k, lang), _data(a="kind", v=k.value))
                   for k in Kind]
        return [ui.text(say("ask_kind", lang), [*actions, cancel])]
    if step == "category":
        options = [(_name(c, lang), _data(a="cat", v=c.code)) for c in _categories(ctx)]
        return [ui.flex(say("ask_category", lang),
                        ui.choice_list(say("ask_category", lang), options), [cancel])]
    if step == "unit":
        options = [(_name(u, lang), _data(a="unit", v=u.code)) for u in _units(ctx)]
        options.append((say("btn_skip", lang), _data(a="unit", v="")))
        return [ui.flex(say("ask_unit", lang), ui.choice_list(say("ask_unit", lang), options),
                        [_pb(lang, "btn_skip", a="unit", v=""), cancel])]
    if step == "what":
        return [ui.text(say("ask_what", lang), [_pb(lang, "btn_done_what", a="done"), cancel])]
    if step == "where":
        return [ui.text(say("ask_where", lang), [
            ui.location(say("btn_location", lang)), _pb(lang, "btn_skip_plain", a="skip"),
            cancel])]
    if step == "photos":
        return [ui.text(say("ask_photos", lang, max=ctx.max_photos), _photo_actions(lang))]
    if step == "identity":
        return [ui.text(say("ask_identity", lang), [
            _pb(lang, "btn_anonymous", a="anon"), _pb(lang, "btn_named", a="named"), cancel])]
    if step == "name":
        return [ui.text(say("ask_name", lang), [cancel])]
    if step == "phone":
        return [ui.text(say("ask_phone", lang), [_pb(lang, "btn_skip_plain", a="skip"), cancel])]
    if step == "confirm":
        return [summary(ctx, st, loaded)]
    if step == "edit":
        actions = [_pb(lang, _EDIT_ROW[name], a="field", v=name) for name in EDITABLE]
        return [ui.text(say("ask_edit", lang), [*actions, cancel])]
    if step == "track_code":
        return [ui.text(say("ask_code", lang, example=CODE_EXAMPLE), [cancel])]
    return [ui.text(say("menu", lang), menu_actions(lang))]


def _photo_actions(lang: str) -> list[dict[str, Any]]:
    return [ui.camera(say("btn_camera", lang)), ui.camera_roll(say("btn_camera_roll", lang)),
            _pb(lang, "btn_done", a="done"), _pb(lang, "btn_skip_plain", a="skip"),
            _cancel_action(lang)]


def _category_name(ctx: Context, code: str, lang: str) -> str:
    found = ctx.catalogue.category(code)
    return _name(found, lang) if found else code


def _unit_name(ctx: Context, code: str | None, lang: str) -> str:
    if not code:
        return say("not_given", lang)
    found = ctx.catalogue.unit(code)
    return _name(found, lang) if found else code


def summary(ctx: Context, st: State, loaded: Loaded) -> Message:
    """The Flex summary with confirm / edit / cancel."""
    lang, draft = st.lang, st.draft or Draft()
    what = "\n".join(draft.what)
    who = say("anonymous", lang) if draft.anonymous else " ".join(
        part for part in (draft.name, draft.phone or "") if part)
    rows = [
        (say("row_kind", lang), label("kind", draft.kind, lang)),
        (say("row_category", lang), _category_name(ctx, draft.category, lang)),
        (say("row_unit", lang), _unit_name(ctx, draft.unit, lang)),
        (say("row_what", lang), ui.clip(what, 600)),
        (say("row_where", lang), draft.where or say("not_given", lang)),
        (say("row_photos", lang), say("photos_count", lang,
                                      count=store_state.count_photos(ctx.session, loaded))),
        (say("row_identity", lang), who),
    ]
    buttons = [(say("btn_confirm", lang), _data(a="confirm"), "primary"),
               (say("btn_edit", lang), _data(a="edit"), "secondary"),
               (say("btn_cancel", lang), _data(a="cancel"), "link")]
    return ui.flex(say("summary_alt", lang),
                   ui.summary_bubble(say("summary_title", lang), rows, buttons),
                   [_pb(lang, "btn_confirm", a="confirm"), _pb(lang, "btn_edit", a="edit"),
                    _cancel_action(lang)])


# --- filing -------------------------------------------------------------------------------

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


def _clear_field(draft: Draft, name: str) -> None:
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


def _advance(ctx: Context, st: State, loaded: Loaded) -> list[Message]:
    """Move to the next unanswered question (checking the whole draft before the summary)."""
    assert st.draft is not None  # noqa: S101 - only called with a draft
    st.step = next_step(st.draft)
    if st.step == "confirm":
        try:
            validate(ctx.session, _submission(st.draft))
        except InvalidSubmission as exc:
            first = next(iter(exc.problems))
            _clear_field(st.draft, _PROBLEM_FIELD.get(first, "what"))
            if _PROBLEM_FIELD.get(first) == "photos":
                store_state.drop_photos(ctx.session, loaded)
            st.step = next_step(st.draft)
            return [ui.text(say("file_problems", st.lang,
                                problems=_problems_text(exc.problems, st.lang))),
                    *prompt(ctx, st, loaded)]
    return prompt(ctx, st, loaded)


def _start_filing(ctx: Context, st: State, loaded: Loaded) -> list[Message]:
    if st.draft is not None:
        st.step = st.resume or st.step or next_step(st.draft)
        st.resume = ""
        if st.step not in {"edit", "confirm"}:
            st.step = next_step(st.draft)
        return [ui.text(say("continue_draft", st.lang)), *prompt(ctx, st, loaded)]
    st.draft, st.step, st.code = Draft(), "kind", ""
    return [ui.text(say("privacy_short", st.lang, link=_web_form(ctx))),
            *prompt(ctx, st, loaded)]


def _cancel(ctx: Context, st: State, loaded: Loaded) -> list[Message]:
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
        ui.text(code, [_pb(lang, "btn_notify_on", a="notify", v="on", c=code),
                       _pb(lang, "btn_track", a="track")]),
    ]


def _confirm(ctx: Context, st: State, loaded: Loaded) -> list[Message]:
    if st.draft is None or st.step != "confirm":
        return [ui.text(say("nothing_to_confirm", st.lang), menu_actions(st.lang))]
    try:
        receipt = file_complaint(ctx.session, ctx.pepper, _submission(st.draft), now=ctx.now)
    except InvalidSubmission:
        return _advance(ctx, st, loaded)
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


# --- tracking -----------------------------------------------------------------------------

def _entry_lines(view: ComplainantView, lang: str) -> list[str]:
    lines = []
    for entry in view.entries:
        day = format_date(entry.occurred_on, lang)
        if entry.kind == EventKind.STATUS:
            lines.append(say("entry_status", lang, date=day,
                             status=label("status", entry.status, lang)))
        elif entry.kind == EventKind.REPLY:
            lines.append(say("entry_reply", lang, date=day, text=entry.text or ""))
        else:
            lines.append(say("entry_information", lang, date=day, text=entry.text or ""))
    return lines


def thread_text(ctx: Context, view: ComplainantView, lang: str) -> str:
    """The complainant's view of their thread as chat text (cut, with the web link)."""
    head = say("thread_head", lang, case_number=view.case_number,
               kind=label("kind", view.kind, lang), category=_name(view.category, lang),
               received=format_date(view.received_on, lang),
               status=label("status", view.status, lang))
    body = "\n\n".join(_entry_lines(view, lang))
    full = f"{head}\n\n{say('history', lang)}\n{body}"
    if len(full) > THREAD_CHARS:
        full = ui.clip(full, THREAD_CHARS) + "\n" + say("thread_truncated", lang,
                                                        link=_track_page(ctx))
    return full


def _after_lookup(st: State) -> None:
    st.step, st.resume = (st.resume, "") if st.resume else ("", "")


def _thread_actions(ctx: Context, st: State, loaded: Loaded, code: str) -> list[dict[str, Any]]:
    lang = st.lang
    on = notify.subscribed(ctx.session, ctx.pepper, code, Channel.LINE, loaded.user_id)
    actions = [_pb(lang, "btn_add_info", a="add", c=code),
               _pb(lang, "btn_notify_off" if on else "btn_notify_on", a="notify",
                   v="off" if on else "on", c=code)]
    if st.draft is not None:
        actions.append(_pb(lang, "btn_resume", a="file"))
    actions.append(_pb(lang, "btn_other_code", a="track"))
    return actions


def _unlock_error(st: State, exc: Exception) -> list[Message]:
    lang = st.lang
    if isinstance(exc, MalformedTrackingCode):
        return [ui.text(say("bad_code", lang, example=CODE_EXAMPLE), [_cancel_action(lang)])]
    return [ui.text(say("unknown_code", lang), [_pb(lang, "btn_other_code", a="track"),
                                                 _cancel_action(lang)])]


def _gate(ctx: Context, st: State, loaded: Loaded) -> list[Message] | None:
    if ctx.lookup_allowed(loaded.digest):
        return None
    return [ui.text(say("too_many_lookups", st.lang), menu_actions(st.lang))]


def lookup(ctx: Context, st: State, loaded: Loaded, code_text: str) -> list[Message]:
    """Show the thread a code opens (rate-limited per user)."""
    refused = _gate(ctx, st, loaded)
    if refused:
        return refused
    try:
        view = read_thread(ctx.session, ctx.pepper, code_text)
    except (MalformedTrackingCode, ComplaintNotFound) as exc:
        st.step = "track_code"
        return _unlock_error(st, exc)
    code = display(normalise(code_text))
    _after_lookup(st)
    return [ui.text(thread_text(ctx, view, st.lang), _thread_actions(ctx, st, loaded, code))]


def _begin_information(ctx: Context, st: State, loaded: Loaded, code: str) -> list[Message]:
    refused = _gate(ctx, st, loaded)
    if refused:
        return refused
    try:
        view = read_thread(ctx.session, ctx.pepper, code)
    except (MalformedTrackingCode, ComplaintNotFound) as exc:
        return _unlock_error(st, exc)
    if st.draft is not None and st.step not in {"add_info", "track_code"}:
        st.resume = st.step
    st.step, st.code = "add_info", display(normalise(code))
    return [ui.text(say("ask_information", st.lang, case_number=view.case_number),
                    [_pb(st.lang, "btn_done", a="done"), _cancel_action(st.lang)])]


def _end_information(st: State) -> None:
    st.code = ""
    _after_lookup(st)


def _add_information(ctx: Context, st: State, text: str) -> list[Message]:
    lang = st.lang
    try:
        add_information(ctx.session, ctx.pepper, st.code, text, now=ctx.now)
        view = read_thread(ctx.session, ctx.pepper, st.code)
    except InvalidSubmission:
        return [ui.text(say("what_too_long", lang, limit=f"{LIMITS['information']:,}"))]
    except (MalformedTrackingCode, ComplaintNotFound) as exc:
        _end_information(st)
        return _unlock_error(st, exc)
    _end_information(st)
    return [ui.text(say("information_added", lang, case_number=view.case_number),
                    menu_actions(lang))]


def _notify(ctx: Context, st: State, loaded: Loaded, values: dict[str, str]) -> list[Message]:
    refused = _gate(ctx, st, loaded)
    if refused:
        return refused
    code, lang = values.get("c", ""), st.lang
    try:
        view = read_thread(ctx.session, ctx.pepper, code)
        if values.get("v") == "off":
            notify.unsubscribe(ctx.session, ctx.pepper, code, Channel.LINE)
            return [ui.text(say("notify_off", lang, case_number=view.case_number),
                            menu_actions(lang))]
        notify.subscribe(ctx.session, ctx.pepper, code, Channel.LINE, loaded.user_id,
                         locale=lang)
    except (MalformedTrackingCode, ComplaintNotFound) as exc:
        return _unlock_error(st, exc)
    return [ui.text(say("notify_on", lang, case_number=view.case_number),
                    [_pb(lang, "btn_notify_off", a="notify", v="off", c=display(normalise(code))),
                     *menu_actions(lang)])]


# --- answers ------------------------------------------------------------------------------

def _choose(ctx: Context, st: State, loaded: Loaded, name: str, value: str) -> list[Message]:
    """A fixed choice (postback or typed): kind, category, unit."""
    draft = st.draft
    if draft is None:
        return _start_filing(ctx, st, loaded)
    if name == "kind" and value in {k.value for k in Kind}:
        draft.kind = value
        if value in {Kind.SUGGESTION.value, Kind.COMPLIMENT.value} and not draft.category:
            draft.category = value if any(c.code == value for c in _categories(ctx)) else ""
    elif name == "cat" and any(c.code == value for c in _categories(ctx)):
        draft.category = value
    elif name == "unit" and (value == "" or any(u.code == value for u in _units(ctx))):
        draft.unit = value
    else:
        return [ui.text(say("not_understood", st.lang)), *prompt(ctx, st, loaded)]
    return _advance(ctx, st, loaded)


def _typed_choice(ctx: Context, st: State, text: str) -> tuple[str, str] | None:
    """A typed answer to a fixed choice, matched against the names in both languages."""
    wanted = _norm(text)
    if st.step == "kind":
        for kind in Kind:
            if wanted in {_norm(label("kind", kind, "th")), _norm(label("kind", kind, "en"))}:
                return "kind", kind.value
    elif st.step == "category":
        for category in _categories(ctx):
            if wanted in {_norm(category.name_th), _norm(category.name_en), category.code}:
                return "cat", category.code
    elif st.step == "unit":
        if wanted in SKIP_WORDS:
            return "unit", ""
        for unit in _units(ctx):
            if wanted in {_norm(unit.name_th), _norm(unit.name_en), unit.code.casefold()}:
                return "unit", unit.code
    return None


def _what(ctx: Context, st: State, loaded: Loaded, text: str) -> list[Message]:
    assert st.draft is not None  # noqa: S101
    cleaned = clean_text(text)
    if not cleaned:
        return prompt(ctx, st, loaded)
    limit = LIMITS["what_happened"]
    if len("\n\n".join([*st.draft.what, cleaned])) > limit:
        return [ui.text(say("what_too_long", st.lang, limit=f"{limit:,}"),
                        [_pb(st.lang, "btn_done_what", a="done"), _cancel_action(st.lang)])]
    st.draft.what.append(cleaned)
    return [ui.text(say("got_what", st.lang, count=len(st.draft.what)),
                    [_pb(st.lang, "btn_done_what", a="done"), _cancel_action(st.lang)])]


def _set_where(ctx: Context, st: State, loaded: Loaded, where: str) -> list[Message]:
    assert st.draft is not None  # noqa: S101
    cleaned = clean_text(where)
    if len(cleaned) > LIMITS["where_happened"]:
        return [ui.text(say("where_too_long", st.lang, limit=LIMITS["where_happened"])),
                *prompt(ctx, st, loaded)]
    st.draft.where = cleaned
    return _advance(ctx, st, loaded)


def _identity_text(ctx: Context, st: State, loaded: Loaded, text: str) -> list[Message]:
    assert st.draft is not None  # noqa: S101
    cleaned = clean_text(text)
    if st.step == "name":
        if not cleaned:
            return prompt(ctx, st, loaded)
        if len(cleaned) > LIMITS["name"]:
            return [ui.text(say("name_too_long", st.lang, limit=LIMITS["name"])),
                    *prompt(ctx, st, loaded)]
        st.draft.name = cleaned
        return _advance(ctx, st, loaded)
    if _norm(cleaned) in SKIP_WORDS:
        st.draft.phone = ""
    elif _PHONE.match(cleaned) and len(cleaned) <= LIMITS["phone"]:
        st.draft.phone = cleaned
    else:
        return [ui.text(say("bad_phone", st.lang)), *prompt(ctx, st, loaded)]
    return _advance(ctx, st, loaded)


def _done_or_skip(ctx: Context, st: State, loaded: Loaded, action: str) -> list[Message]:
    draft = st.draft
    if st.step == "add_info":
        _end_information(st)
        return [ui.text(say("menu", st.lang), menu_actions(st.lang))] if st.draft is None \
            else prompt(ctx, st, loaded)
    if draft is None:
        return [ui.text(say("menu", st.lang), menu_actions(st.lang))]
    if st.step == "what":
        if not draft.what:
            return [ui.text(say("what_empty", st.lang)), *prompt(ctx, st, loaded)]
        draft.what_done = True
    elif st.step == "where" and action == "skip":
        draft.where = ""
    elif st.step == "photos":
        if action == "skip":
            store_state.drop_photos(ctx.session, loaded)
        draft.photos_done = True
    elif st.step == "phone" and action == "skip":
        draft.phone = ""
    elif st.step == "unit" and action == "skip":
        draft.unit = ""
    else:
        return prompt(ctx, st, loaded)
    return _advance(ctx, st, loaded)


def _edit_field(ctx: Context, st: State, loaded: Loaded, name: str) -> list[Message]:
    if st.draft is None or name not in EDITABLE:
        return [ui.text(say("nothing_to_confirm", st.lang), menu_actions(st.lang))]
    _clear_field(st.draft, name)
    notes: list[Message] = []
    if name == "what":
        notes.append(ui.text(say("edit_what", st.lang)))
    elif name == "photos":
        store_state.drop_photos(ctx.session, loaded)
        notes.append(ui.text(say("edit_photos", st.lang, max=ctx.max_photos)))
    st.step = next_step(st.draft)
    return [*notes, *prompt(ctx, st, loaded)] if notes else prompt(ctx, st, loaded)


def _postback(ctx: Context, st: State, loaded: Loaded, data: str) -> list[Message]:
    values = dict(parse_qsl(data, keep_blank_values=True))
    action, value = values.get("a", ""), values.get("v", "")
    simple: dict[str, Callable[[], list[Message]]] = {
        "file": lambda: _start_filing(ctx, st, loaded),
        "track": lambda: _start_tracking(ctx, st, loaded),
        "privacy": lambda: [ui.text(say("privacy", st.lang, link=_web_form(ctx)),
                                    menu_actions(st.lang))],
        "cancel": lambda: _cancel(ctx, st, loaded),
        "confirm": lambda: _confirm(ctx, st, loaded),
        "add": lambda: _begin_information(ctx, st, loaded, values.get("c", "")),
        "notify": lambda: _notify(ctx, st, loaded, values),
        "menu": lambda: welcome(ctx, st.lang),
    }
    if action in simple:
        return simple[action]()
    if action in {"kind", "cat", "unit"}:
        if st.draft is None or st.step not in {"kind", "category", "unit"}:
            return _stale(ctx, st, loaded)
        return _choose(ctx, st, loaded, action, value)
    if action in {"done", "skip"}:
        return _done_or_skip(ctx, st, loaded, action)
    if action in {"anon", "named"}:
        if st.draft is None or st.step != "identity":
            return _stale(ctx, st, loaded)
        st.draft.anonymous = action == "anon"
        return _advance(ctx, st, loaded)
    if action == "edit":
        if st.draft is None or st.step != "confirm":
            return _stale(ctx, st, loaded)
        st.step = "edit"
        return prompt(ctx, st, loaded)
    if action == "field":
        return _edit_field(ctx, st, loaded, value)
    return _stale(ctx, st, loaded)


def _stale(ctx: Context, st: State, loaded: Loaded) -> list[Message]:
    """A button of an earlier message that no longer applies: say where we are."""
    if st.step:
        return prompt(ctx, st, loaded)
    return [ui.text(say("menu", st.lang), menu_actions(st.lang))]


def _start_tracking(ctx: Context, st: State, loaded: Loaded) -> list[Message]:
    if st.draft is not None and st.step not in {"track_code", "add_info"}:
        st.resume = st.step
    st.code = ""
    st.step = "track_code"
    return prompt(ctx, st, loaded)


def _looks_like_code(text: str) -> bool:
    if not _CODE_LIKE.match(text.strip()):
        return False
    try:
        normalise(text)
    except MalformedTrackingCode:
        return False
    return True


def _text(ctx: Context, st: State, loaded: Loaded, text: str) -> list[Message]:
    command = command_of(text)
    if command == "cancel":
        return _cancel(ctx, st, loaded)
    if st.draft is not None and st.step in {"kind", "category", "unit"}:
        choice = _typed_choice(ctx, st, text)  # "แจ้งเบาะแส" is a kind here, not the menu
        if choice is not None:
            return _choose(ctx, st, loaded, *choice)
    if command:
        return _postback(ctx, st, loaded, _data(a=command))
    step = st.step
    if step == "track_code":
        return lookup(ctx, st, loaded, text)
    if step not in FREE_TEXT_STEPS and _looks_like_code(text):
        return lookup(ctx, st, loaded, text)
    if step == "add_info":
        return _add_information(ctx, st, text)
    if st.draft is None:
        return welcome(ctx, st.lang)
    return _draft_text(ctx, st, loaded, text)


def _draft_text(ctx: Context, st: State, loaded: Loaded, text: str) -> list[Message]:
    step, wanted = st.step, _norm(text)
    if step in {"kind", "category", "unit"}:
        choice = _typed_choice(ctx, st, text)
        if choice is None:
            return [ui.text(say("not_understood", st.lang)), *prompt(ctx, st, loaded)]
        return _choose(ctx, st, loaded, *choice)
    if step == "what":
        if wanted in DONE_WORDS:
            return _done_or_skip(ctx, st, loaded, "done")
        return _what(ctx, st, loaded, text)
    if step == "where":
        if wanted in SKIP_WORDS:
            return _done_or_skip(ctx, st, loaded, "skip")
        return _set_where(ctx, st, loaded, text)
    if step == "photos":
        if wanted in DONE_WORDS | SKIP_WORDS:
            return _done_or_skip(ctx, st, loaded, "skip" if wanted in SKIP_WORDS else "done")
        return prompt(ctx, st, loaded)
    if step in {"name", "phone"}:
        return _identity_text(ctx, st, loaded, text)
    if step == "confirm":
        if wanted in CONFIRM_WORDS:
            return _confirm(ctx, st, loaded)
        if wanted in EDIT_WORDS:
            return _postback(ctx, st, loaded, _data(a="edit"))
    if step == "identity":
        if wanted in {_norm(TEXTS["btn_anonymous"][0]), _norm(TEXTS["btn_anonymous"][1])}:
            return _postback(ctx, st, loaded, _data(a="anon"))
        if wanted in {_norm(TEXTS["btn_named"][0]), _norm(TEXTS["btn_named"][1])}:
            return _postback(ctx, st, loaded, _data(a="named"))
    return [ui.text(say("not_understood", st.lang)), *prompt(ctx, st, loaded)]


def _location(ctx: Context, st: State, loaded: Loaded, incoming: Incoming) -> list[Message]:
    if st.draft is None or st.step != "where":
        return [ui.text(say("location_not_now", st.lang)), *_stale(ctx, st, loaded)]
    place = " ".join(part for part in (incoming.title, incoming.address) if part)
    spot = say("location_text", st.lang, lat=f"{incoming.latitude:.6f}",
               lon=f"{incoming.longitude:.6f}")
    return _set_where(ctx, st, loaded, f"{place} ({spot})" if place else spot)


def _image(ctx: Context, st: State, loaded: Loaded, incoming: Incoming,
           save: Callable[[], None]) -> list[Message]:
    lang = st.lang
    if st.step == "add_info" and st.code:
        try:
            data, media_type = ctx.photo_source(incoming.message_id)
        except PhotoRejected:
            return [ui.text(say("photo_failed", lang))]
        try:
            with ctx.session.begin_nested():
                ctx.attachments.extend(attach_with_code(
                    ctx.session, ctx.pepper, st.code, ctx.attachments_dir,
                    [(io.BytesIO(data), media_type)], now=ctx.now))
            view = read_thread(ctx.session, ctx.pepper, st.code)
        except (InvalidSubmission, MalformedTrackingCode, ComplaintNotFound):
            return [ui.text(say("photo_failed", lang))]
        return [ui.text(say("photo_added", lang, case_number=view.case_number),
                        [_pb(lang, "btn_done", a="done"), _cancel_action(lang)])]
    if st.draft is None:
        return [ui.text(say("photo_not_now", lang), menu_actions(lang))]
    if store_state.count_photos(ctx.session, loaded) >= ctx.max_photos:
        return [ui.text(say("too_many_photos", lang, max=ctx.max_photos),
                        _photo_actions(lang))]
    try:
        data, media_type = ctx.photo_source(incoming.message_id)
    except PhotoRejected:
        return [ui.text(say("photo_failed", lang), _photo_actions(lang))]
    save()  # the conversation row must exist before a photo row refers to it
    count = store_state.add_photo(ctx.session, loaded, data, media_type)
    if not incoming.last_of_set:
        return []
    if st.step == "photos":
        return [ui.text(say("got_photo", lang, count=count, max=ctx.max_photos),
                        _photo_actions(lang))]
    return [ui.text(say("got_photo", lang, count=count, max=ctx.max_photos)),
            *prompt(ctx, st, loaded)]


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
