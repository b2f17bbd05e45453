"""The identity custodian: revealing a complainant's identity, one case at a time, with a reason.

DESIGN.md promise 3: "Unit staff read the complaints routed to their unit; never the
complainant's identity. Only the identity custodian can reveal it, with a reason, and that is
written to the audit log." The identity record of every complaint (anonymous ones too, so the two
look alike at rest) is encrypted under its own key, sealed to the custodian key ring and to the
recovery key only (:func:`rongrian.intake.store._seal_identity`).

Rules kept here:

- Only an active account with the ``custodian`` role that holds the custodian ring's grant may
  reveal (:class:`RevealNotPermitted` otherwise, before anything is opened).
- A reason of :data:`REASON_MIN`–:data:`REASON_MAX` characters is required.
- The reveal is an audit entry (who, when, which case, which unit) flushed in the caller's
  transaction: the caller commits before showing the identity, so no identity is ever shown
  without its record.
- The reason is staff-written and may name people or repeat the complaint, so the audit entry
  keeps it only sealed to the custodian ring and to the recovery key (never in clear, never to
  the unit). Custodians read the reasons of every reveal (:func:`reveal_history`): each can see
  what the others did. Whoever keeps the recovery key can read them offline too.
- A custodian may reveal the identity of any case, whichever unit handles it; reading the
  case's content still needs membership of that unit (:mod:`rongrian.intake.casework`).
- Nothing at rest says whether a complainant gave their identity; the custodian's list shows
  every case, and a reveal of an anonymous complaint says "anonymous" (and is recorded too).
  Every identity record is padded to one size (:data:`rongrian.intake.store.IDENTITY_RECORD_BYTES`,
  issue 13 M2); records stored before that were padded to 256-byte blocks, and
  :func:`repad_identities` (``rongrian keys repad-identities``, with the recovery key) brings them
  to the one size without opening them for anyone.
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Subquery, func, select
from sqlalchemy.orm import Session

from rongrian.crypto import keys, padding, sealed
from rongrian.crypto.errors import DecryptionFailed
from rongrian.crypto.keys import X25519PrivateKey
from rongrian.intake import envelope
from rongrian.intake.audit import RECOVERY_KEY, Actor, append_entry, as_utc
from rongrian.intake.errors import ComplaintNotFound, RevealNotPermitted, WrongRecoveryKey
from rongrian.intake.keyring import (
    UnlockedAccount,
    check_recovery_key,
    custodian_ring,
    recovery_public_key,
    ring_private_key,
)
from rongrian.intake.models import (
    AuditAction,
    AuditEntry,
    Complaint,
    Role,
    StaffAccount,
    Status,
)
from rongrian.intake.store import IDENTITY_RECORD_BYTES
from rongrian.intake.transfers import checked_reason

#: Shortest and longest reason for a reveal, in characters after trimming. Twenty characters is
#: a short Thai sentence ("ตามหนังสือ ป.ป.ช. ที่ …"); a bare "ok" or "ตรวจสอบ" is refused.
REASON_MIN = 20
REASON_MAX = 1_000
#: At most this many cases in the custodian's list (the search by case number finds the rest).
LIST_LIMIT = 200


@dataclass(frozen=True)
class RevealedIdentity:
    """What a reveal shows the custodian; ``anonymous`` when the complainant gave no identity."""

    case_number: str
    anonymous: bool
    name: str
    phone: str
    email: str
    revealed_at: datetime
    audit_seq: int


@dataclass(frozen=True)
class CustodianCase:
    """A row of the custodian's list: clear fields only, plus how often it was revealed."""

    id: uuid.UUID
    case_number: str
    category_name_th: str
    category_name_en: str
    unit_name_th: str
    unit_name_en: str
    status: Status
    received_on: date
    reveals: int
    last_revealed_at: datetime | None


@dataclass(frozen=True)
class RevealRecord:
    """One past reveal with its reason opened by the custodian ring."""

    seq: int
    occurred_at: datetime
    actor_name: str
    case_number: str
    reason: str


def _custodian(session: Session, account_id: int) -> StaffAccount:
    account = session.get(StaffAccount, account_id)
    if account is None or not account.active or account.role != Role.CUSTODIAN:
        raise RevealNotPermitted
    return account


def reason_aad(complaint_id: uuid.UUID) -> bytes:
    """Associated data of a reveal reason's sealed boxes (bound to the complaint)."""
    return b"reveal-reason:" + complaint_id.bytes


def seal_reason(session: Session, complaint_id: uuid.UUID, reason: str) -> tuple[bytes, bytes]:
    """``reason`` padded and sealed to the custodian ring and to the recovery key."""
    plain = padding.pad(reason.encode("utf-8"))
    aad = reason_aad(complaint_id)
    ring = custodian_ring(session)
    return (
        sealed.seal(keys.load_public(ring.public_key), plain, aad),
        sealed.seal(recovery_public_key(session), plain, aad),
    )


def open_reason(private_key: X25519PrivateKey, box: bytes, complaint_id: uuid.UUID) -> str:
    """A sealed reason opened with the custodian ring's (or the recovery) private key.

    Raises ``DecryptionFailed`` for any other key or a changed box.
    """
    return padding.unpad(sealed.open_sealed(private_key, box, reason_aad(complaint_id))
                         ).decode("utf-8")


def reveal_identity(
    session: Session,
    unlocked: UnlockedAccount,
    complaint_id: uuid.UUID,
    reason: str,
    *,
    now: datetime | None = None,
) -> RevealedIdentity:
    """Open the identity of one complaint for a custodian and record it in the audit log.

    Flushes the audit entry; the caller commits before showing anything. Raises
    :class:`RevealNotPermitted` (not an active custodian), :class:`InvalidSubmission`
    (``{"reason": "required" | "too_short" | "too_long"}``), :class:`ComplaintNotFound` or
    ``KeyNotGranted`` (a custodian without the custodian ring's grant).
    """
    now = now or datetime.now(UTC)
    account = _custodian(session, unlocked.account_id)
    cleaned = checked_reason(reason, minimum=REASON_MIN, maximum=REASON_MAX)
    complaint = session.get(Complaint, complaint_id)
    if complaint is None:
        raise ComplaintNotFound
    ring_private = ring_private_key(session, unlocked, custodian_ring(session))
    identity_key = sealed.open_sealed(ring_private, complaint.identity_key_custodian,
                                      envelope.identity_key_aad(complaint.id))
    record = envelope.decrypt_record(identity_key, complaint.identity,
                                     envelope.identity_aad(complaint.id))
    entry = append_entry(session, AuditAction.IDENTITY_REVEALED, Actor.of(account),
                         complaint=complaint, reason=seal_reason(session, complaint.id, cleaned),
                         now=now)
    return RevealedIdentity(
        case_number=complaint.case_number,
        anonymous=bool(record["anonymous"]),
        name=str(record["name"]),
        phone=str(record["phone"]),
        email=str(record["email"]),
        revealed_at=entry.occurred_at,
        audit_seq=entry.seq,
    )


def _reveal_counts() -> Subquery:
    return (
        select(AuditEntry.complaint_id.label("complaint_id"),
               func.count().label("reveals"),
               func.max(AuditEntry.occurred_at).label("last_at"))
        .where(AuditEntry.action == AuditAction.IDENTITY_REVEALED.value)
        .group_by(AuditEntry.complaint_id)
        .subquery()
    )


def custodian_cases(session: Session, account_id: int, *, case_number: str = "",
                    limit: int = LIST_LIMIT) -> list[CustodianCase]:
    """Every case (newest first, at most ``limit``), or those whose number contains
    ``case_number``; clear fields only. Raises :class:`RevealNotPermitted` for a non-custodian.
    """
    _custodian(session, account_id)
    counts = _reveal_counts()
    query = (
        select(Complaint, counts.c.reveals, counts.c.last_at)
        .outerjoin(counts, counts.c.complaint_id == Complaint.id)
        .order_by(Complaint.received_on.desc(), Complaint.case_number.desc())
        .limit(limit)
    )
    wanted = case_number.strip()
    if wanted:
        query = query.where(Complaint.case_number.contains(wanted, autoescape=True))
    return [_custodian_case(complaint, reveals, last_at)
            for complaint, reveals, last_at in session.execute(query)]


def _custodian_case(complaint: Complaint, reveals: int | None,
                    last_at: datetime | None) -> CustodianCase:
    return CustodianCase(
        id=complaint.id,
        case_number=complaint.case_number,
        category_name_th=complaint.category.name_th,
        category_name_en=complaint.category.name_en,
        unit_name_th=complaint.unit.name_th,
        unit_name_en=complaint.unit.name_en,
        status=complaint.status,
        received_on=complaint.received_on,
        reveals=int(reveals or 0),
        last_revealed_at=as_utc(last_at) if last_at else None,
    )


def custodian_case(session: Session, account_id: int, complaint_id: uuid.UUID
                   ) -> CustodianCase:
    """One case as the custodian's list shows it. Raises :class:`RevealNotPermitted` or
    :class:`ComplaintNotFound`."""
    _custodian(session, account_id)
    counts = _reveal_counts()
    row = session.execute(
        select(Complaint, counts.c.reveals, counts.c.last_at)
        .outerjoin(counts, counts.c.complaint_id == Complaint.id)
        .where(Complaint.id == complaint_id)
    ).first()
    if row is None:
        raise ComplaintNotFound
    complaint, reveals, last_at = row
    return _custodian_case(complaint, reveals, last_at)


def reveal_history(session: Session, unlocked: UnlockedAccount, *, limit: int = 50
                   ) -> list[RevealRecord]:
    """The latest reveals by every custodian, newest first, reasons opened with the ring.

    Raises :class:`RevealNotPermitted` or ``KeyNotGranted``.
    """
    _custodian(session, unlocked.account_id)
    ring_private = ring_private_key(session, unlocked, custodian_ring(session))
    entries = session.scalars(
        select(AuditEntry).where(AuditEntry.action == AuditAction.IDENTITY_REVEALED.value)
        .order_by(AuditEntry.seq.desc()).limit(limit)
    )
    return [
        RevealRecord(
            seq=entry.seq,
            occurred_at=as_utc(entry.occurred_at),
            actor_name=entry.actor_name,
            case_number=entry.case_number or "",
            reason=open_reason(ring_private, entry.reason_custodian or b"",
                               entry.complaint_id or uuid.UUID(int=0)),
        )
        for entry in entries
    ]


#: Stored size of an identity record padded to :data:`IDENTITY_RECORD_BYTES` (AES-GCM adds 28).
IDENTITY_BLOB_BYTES = IDENTITY_RECORD_BYTES + 28


def repad_identities(session: Session, recovery_private: X25519PrivateKey, *,
                     now: datetime | None = None) -> int:
    """Re-encrypt every identity record not yet of the one fixed size (stored before issue 13's
    fix, padded to 256-byte blocks) to that size; return how many were re-padded.

    The record's key is opened with the offline recovery key (its copy sealed to it) and the
    same key encrypts the padded record again, so the custodian's sealed copy keeps working;
    nothing is shown to anyone. Audited as ``recovery_key_used`` (operation
    ``repad_identities``, the count) when anything was re-padded. Flushes only. Raises
    :class:`WrongRecoveryKey` (nothing changed) for a key not of this installation or one that
    does not open a record.
    """
    check_recovery_key(session, recovery_private)
    done = 0
    for complaint in session.scalars(
            select(Complaint).where(func.length(Complaint.identity) != IDENTITY_BLOB_BYTES)
            .order_by(Complaint.id)):
        try:
            identity_key = sealed.open_sealed(recovery_private, complaint.identity_key_recovery,
                                              envelope.identity_key_aad(complaint.id))
            record = envelope.decrypt_record(identity_key, complaint.identity,
                                             envelope.identity_aad(complaint.id))
        except DecryptionFailed as exc:
            raise WrongRecoveryKey from exc
        complaint.identity = envelope.encrypt_fixed_record(
            identity_key, record, IDENTITY_RECORD_BYTES, envelope.identity_aad(complaint.id))
        done += 1
    if done:
        append_entry(session, AuditAction.RECOVERY_KEY_USED, Actor(None, RECOVERY_KEY),
                     detail={"operation": "repad_identities", "records": done}, now=now)
    session.flush()
    return done
