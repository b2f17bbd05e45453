"""What a citizen files, checked before anything is stored: the field limits, text cleaning,
the identity record's fixed size, and :func:`validate` (kind, category, unit, channel, texts).

Every channel hands the core a :class:`Submission`; :func:`validate` returns the cleaned one with
its category and named unit, or raises :class:`InvalidSubmission` naming every problem. Nothing
here writes to the database.
"""

import json
import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy.orm import Session

from rongrian.crypto import padding
from rongrian.intake.errors import InvalidSubmission, NotText
from rongrian.intake.models import Channel, Kind
from rongrian.intake.reference import CategoryFacts, Reference, UnitFacts, load_reference

#: Field limits in characters (after trimming). A LINE text message is at most 5,000 characters;
#: a web description may be longer.
LIMITS = {
    "what_happened": 10_000,
    "when_happened": 300,
    "where_happened": 500,
    "who_involved": 1_000,
    "name": 200,
    "phone": 32,
    "email": 254,
    "information": 10_000,
    "reply": 10_000,
    "note": 2_000,
}
#: UTF-8 needs at most 4 bytes per character, and JSON at most 2 for the 1-byte characters it
#: escapes (``"``, ``\\``, newline, tab: ``clean_text`` drops every other control character).
_MAX_BYTES_PER_CHARACTER = 4
_IDENTITY_FIELDS = ("name", "phone", "email")


def _identity_record_bytes(block: int = 256) -> int:
    """Bytes every identity record is padded to: the largest record the limits allow (every
    field at its :data:`LIMITS` length in 4-byte characters, ``"anonymous":false``) with its
    length frame, rounded up to ``block``."""
    skeleton = json.dumps({"anonymous": False, **dict.fromkeys(_IDENTITY_FIELDS, "")},
                          separators=(",", ":")).encode("utf-8")
    largest = padding.FRAME_BYTES + len(skeleton) + _MAX_BYTES_PER_CHARACTER * sum(
        LIMITS[field] for field in _IDENTITY_FIELDS)
    return -(-largest // block) * block


#: Every identity record (anonymous or not) is exactly this many bytes before encryption, so
#: its size at rest (this + 28) says nothing about whether or how a name was given (issue 13 M2).
IDENTITY_RECORD_BYTES = _identity_record_bytes()

_PHONE = re.compile(r"^\+?[0-9][0-9 \-]{5,30}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_KINDS = frozenset(k.value for k in Kind)
_CHANNELS = frozenset(c.value for c in Channel)
_CONTROL = {cp: None for cp in range(32) if chr(cp) not in "\n\t"}


def clean_text(text: str) -> str:
    """NFC-normalise, drop control characters (keeping newline and tab) and trim.

    Raises :class:`~rongrian.intake.errors.NotText` when ``text`` is not a ``str`` (a number,
    ``True`` or an object decoded from JSON): nothing but text reaches the core.
    """
    if not isinstance(text, str):
        raise NotText(type(text).__name__)
    return unicodedata.normalize("NFC", text).translate(_CONTROL).replace("\r", "").strip()


def text_or_problem(problems: dict[str, str], field: str, value: object) -> str:
    """``clean_text(value)``, or ``""`` with ``problems[field] = "invalid"`` if not text."""
    try:
        return clean_text(value)  # type: ignore[arg-type]
    except NotText:
        problems[field] = "invalid"
        return ""


@dataclass(frozen=True)
class Identity:
    """A complainant who chose to give their identity. Sealed to the custodian only."""

    name: str
    phone: str = ""
    email: str = ""


@dataclass(frozen=True)
class Submission:
    """What a citizen filed, as any channel hands it to the core (texts already decoded)."""

    kind: str
    category_code: str
    unit_code: str | None
    channel: str
    what_happened: str
    when_happened: str = ""
    where_happened: str = ""
    who_involved: str = ""
    identity: Identity | None = None
    #: The QR poster's id from its link (``place=``; :mod:`rongrian.intake.posters`), or ``""``.
    #: Recorded only for the ``qr`` channel and only when it names a registered poster.
    place: str = ""


def check_length(problems: dict[str, str], field: str, value: str, *, required: bool) -> None:
    """Set ``problems[field]`` to ``required`` (empty but required) or ``too_long`` (past
    :data:`LIMITS`)."""
    if required and not value:
        problems[field] = "required"
    elif len(value) > LIMITS[field]:
        problems[field] = "too_long"


def _validate_identity(identity: Identity, problems: dict[str, str]) -> Identity:
    cleaned = Identity(text_or_problem(problems, "name", identity.name),
                       text_or_problem(problems, "phone", identity.phone),
                       text_or_problem(problems, "email", identity.email))
    if problems.keys() & {"name", "phone", "email"}:
        return cleaned
    check_length(problems, "name", cleaned.name, required=True)
    check_length(problems, "phone", cleaned.phone, required=False)
    check_length(problems, "email", cleaned.email, required=False)
    if cleaned.phone and "phone" not in problems and not _PHONE.match(cleaned.phone):
        problems["phone"] = "invalid"
    if cleaned.email and "email" not in problems and not _EMAIL.match(cleaned.email):
        problems["email"] = "invalid"
    return cleaned


def _resolve(reference: Reference, submission: Submission
             ) -> tuple[CategoryFacts, UnitFacts | None]:
    problems: dict[str, str] = {}
    if submission.kind not in _KINDS:
        problems["kind"] = "required" if not submission.kind else "unknown"
    if submission.channel not in _CHANNELS:
        problems["channel"] = "unknown"
    category = reference.category(submission.category_code)
    if category is None:
        problems["category"] = "required" if not submission.category_code else "unknown"
    unit = None
    if submission.unit_code:
        unit = reference.unit(submission.unit_code)
        if unit is None:
            problems["unit"] = "unknown"
    if problems:
        raise InvalidSubmission(problems)
    assert category is not None  # noqa: S101 - narrowed by the problems check above
    return category, unit


def validate(session: Session, submission: Submission, *, reference: Reference | None = None
             ) -> tuple[Submission, CategoryFacts, UnitFacts | None]:
    """Check and clean a submission; return it cleaned with its category and named unit (as
    read in ``reference``, or read through ``session`` when it is not given).

    Raises :class:`InvalidSubmission` listing every problem at once.
    """
    problems: dict[str, str] = {}
    texts = {
        field: text_or_problem(problems, field, getattr(submission, field))
        for field in ("what_happened", "when_happened", "where_happened", "who_involved")
    }
    for field, value in texts.items():
        if field not in problems:
            check_length(problems, field, value, required=field == "what_happened")
    not_text = [field for field in ("kind", "category_code", "unit_code", "channel")
                if not isinstance(getattr(submission, field), str | None)]
    if not_text:
        problems.update({field.removesuffix("_code"): "invalid" for field in not_text})
        raise InvalidSubmission(problems)
    identity = (
        _validate_identity(submission.identity, problems) if submission.identity else None
    )
    try:
        category, unit = _resolve(reference or load_reference(session), submission)
    except InvalidSubmission as exc:
        problems.update(exc.problems)
    if problems:
        raise InvalidSubmission(problems)
    cleaned = Submission(
        kind=submission.kind,
        category_code=submission.category_code,
        unit_code=submission.unit_code or None,
        channel=submission.channel,
        identity=identity,
        place=submission.place,
        **texts,
    )
    return cleaned, category, unit
