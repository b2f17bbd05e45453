"""What every step of the LINE conversation shares: the incoming event, the context of its
handling, the catalogue of categories and units, the menu words and the small builders of
buttons. See :mod:`rongrian.channels.line.flow` for the conversation as a whole.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import select
from sqlalchemy.orm import Session

from rongrian.channels.line import ui
from rongrian.channels.line.texts import say
from rongrian.intake.attachments import Attachment
from rongrian.intake.models import Category, Installation, Sensitivity, Unit
from rongrian.intake.reference import CategoryFacts, Reference, ReferenceCache

Message = ui.Message

CODE_EXAMPLE = "ABCD-EFGH-JKMN-PQRS"

COMMANDS: dict[str, frozenset[str]] = {
    "cancel": frozenset({"ยกเลิก", "cancel", "ยกเลิกเรื่อง"}),
    "file": frozenset({"ร้องเรียน / แจ้งเบาะแส", "ร้องเรียน/แจ้งเบาะแส", "ร้องเรียน", "แจ้งเบาะแส",
                       "แจ้งเรื่อง", "ร้องทุกข์", "แจ้ง", "report", "file", "complain"}),
    "track": frozenset({"ติดตามเรื่อง", "ติดตาม", "track"}),
    "privacy": frozenset({"ความเป็นส่วนตัว", "privacy"}),
    "menu": frozenset({"เมนู", "menu", "help", "ช่วยเหลือ", "สวัสดี", "hello", "hi"}),
}

#: Typed answers that mean "skip" or "done".
SKIP_WORDS = frozenset({"ข้าม", "ไม่ทราบ", "ไม่ทราบ/ข้าม", "skip", "ไม่มี", "none",
                        "ไม่ระบุสถานที่"})

CONFIRM_WORDS = frozenset({"ยืนยัน", "ยืนยันส่ง", "ส่ง", "ส่งเลย", "send", "confirm"})

EDIT_WORDS = frozenset({"แก้ไข", "edit"})

#: Typed answers that accept a suggested category.
YES_WORDS = frozenset({"ใช่", "ใช่ครับ", "ใช่ค่ะ", "ใช่คะ", "ถูกต้อง", "ถูก", "yes", "y", "ok",
                       "โอเค"})

EDITABLE = ("category", "unit", "what", "where", "photos", "identity")

#: Words of a wish to file (issue 12). A text made only of these and :data:`_FILLER` starts
#: filing and is not kept as the description ("สวัสดีครับ มีเรื่องจะแจ้ง").
_FILE_WORDS = ("แจ้งเบาะแส", "ร้องเรียน", "ร้องทุกข์", "เบาะแส", "แจ้ง", "report", "complain")
_FILLER = ("สวัสดี", "ครับ", "ค่ะ", "คะ", "ค่า", "จ้า", "จ้ะ", "นะ", "ขอ", "อยาก", "ต้องการ", "จะ",
           "มี", "เรื่อง", "ด้วย", "หน่อย", "คือ", "การ", "ทุจริต", "hello", "hi")
_PUNCTUATION = str.maketrans("", "", " \t\n.,!?~:;-_/()\"'ๆ")


@dataclass(frozen=True)
class Choice:
    """A category or unit as the chat offers it."""

    code: str
    name_th: str
    name_en: str
    #: A category's kind (``complaint``, ``tip``, …) and default unit code; whether it is a
    #: whistleblower category (routed to the integrity officer's unit whatever the unit).
    kind: str = "complaint"
    unit: str = ""
    whistleblower: bool = False



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
                   tuple(Choice(c.code, c.name_th, c.name_en, c.kind.value, c.default_unit.code,
                                c.sensitivity == Sensitivity.WHISTLEBLOWER)
                         for c in categories),
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
    #: The runtime's cache of the organisation (issue 11); one per context when not given.
    references: ReferenceCache = field(default_factory=ReferenceCache)
    _reference: Reference | None = field(default=None, init=False, repr=False)

    def reference(self) -> Reference:
        """The agency's categories, units and days off as this event reads them (from
        :attr:`references`, read once per event)."""
        if self._reference is None:
            self._reference = self.references.get(self.session)
        return self._reference



def norm(text: str) -> str:
    """Whitespace collapsed and case folded, for comparing typed words."""
    return " ".join(text.split()).casefold()



def command_of(text: str) -> str:
    """The menu command a typed text names (``file``, ``track``, …), or ``""``."""
    wanted = norm(text)
    for name, words in COMMANDS.items():
        if wanted in {norm(w) for w in words}:
            return name
    return ""



def filing_wish(text: str) -> str:
    """``"tip"`` or ``"file"`` if ``text`` only says the user wants to file (a tip: it names
    เบาะแส), else ``""`` (the text says something of its own and is kept as the description)."""
    wanted = norm(text)
    if not any(word in wanted for word in _FILE_WORDS):
        return ""
    rest = wanted
    for word in (*_FILE_WORDS, *_FILLER):
        rest = rest.replace(word, "")
    if rest.translate(_PUNCTUATION):
        return ""
    return "tip" if "เบาะแส" in wanted else "file"


def postback_data(**values: str) -> str:
    """Postback data ``a=…&v=…`` (URL-encoded) of a button."""
    return urlencode(values)



def pb(lang: str, key: str, **values: str) -> dict[str, Any]:
    """A postback button labelled with text ``key`` in ``lang``, carrying ``values``."""
    return ui.postback(say(key, lang), postback_data(**values))



def menu_actions(lang: str) -> list[dict[str, Any]]:
    """The main menu buttons: file, track, privacy."""
    return [pb(lang, "btn_file", a="file"), pb(lang, "btn_track", a="track"),
            pb(lang, "btn_privacy", a="privacy")]



def web_form(ctx: Context) -> str:
    """The public web form's address (``/report``)."""
    return f"{ctx.public_base_url.rstrip('/')}/report"



def track_page(ctx: Context) -> str:
    """The public tracking page's address (``/track``)."""
    return f"{ctx.public_base_url.rstrip('/')}/track"



def welcome(ctx: Context, lang: str) -> list[Message]:
    """The welcome and the honest privacy note (follow, greeting, first message)."""
    return [
        ui.text(say("welcome", lang, org=ctx.catalogue.organisation)),
        ui.text(say("privacy", lang, link=web_form(ctx)), menu_actions(lang)),
    ]



def categories_of(ctx: Context) -> tuple[Choice, ...]:
    """The categories the chat offers, by position."""
    return ctx.catalogue.categories



def units_of(ctx: Context) -> tuple[Choice, ...]:
    """The units the chat offers (all active units except the organisation)."""
    return ctx.catalogue.units



def name_of(thing: Category | CategoryFacts | Unit | Choice, lang: str) -> str:
    """``thing``'s name in ``lang`` (English for ``en``, else Thai)."""
    return thing.name_en if lang == "en" else thing.name_th



def cancel_action(lang: str) -> dict[str, Any]:
    """The "cancel" button."""
    return pb(lang, "btn_cancel", a="cancel")
