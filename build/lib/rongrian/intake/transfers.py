"""Re-routing and escalation: moving a complaint to another unit re-seals its data key.

DESIGN.md, "Mechanism": "Re-routing a complaint to another unit re-seals its data key to the new
unit; a staff member of the old unit must be logged in to do it, or the recovery key." The old
unit's :class:`ComplaintKey` rows are deleted (not hidden), so its members' keys no longer open
the case. The move also starts a new generation of the data key
(:func:`rongrian.intake.datakeys.renew`, issue 13): the new unit gets only the new generation,
which opens every older one, the complainant gets it through the complaint's complainant key
pair, and everything written after the move (the reason included) uses it, so a former member
who kept the old unit key and an old backup reads nothing added after the move. A complaint
filed before complainant key pairs existed keeps its one data key until it has a pair.
Escalation is a re-routing to the organisation-level unit (a complaint about a unit's own head
or staff); the unit it leaves loses access too.

The reason is written by staff and may repeat what the complaint says, so it is stored only
encrypted under the complaint's data key (the receiving unit reads it in the case history). The
audit entry records who moved the case, from which unit to which, never the reason.

Status, thread and due date stay with the case.
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from rongrian.crypto.keys import X25519PrivateKey
from rongrian.intake import envelope
from rongrian.intake.audit import RECOVERY_KEY, Actor, append_entry
from rongrian.intake.datakeys import DataKeys, open_ring_copy, renew, seal_to_ring
from rongrian.intake.errors import ComplaintNotFound, InvalidSubmission, SetupError
from rongrian.intake.keyring import (
    active_unit_ring,
    check_recovery_key,
    ring_private_key_by_recovery,
)
from rongrian.intake.models import (
    AuditAction,
    CaseTransfer,
    Complaint,
    ComplaintKey,
    KeyGrant,
    KeyRing,
    StaffAccount,
    Unit,
)
from rongrian.intake.store import clean_text

#: Shortest and longest reason for moving a case, in characters after trimming.
REASON_MIN = 10
REASON_MAX = 1_000
#: ``Unit.level`` of the organisation-level unit that receives escalations.
ORGANISATION_LEVEL = "organisation"


@dataclass(frozen=True)
class TransferEntry:
    """A move of the case as the unit now holding it sees it (unit names in Thai and English)."""

    occurred_on: date
    from_unit: tuple[str, str]
    to_unit: tuple[str, str]
    escalation: bool
    by_recovery_key: bool
    reason: str


def transfer_aad(complaint_id: uuid.UUID, transfer_id: uuid.UUID, generation: int = 1) -> bytes:
    """Associated data of a transfer's encrypted reason (bound to the complaint, the row and
    the data-key generation)."""
    return envelope.with_generation(
        b"case-transfer:" + complaint_id.bytes + transfer_id.bytes, generation)


def checked_reason(text: str, *, minimum: int = REASON_MIN, maximum: int = REASON_MAX) -> str:
    """``text`` cleaned; raises :class:`InvalidSubmission` ``{"reason": "required" |
    "too_short" | "too_long"}`` unless it has ``minimum``–``maximum`` characters."""
    cleaned = clean_text(text)
    if not cleaned:
        raise InvalidSubmission({"reason": "required"})
    if len(cleaned) < minimum:
        raise InvalidSubmission({"reason": "too_short"})
    if len(cleaned) > maximum:
        raise InvalidSubmission({"reason": "too_long"})
    return cleaned


def organisation_unit(session: Session) -> Unit:
    """The active organisation-level unit; raises :class:`SetupError` if there is none."""
    unit = session.scalars(
        select(Unit).where(Unit.level == ORGANISATION_LEVEL, Unit.active).order_by(Unit.id)
    ).first()
    if unit is None:
        raise SetupError("no organisation-level unit to escalate to")
    return unit


def target_units(session: Session, complaint: Complaint) -> list[Unit]:
    """Active units a case could move to (every one but its own), by code."""
    return list(session.scalars(
        select(Unit).where(Unit.active, Unit.id != complaint.unit_id).order_by(Unit.code)
    ))


def _has_key_holder(session: Session, ring: KeyRing) -> bool:
    return bool(session.scalar(select(exists().where(
        KeyGrant.ring_id == ring.id,
        KeyGrant.account_id == StaffAccount.id,
        StaffAccount.active,
    ))))


def _target(session: Session, complaint: Complaint, unit_code: str) -> tuple[Unit, KeyRing]:
    unit = session.scalars(select(Unit).where(Unit.code == unit_code, Unit.active)).first()
    if unit is None:
        raise InvalidSubmission({"unit": "unknown"})
    if unit.id == complaint.unit_id:
        raise InvalidSubmission({"unit": "same"})
    ring = active_unit_ring(session, unit.id)
    if not _has_key_holder(session, ring):
        raise InvalidSubmission({"unit": "no_key_holders"})
    return unit, ring


def move(
    session: Session,
    complaint: Complaint,
    data_keys: DataKeys,
    unit_code: str,
    reason: str,
    *,
    actor: Actor,
    escalation: bool = False,
    now: datetime | None = None,
) -> CaseTransfer:
    """Move ``complaint`` (whose ``data_keys`` the caller opened) to the unit ``unit_code``.

    Every existing :class:`ComplaintKey` of the complaint is deleted, a new data-key generation
    is started (when the complaint has a complainant key pair) and sealed to the new unit's
    active ring; the reason (encrypted under the new generation) and an audit entry are added.
    Flushes only.
    Raises :class:`InvalidSubmission`: ``{"reason": …}`` (see :func:`checked_reason`) or
    ``{"unit": "unknown" | "same" | "no_key_holders"}`` — a unit nobody holds the key of could
    never open the case again.
    """
    now = now or datetime.now(UTC)
    cleaned = checked_reason(reason)
    unit, ring = _target(session, complaint, unit_code)
    old_unit = complaint.unit
    for old_key in session.scalars(
            select(ComplaintKey).where(ComplaintKey.complaint_id == complaint.id)):
        session.delete(old_key)  # through the ORM, so a key loaded earlier is not left behind
    session.flush()
    renewed = renew(session, complaint, data_keys)
    session.add(seal_to_ring(ring, renewed))
    transfer_id = uuid.uuid4()
    last = session.scalar(select(func.max(CaseTransfer.seq))
                          .where(CaseTransfer.complaint_id == complaint.id))
    transfer = CaseTransfer(
        id=transfer_id, complaint_id=complaint.id, seq=(last or 0) + 1,
        from_unit_id=old_unit.id,
        to_unit_id=unit.id, escalation=escalation, occurred_on=now.date(),
        actor_id=actor.account_id,
        reason=envelope.encrypt_record(renewed.current, {"reason": cleaned},
                                       transfer_aad(complaint.id, transfer_id,
                                                    renewed.generation)),
        key_generation=renewed.generation,
    )
    session.add(transfer)
    action = AuditAction.CASE_ESCALATED if escalation else AuditAction.CASE_REROUTED
    append_entry(session, action, actor, complaint=complaint, unit_id=old_unit.id,
                 detail={"from_unit": old_unit.code, "to_unit": unit.code}, now=now)
    complaint.unit = unit
    complaint.updated_on = now.date()
    session.flush()
    return transfer


def transfer_entries(session: Session, complaint_id: uuid.UUID, data_keys: DataKeys
                     ) -> list[TransferEntry]:
    """The case's moves, oldest first, with their reasons decrypted under ``data_keys``."""
    rows = session.scalars(
        select(CaseTransfer).where(CaseTransfer.complaint_id == complaint_id)
        .order_by(CaseTransfer.seq)
    )
    units = {unit.id: (unit.name_th, unit.name_en) for unit in session.scalars(select(Unit))}
    return [
        TransferEntry(
            occurred_on=row.occurred_on,
            from_unit=units[row.from_unit_id],
            to_unit=units[row.to_unit_id],
            escalation=row.escalation,
            by_recovery_key=row.actor_id is None,
            reason=str(envelope.decrypt_record(
                data_keys.of(row.key_generation), row.reason,
                transfer_aad(complaint_id, row.id, row.key_generation))["reason"]),
        )
        for row in rows
    ]


def _data_key_by_recovery(session: Session, complaint: Complaint,
                          recovery_private: X25519PrivateKey) -> DataKeys:
    check_recovery_key(session, recovery_private)
    for complaint_key, ring in session.execute(
        select(ComplaintKey, KeyRing).join(KeyRing, KeyRing.id == ComplaintKey.ring_id)
        .where(ComplaintKey.complaint_id == complaint.id)
    ):
        ring_private = ring_private_key_by_recovery(ring, recovery_private)
        return open_ring_copy(session, complaint_key, ring_private)
    raise SetupError(f"case {complaint.case_number} has no sealed data key")


def move_with_recovery_key(
    session: Session,
    recovery_private: X25519PrivateKey,
    case_number: str,
    unit_code: str | None,
    reason: str,
    *,
    escalation: bool = False,
    now: datetime | None = None,
) -> CaseTransfer:
    """Move the case ``case_number`` with the offline recovery key (nobody of its unit needed).

    ``unit_code`` ``None`` with ``escalation`` means the organisation-level unit. Raises
    :class:`ComplaintNotFound`, ``WrongRecoveryKey`` (not this installation's key) and
    whatever :func:`move` raises. The audit entry's actor is :data:`RECOVERY_KEY`.
    """
    complaint = session.scalars(
        select(Complaint).where(Complaint.case_number == case_number.strip())
    ).first()
    if complaint is None:
        raise ComplaintNotFound
    data_keys = _data_key_by_recovery(session, complaint, recovery_private)
    if unit_code is None:
        unit_code = organisation_unit(session).code
    return move(session, complaint, data_keys, unit_code, reason,
                actor=Actor(None, RECOVERY_KEY), escalation=escalation, now=now)
