"""The complainant's access through the tracking code: reading the thread, adding to it.

Every function takes the SQLAlchemy ``Session`` explicitly and only flushes; the caller commits
(or rolls back) the unit of work, so nothing half-written survives a failure. Filing itself is
:mod:`rongrian.intake.filing` and thread entries :mod:`rongrian.intake.events`; their names,
and those of :mod:`rongrian.intake.submission`, are re-exported here.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import bindparam, exists, select
from sqlalchemy.orm import Session, defer, joinedload

from rongrian.crypto.tracking import digests_equal, tracking_digest, tracking_wrap_key
from rongrian.intake import envelope
from rongrian.intake.datakeys import (
    DataKeys,
    complainant_keys,
    give_complainant_key,
)
from rongrian.intake.errors import ComplaintNotFound, InvalidSubmission
from rongrian.intake.events import append_event, event_columns
from rongrian.intake.filing import Receipt, file_complaint
from rongrian.intake.filing_rows import next_case_number
from rongrian.intake.models import (
    Attachment,
    CaseEvent,
    Complaint,
    EventKind,
    Kind,
    Rating,
    Sensitivity,
    Status,
)
from rongrian.intake.reference import TOKEN_COLUMN, CategoryFacts, Reference, load_reference
from rongrian.intake.submission import (
    IDENTITY_RECORD_BYTES,
    LIMITS,
    Identity,
    Submission,
    check_length,
    clean_text,
    text_or_problem,
    validate,
)
from rongrian.intake.tracking_codes import normalise
from rongrian.intake.workflow import information_open


@dataclass(frozen=True)
class ThreadEntry:
    """One entry of the thread as the complainant sees it (status changes carry no text)."""

    kind: EventKind
    occurred_on: date
    status: Status | None
    text: str | None
    #: For an ``extension``: the new completion due day (its reason stays with staff).
    due_on: date | None = None


@dataclass(frozen=True)
class ComplainantView:
    """Everything the tracking code unlocks (DESIGN.md, promise 4)."""

    case_number: str
    kind: Kind
    category: CategoryFacts
    status: Status
    received_on: date
    entries: list[ThreadEntry]
    #: Completion due day and finishing day (issue 9 §4).
    due_on: date | None = None
    finished_on: date | None = None
    #: The handling unit's names; ``handled_by_integrity`` for a tip or a whistleblower
    #: category, whose page names only "the integrity unit", never a unit it may accuse.
    unit_name_th: str = ""
    unit_name_en: str = ""
    handled_by_integrity: bool = False
    #: The complainant's rating of the case (1–5), if they gave one (issue 9 §3).
    rating: int | None = None
    #: Whether any file is attached to the case (from the complainant or with a reply): the
    #: page reads the files only then (:func:`rongrian.intake.attachments.files_by_code`).
    has_files: bool = True


#: Thread entries whose text (or new due day) the complainant reads; a status entry's note and
#: an extension's reason stay with staff.
_SEEN_BY_COMPLAINANT = (EventKind.REPLY, EventKind.INFORMATION, EventKind.REOPEN,
                        EventKind.EXTENSION)

#: ``Session.info`` key of the complaints a tracking code opened during that session.
_OPENED_BY_CODE = "rongrian.opened_by_code"


#: What a tracking code's page reads of its complaint: not its sealed identity (which the code
#: does not open), with its category and unit in the same round trip. Statements built once per
#: process, the digest a parameter (issue 11).
_NOT_SHOWN = (defer(Complaint.identity), defer(Complaint.identity_key_custodian),
              defer(Complaint.identity_key_recovery))
_BY_DIGEST = (select(Complaint)
              .options(joinedload(Complaint.category), joinedload(Complaint.unit), *_NOT_SHOWN)
              .where(Complaint.tracking_digest == bindparam("digest")))
#: The thread page's: its category and unit come from the worker's kept reference instead, and
#: whether the case has files comes along, so a case without any spares the files' statement.
_THREAD_BY_DIGEST = (
    select(Complaint, Rating.score, CaseEvent,
           exists().where(Attachment.complaint_id == Complaint.id).label("has_files"),
           TOKEN_COLUMN)
    .options(*_NOT_SHOWN)
    .outerjoin(Rating, Rating.complaint_id == Complaint.id)
    .outerjoin(CaseEvent, CaseEvent.complaint_id == Complaint.id)
    .where(Complaint.tracking_digest == bindparam("digest"))
    .order_by(CaseEvent.seq)
)


def _opened(session: Session, digest: bytes) -> tuple[Complaint, DataKeys] | None:
    """What a code opened earlier in this session, if nothing moved its key since."""
    opened: dict[bytes, tuple[Complaint, DataKeys]] = session.info.get(_OPENED_BY_CODE, {})
    hit = opened.get(digest)
    if hit is not None and hit[1].generation == hit[0].key_generation:  # no move since
        return hit
    return None


def _open(session: Session, pepper: bytes, code: str, digest: bytes,
          complaint: Complaint | None, *, upgrade: bool) -> tuple[Complaint, DataKeys]:
    """``complaint`` (the row the digest found, or ``None``) and the data keys ``code`` reaches
    in it, remembered for the session. Raises :class:`ComplaintNotFound`."""
    if complaint is None or not digests_equal(complaint.tracking_digest, digest):
        raise ComplaintNotFound
    wrap_key = tracking_wrap_key(pepper, code)
    data_keys = complainant_keys(session, complaint, wrap_key)
    if upgrade and complaint.complainant_public_key is None:
        give_complainant_key(complaint, data_keys, wrap_key)
        session.flush()
    session.info.setdefault(_OPENED_BY_CODE, {})[digest] = (complaint, data_keys)
    return complaint, data_keys


def unlock_by_code(session: Session, pepper: bytes, code_text: str, *,
                   upgrade: bool = False) -> tuple[Complaint, DataKeys]:
    """The complaint a code opens and every generation of its data key the code reaches.

    Within one session (one request) a second call with the same code reuses the first answer
    (or :func:`read_thread`'s): the thread and its files are shown from one lookup. ``upgrade``
    (the paths that write) gives a complaint filed before complainant key pairs existed its pair
    (:func:`rongrian.intake.datakeys.give_complainant_key`), so its next move starts a new
    generation. Raises ``MalformedTrackingCode`` or :class:`ComplaintNotFound`."""
    code = normalise(code_text)
    digest = tracking_digest(pepper, code)
    cached = None if upgrade else _opened(session, digest)
    if cached is not None:
        return cached
    complaint = session.scalars(_BY_DIGEST, {"digest": digest}).first()
    return _open(session, pepper, code, digest, complaint, upgrade=upgrade)


def events_of(session: Session, complaint_id: uuid.UUID) -> list[CaseEvent]:
    """The thread of a complaint in order."""
    return list(
        session.scalars(
            select(CaseEvent).where(CaseEvent.complaint_id == complaint_id).order_by(CaseEvent.seq)
        )
    )


#: What gives the organisation for the change token read with the thread
#: (:meth:`rongrian.intake.reference.ReferenceCache.for_token`).
ReferenceForToken = Callable[[str | None], Reference]


def read_thread(session: Session, pepper: bytes, code_text: str, *,
                reference: Reference | ReferenceForToken | None = None) -> ComplainantView:
    """What the holder of a tracking code may read: status history, replies, own additions.

    ``reference`` is the organisation as the caller holds it
    (:class:`rongrian.intake.reference.ReferenceCache`), for the category's and the unit's
    names, or what gives it for the change token this statement reads along (so a lookup is
    one round trip); read through ``session`` when not given. Raises
    ``MalformedTrackingCode`` for text that cannot be a code and :class:`ComplaintNotFound` for
    a well-formed code that opens nothing.
    """
    code = normalise(code_text)
    digest = tracking_digest(pepper, code)
    # The complaint, its rating and its thread: one round trip.
    rows = session.execute(_THREAD_BY_DIGEST, {"digest": digest}).all()
    found = rows[0][0] if rows else None
    cached = _opened(session, digest)
    complaint, data_keys = (cached if cached is not None and cached[0] is found
                            else _open(session, pepper, code, digest, found, upgrade=False))
    entries = []
    for event in (row[2] for row in rows if row[2] is not None):
        text, due_on = None, None
        if event.kind in _SEEN_BY_COMPLAINANT:
            record = envelope.decrypt_record(
                data_keys.of(event.key_generation), event.body,
                envelope.event_aad(complaint.id, event.id, event.key_generation),
            )
            text = record.get("text")
            due_on = date.fromisoformat(record["due_on"]) if "due_on" in record else None
        entries.append(ThreadEntry(event.kind, event.occurred_on, event.status, text, due_on))
    if callable(reference):
        reference = reference(rows[0][4])
    reference = reference or load_reference(session)
    category = reference.category_by_id(complaint.category_id)
    unit = reference.unit_by_id(complaint.unit_id)
    if category is None or unit is None:  # made after the reference was read: read it now
        reference = load_reference(session)
        category = reference.category_by_id(complaint.category_id)
        unit = reference.unit_by_id(complaint.unit_id)
        assert category is not None, "a complaint's category exists"  # noqa: S101 - foreign key
        assert unit is not None, "a complaint's unit exists"  # noqa: S101 - foreign key
    integrity = (complaint.kind is Kind.TIP
                 or category.sensitivity is Sensitivity.WHISTLEBLOWER)
    return ComplainantView(
        case_number=complaint.case_number,
        kind=complaint.kind,
        category=category,
        status=complaint.status,
        received_on=complaint.received_on,
        entries=entries,
        due_on=complaint.due_on,
        finished_on=complaint.finished_on,
        unit_name_th="" if integrity else unit.name_th,
        unit_name_en="" if integrity else unit.name_en,
        handled_by_integrity=integrity,
        rating=rows[0][1],
        has_files=bool(rows[0][3]),
    )


def check_information_open(complaint: Complaint, today: date) -> None:
    """Raise :class:`InvalidSubmission` ``{"information": "closed"}`` once a finished case's
    reopen window has passed (issue 9 §4; :func:`rongrian.intake.workflow.information_open`).
    A duplicate follows its original's status (issue 9 §1; :mod:`rongrian.intake.duplicates`)."""
    source = complaint.duplicate_of or complaint
    if not information_open(source.status, source.finished_on, today):
        raise InvalidSubmission({"information": "closed"})


def add_information(
    session: Session, pepper: bytes, code_text: str, text: str, *, now: datetime | None = None
) -> None:
    """Append the complainant's additional information to their thread.

    Raises ``MalformedTrackingCode``, :class:`ComplaintNotFound`, or
    :class:`InvalidSubmission` (``{"information": "required" | "too_long" | "invalid"}``,
    ``"invalid"`` when ``text`` is not a ``str``).
    """
    now = now or datetime.now(UTC)
    problems: dict[str, str] = {}
    cleaned = text_or_problem(problems, "information", text)
    if not problems:
        check_length(problems, "information", cleaned, required=True)
    if problems:
        raise InvalidSubmission(problems)
    complaint, data_keys = unlock_by_code(session, pepper, code_text, upgrade=True)
    check_information_open(complaint, now.date())
    append_event(session, complaint, data_keys, EventKind.INFORMATION, {"text": cleaned},
                 now=now)
    complaint.updated_on = now.date()
    session.flush()


__all__ = [
    "IDENTITY_RECORD_BYTES",
    "LIMITS",
    "ComplainantView",
    "Identity",
    "Receipt",
    "Submission",
    "ThreadEntry",
    "add_information",
    "append_event",
    "event_columns",
    "check_information_open",
    "clean_text",
    "events_of",
    "file_complaint",
    "next_case_number",
    "read_thread",
    "unlock_by_code",
    "validate",
]
