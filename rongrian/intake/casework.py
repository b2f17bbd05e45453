"""Staff triage: the case list of my units, opening a case, status changes and replies.

A staff member sees a case only if it is routed to one of their units; anything else raises
:class:`ComplaintNotFound`, the same as a case that does not exist (adapters answer 404). The
complainant's identity is never opened here: it is sealed to the identity custodian alone.
"""

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from rongrian.intake import envelope, notify
from rongrian.intake.audit import actor_of, append_entry, as_utc, entries_for
from rongrian.intake.datakeys import DataKeys, open_ring_copy
from rongrian.intake.errors import ComplaintNotFound, InvalidSubmission, KeyNotGranted
from rongrian.intake.keyring import UnlockedAccount, ring_private_key, unit_ids_of
from rongrian.intake.models import (
    AuditAction,
    CaseEvent,
    Complaint,
    ComplaintKey,
    EventKind,
    KeyRing,
    Status,
)
from rongrian.intake.store import LIMITS, append_event, clean_text, events_of
from rongrian.intake.transfers import TransferEntry, move, organisation_unit, transfer_entries
from rongrian.intake.workflow import FINISHED, check_transition


@dataclass(frozen=True)
class CaseSummary:
    """A row of the staff case list: no content, only the clear fields."""

    id: uuid.UUID
    case_number: str
    category_name_th: str
    category_name_en: str
    unit_name_th: str
    unit_name_en: str
    kind: str
    channel: str
    status: Status
    received_on: date
    due_on: date
    age_days: int
    overdue: bool
    #: The responsible officer's account id, and whether the complainant reopened the case
    #: since it last finished (issue 9; queue markers).
    assigned_to_id: int | None = None
    reopened: bool = False


@dataclass(frozen=True)
class StaffEntry:
    """A thread entry as staff see it."""

    kind: EventKind
    occurred_on: date
    status: Status | None
    text: str
    at: str


@dataclass(frozen=True)
class CaseDetail:
    """A case opened with the unit's key: the complaint text and the whole thread."""

    summary: CaseSummary
    what_happened: str
    when_happened: str
    where_happened: str
    who_involved: str
    named_unit_code: str | None
    submitted_at: str
    entries: list[StaffEntry]
    #: Moves of the case between units, reasons decrypted (:mod:`rongrian.intake.transfers`).
    transfers: list[TransferEntry] = field(default_factory=list)
    #: When the identity custodian revealed the complainant's identity (UTC); never the identity.
    reveals: list[datetime] = field(default_factory=list)


def _summary(complaint: Complaint, today: date) -> CaseSummary:
    finished = complaint.status in FINISHED
    return CaseSummary(
        id=complaint.id,
        case_number=complaint.case_number,
        category_name_th=complaint.category.name_th,
        category_name_en=complaint.category.name_en,
        unit_name_th=complaint.unit.name_th,
        unit_name_en=complaint.unit.name_en,
        kind=complaint.kind.value,
        channel=complaint.channel.value,
        status=complaint.status,
        received_on=complaint.received_on,
        due_on=complaint.due_on,
        age_days=(today - complaint.received_on).days,
        overdue=not finished and today > complaint.due_on,
        assigned_to_id=complaint.assigned_to_id,
        reopened=complaint.reopened_on is not None,
    )



def _case_for(session: Session, account_id: int, complaint_id: uuid.UUID) -> Complaint:
    complaint = session.get(Complaint, complaint_id)
    if complaint is None or complaint.unit_id not in unit_ids_of(session, account_id):
        raise ComplaintNotFound
    return complaint


def case_for_member(session: Session, account_id: int, complaint_id: uuid.UUID) -> Complaint:
    """The complaint ``complaint_id`` if it is routed to one of ``account_id``'s units.
    Raises :class:`ComplaintNotFound` otherwise (the same as a case that does not exist)."""
    return _case_for(session, account_id, complaint_id)


def data_keys_of(session: Session, unlocked: UnlockedAccount, complaint: Complaint) -> DataKeys:
    """Every generation of ``complaint``'s data key, opened by a member of its unit. Raises
    :class:`KeyNotGranted`."""
    return _data_key(session, unlocked, complaint)


def _data_key(session: Session, unlocked: UnlockedAccount, complaint: Complaint) -> DataKeys:
    """Every generation of ``complaint``'s data key, opened with the account's grant of the
    ring of the case's unit. Raises :class:`KeyNotGranted`."""
    row = session.execute(
        select(ComplaintKey, KeyRing)
        .join(KeyRing, KeyRing.id == ComplaintKey.ring_id)
        .where(ComplaintKey.complaint_id == complaint.id, KeyRing.unit_id == complaint.unit_id)
    ).first()
    if row is None:
        raise KeyNotGranted
    complaint_key, ring = row
    ring_private = ring_private_key(session, unlocked, ring)
    return open_ring_copy(session, complaint_key, ring_private)


def _entry(complaint: Complaint, data_keys: DataKeys, event: CaseEvent) -> StaffEntry:
    record = envelope.decrypt_record(
        data_keys.of(event.key_generation), event.body,
        envelope.event_aad(complaint.id, event.id, event.key_generation),
    )
    text = record.get("text", record.get("note", ""))
    return StaffEntry(event.kind, event.occurred_on, event.status, text, record.get("at", ""))


def open_case(
    session: Session, unlocked: UnlockedAccount, complaint_id: uuid.UUID,
    *, today: date | None = None,
) -> CaseDetail:
    """Decrypt a case of one of the account's units; the opening is an audit entry (flushed:
    the caller commits it).

    Raises :class:`ComplaintNotFound` (not there, or not this account's unit) or
    :class:`KeyNotGranted` (a member whose access has not been granted yet).
    """
    today = today or datetime.now(UTC).date()
    complaint = _case_for(session, unlocked.account_id, complaint_id)
    data_keys = _data_key(session, unlocked, complaint)
    content = envelope.decrypt_record(
        data_keys.of(1), complaint.content, envelope.content_aad(complaint.id)
    )
    append_entry(session, AuditAction.CASE_OPENED, actor_of(session, unlocked.account_id),
                 complaint=complaint)
    reveals = entries_for(session, complaint.id, (AuditAction.IDENTITY_REVEALED,))
    return CaseDetail(
        summary=_summary(complaint, today),
        what_happened=content["what_happened"],
        when_happened=content["when_happened"],
        where_happened=content["where_happened"],
        who_involved=content["who_involved"],
        named_unit_code=content.get("named_unit"),
        submitted_at=content["submitted_at"],
        entries=[_entry(complaint, data_keys, e) for e in events_of(session, complaint.id)],
        transfers=transfer_entries(session, complaint.id, data_keys),
        reveals=[as_utc(entry.occurred_at) for entry in reveals],
    )


def _checked_text(field: str, text: str, *, required: bool) -> str:
    cleaned = clean_text(text)
    if required and not cleaned:
        raise InvalidSubmission({field: "required"})
    if len(cleaned) > LIMITS[field]:
        raise InvalidSubmission({field: "too_long"})
    return cleaned


def write_status(session: Session, actor_id: int, complaint: Complaint, data_keys: DataKeys,
                 target: Status, note: str, now: datetime) -> None:
    """Record ``complaint`` moving to ``target``: the status entry of the thread with its
    (internal) ``note`` under ``data_keys``, the complainant's notifications, and the status,
    updated and finished days. The caller has checked the move and audited it."""
    append_event(session, complaint, data_keys, EventKind.STATUS, {"note": note}, now=now,
                 status=target, actor_id=actor_id)
    notify.collect(session, complaint, data_keys, EventKind.STATUS, target)
    complaint.status = target
    complaint.updated_on = now.date()
    complaint.finished_on = now.date() if target in FINISHED else None
    if target in FINISHED:
        complaint.reopened_on = None  # the "reopened" queue marker ends with the case


def change_status(
    session: Session,
    unlocked: UnlockedAccount,
    complaint_id: uuid.UUID,
    target: Status,
    note: str,
    *,
    now: datetime | None = None,
) -> None:
    """Move a case to ``target`` with an internal note (encrypted; not shown to the complainant).
    Audited (the two statuses, never the note).

    Raises :class:`ComplaintNotFound`, ``InvalidTransition``, :class:`KeyNotGranted` or
    :class:`InvalidSubmission` (``{"note": "too_long"}``).
    """
    now = now or datetime.now(UTC)
    cleaned = _checked_text("note", note, required=False)
    complaint = _case_for(session, unlocked.account_id, complaint_id)
    check_transition(complaint.status, target)
    data_keys = _data_key(session, unlocked, complaint)
    append_entry(session, AuditAction.STATUS_CHANGED, actor_of(session, unlocked.account_id),
                 complaint=complaint, detail={"from": complaint.status.value,
                                              "to": target.value}, now=now)
    write_status(session, unlocked.account_id, complaint, data_keys, target, cleaned, now)
    session.flush()


def reply(
    session: Session,
    unlocked: UnlockedAccount,
    complaint_id: uuid.UUID,
    text: str,
    *,
    now: datetime | None = None,
) -> None:
    """Post a reply the complainant reads with their tracking code. Audited (never the text).

    Raises :class:`ComplaintNotFound`, :class:`KeyNotGranted` or :class:`InvalidSubmission`.
    """
    now = now or datetime.now(UTC)
    cleaned = _checked_text("reply", text, required=True)
    complaint = _case_for(session, unlocked.account_id, complaint_id)
    data_keys = _data_key(session, unlocked, complaint)
    append_entry(session, AuditAction.REPLY_SENT, actor_of(session, unlocked.account_id),
                 complaint=complaint, now=now)
    append_event(session, complaint, data_keys, EventKind.REPLY, {"text": cleaned}, now=now,
                 actor_id=unlocked.account_id)
    notify.collect(session, complaint, data_keys, EventKind.REPLY)
    complaint.updated_on = now.date()
    if complaint.acknowledged_on is None:  # the acknowledgement clock is met (issue 9 §2)
        complaint.acknowledged_on = now.date()
    session.flush()


def reroute(
    session: Session,
    unlocked: UnlockedAccount,
    complaint_id: uuid.UUID,
    unit_code: str,
    reason: str,
    *,
    now: datetime | None = None,
) -> None:
    """Move a case of the account's unit to the unit ``unit_code``, with a reason.

    The data key is re-sealed to the new unit and every key of the old one is deleted, so this
    account's unit loses the case (:func:`rongrian.intake.transfers.move`). Raises
    :class:`ComplaintNotFound`, :class:`KeyNotGranted` or :class:`InvalidSubmission`
    (``{"reason": "required" | "too_short" | "too_long"}`` or ``{"unit": "unknown" | "same" |
    "no_key_holders"}``).
    """
    complaint = _case_for(session, unlocked.account_id, complaint_id)
    data_keys = _data_key(session, unlocked, complaint)
    move(session, complaint, data_keys, unit_code, reason,
         actor=actor_of(session, unlocked.account_id), now=now)


def escalate(
    session: Session,
    unlocked: UnlockedAccount,
    complaint_id: uuid.UUID,
    reason: str,
    *,
    now: datetime | None = None,
) -> None:
    """Escalate a case of the account's unit to the organisation-level unit (a complaint about
    the unit's own head or staff); the unit loses access to it. Raises as :func:`reroute`, and
    ``SetupError`` if there is no organisation-level unit.
    """
    complaint = _case_for(session, unlocked.account_id, complaint_id)
    data_keys = _data_key(session, unlocked, complaint)
    move(session, complaint, data_keys, organisation_unit(session).code, reason,
         actor=actor_of(session, unlocked.account_id), escalation=True, now=now)
