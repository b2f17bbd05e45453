"""The audit log: append an entry inside the caller's transaction, verify the chain, read its head.

DESIGN.md promise 7: "The audit log is append-only and hash-chained; a changed or removed entry is
detected." Every staff action on a case, every log-in (failed ones too), every reveal of an
identity, every export of the executive summary and every key operation adds one
:class:`AuditEntry` whose hash (:func:`rongrian.crypto.audit.chain_hash`) covers its fields and the
hash of the entry before. The entry is flushed in the same transaction as the action it records,
so both are committed, or rolled back, together.

Concurrency: an append first runs ``UPDATE audit_head SET seq = seq + 1 … RETURNING``. On
PostgreSQL that takes the head row's lock until commit, so a second worker waits and then reads
the new head (READ COMMITTED); on SQLite the update takes the database's single write lock. The
entry's ``seq`` is also the primary key, so even a misconfigured database could never store two
entries at one position: the chain cannot fork.

What an entry never holds: complaint text, a complainant's identity, a tracking code, a citizen's
address or browser. A failed log-in records the user name typed only when it names an existing
account (a password typed into the wrong box is not kept); otherwise :data:`UNKNOWN_ACCOUNT`.
"""

import json
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from rongrian.crypto.audit import GENESIS, FieldValue, Link, chain_hash, verify
from rongrian.intake.models import AuditAction, AuditEntry, AuditHead, Complaint, StaffAccount

#: Actor name of a failed log-in whose user name is not an account's.
UNKNOWN_ACCOUNT = "(unknown account)"
#: Actor name of something done on the server's command line (no staff log-in).
COMMAND_LINE = "(command line)"
#: Actor name of something done with the offline recovery key.
RECOVERY_KEY = "(recovery key)"
#: The single row of :class:`AuditHead`.
HEAD_ID = 1
_READ_BATCH = 1000


@dataclass(frozen=True)
class Actor:
    """Who did it: a staff account (id and user name), or a marker such as :data:`COMMAND_LINE`."""

    account_id: int | None
    name: str

    @classmethod
    def of(cls, account: StaffAccount) -> "Actor":
        """The actor of a staff account."""
        return cls(account.id, account.username)


def actor_of(session: Session, account_id: int) -> Actor:
    """The actor of the account ``account_id`` (its user name read from the database)."""
    account = session.get(StaffAccount, account_id)
    return Actor(account_id, account.username if account else UNKNOWN_ACCOUNT)


@dataclass(frozen=True)
class ChainHead:
    """The position and hash (64 hex digits) of the latest entry; ``(0, zeros)`` when empty."""

    seq: int
    entry_hash: str


@dataclass(frozen=True)
class ChainReport:
    """The outcome of :func:`verify_chain`.

    ``count`` entries verified, ending at ``latest``. If the chain is broken, ``broken_seq`` is
    the first position that fails and ``problem`` says why: ``missing`` (an entry was removed),
    ``out_of_order``, ``relinked`` (entries removed, inserted or reordered), ``changed`` (an entry
    was edited), ``truncated`` (the head names a later entry than the last one stored: entries at
    the end were removed) or ``head_changed`` (the head row was edited or deleted).
    """

    count: int
    latest: ChainHead
    broken_seq: int | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        """True when every entry and the head hold."""
        return self.problem is None


def as_utc(moment: datetime) -> datetime:
    """``moment`` in UTC; a naive value (SQLite gives these back) is taken as UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _iso(moment: datetime) -> str:
    return as_utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


def _fields(seq: int, occurred_at: datetime, action: str, actor_id: int | None,
            actor_name: str, complaint_id: uuid.UUID | None, case_number: str | None,
            unit_id: int | None, detail: str, reason_custodian: bytes | None,
            reason_recovery: bytes | None) -> dict[str, FieldValue]:
    """What an entry's hash covers (all its columns but the two hashes)."""
    return {
        "seq": seq,
        "occurred_at": _iso(occurred_at),
        "action": action,
        "actor_id": actor_id,
        "actor_name": actor_name,
        "complaint_id": str(complaint_id) if complaint_id else None,
        "case_number": case_number,
        "unit_id": unit_id,
        "detail": detail,
        "reason_custodian": reason_custodian,
        "reason_recovery": reason_recovery,
    }


def _claim_next(session: Session) -> tuple[int, bytes]:
    """Advance the head (taking its lock) and return the new position and the previous hash."""
    row = session.execute(
        update(AuditHead)
        .where(AuditHead.id == HEAD_ID)
        .values(seq=AuditHead.seq + 1)
        .returning(AuditHead.seq, AuditHead.entry_hash),
        execution_options={"synchronize_session": False},
    ).first()
    if row is None:
        _create_head(session)
        return _claim_next(session)
    return int(row[0]), bytes(row[1])


def _create_head(session: Session) -> None:
    """Make the head row, continuing from the last stored entry (a new database has none)."""
    last = session.execute(
        select(AuditEntry.seq, AuditEntry.entry_hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    seq, digest = (int(last[0]), bytes(last[1])) if last else (0, GENESIS)
    try:
        with session.begin_nested():
            session.execute(insert(AuditHead).values(id=HEAD_ID, seq=seq, entry_hash=digest))
    except IntegrityError:
        pass  # a concurrent appender made it first: advance from theirs


def append_entry(
    session: Session,
    action: AuditAction,
    actor: Actor,
    *,
    complaint: Complaint | None = None,
    unit_id: int | None = None,
    detail: Mapping[str, str | int | bool | None] | None = None,
    reason: tuple[bytes, bytes] | None = None,
    now: datetime | None = None,
) -> AuditEntry:
    """Add one entry at the head of the chain (flushed, not committed: the caller commits it
    with the action it records).

    ``unit_id`` defaults to the complaint's current unit. ``detail`` holds clear facts only
    (codes, statuses, a period label), never free text. ``reason`` is a sealed reason: the box
    for the custodian ring and the box for the recovery key. Time is kept to the second, in UTC.
    """
    occurred_at = as_utc(now or datetime.now(UTC)).replace(microsecond=0)
    seq, previous = _claim_next(session)
    if unit_id is None and complaint is not None:
        unit_id = complaint.unit_id
    detail_text = json.dumps(dict(detail or {}), sort_keys=True, ensure_ascii=True,
                             separators=(",", ":"))
    custodian_box, recovery_box = reason if reason else (None, None)
    entry = AuditEntry(
        seq=seq,
        occurred_at=occurred_at,
        action=action.value,
        actor_id=actor.account_id,
        actor_name=actor.name[:64],
        complaint_id=complaint.id if complaint else None,
        case_number=complaint.case_number if complaint else None,
        unit_id=unit_id,
        detail=detail_text,
        reason_custodian=custodian_box,
        reason_recovery=recovery_box,
        previous_hash=previous,
    )
    entry.entry_hash = chain_hash(previous, _fields(
        seq, occurred_at, entry.action, entry.actor_id, entry.actor_name, entry.complaint_id,
        entry.case_number, unit_id, detail_text, custodian_box, recovery_box))
    session.add(entry)
    session.flush()
    session.execute(
        update(AuditHead).where(AuditHead.id == HEAD_ID).values(entry_hash=entry.entry_hash),
        execution_options={"synchronize_session": False},
    )
    return entry


_COLUMNS = (
    AuditEntry.seq, AuditEntry.occurred_at, AuditEntry.action, AuditEntry.actor_id,
    AuditEntry.actor_name, AuditEntry.complaint_id, AuditEntry.case_number, AuditEntry.unit_id,
    AuditEntry.detail, AuditEntry.reason_custodian, AuditEntry.reason_recovery,
    AuditEntry.previous_hash, AuditEntry.entry_hash,
)


def _links(session: Session) -> Iterator[Link]:
    rows = session.execute(
        select(*_COLUMNS).order_by(AuditEntry.seq),
        execution_options={"yield_per": _READ_BATCH},
    )
    for row in rows:
        *fields, previous, digest = row
        yield Link(position=int(fields[0]), fields=_fields(*fields),
                   previous=bytes(previous), digest=bytes(digest))


def _head_row(session: Session) -> tuple[int, bytes] | None:
    row = session.execute(
        select(AuditHead.seq, AuditHead.entry_hash).where(AuditHead.id == HEAD_ID)
    ).first()
    return (int(row[0]), bytes(row[1])) if row else None


def verify_chain(session: Session) -> ChainReport:
    """Recompute every link from the first entry; report the first one that does not hold.

    Reads in batches of 1,000 rows (constant memory). Also checks that the head row names the
    last stored entry, which catches entries cut from the end while the head was left alone.
    """
    verdict = verify(_links(session))
    latest = ChainHead(verdict.last_position, verdict.last_digest.hex())
    if verdict.broken is not None:
        return ChainReport(verdict.count, latest, verdict.broken.position,
                           verdict.broken.problem)
    head = _head_row(session)
    if head is None:
        if verdict.count == 0:
            return ChainReport(0, latest)
        return ChainReport(verdict.count, latest, verdict.last_position, "head_changed")
    seq, digest = head
    if seq > verdict.last_position:
        return ChainReport(verdict.count, latest, verdict.last_position + 1, "truncated")
    if seq != verdict.last_position or digest != verdict.last_digest:
        return ChainReport(verdict.count, latest, verdict.last_position, "head_changed")
    return ChainReport(verdict.count, latest)


def latest_head(session: Session) -> ChainHead:
    """The position and hash of the latest entry (``0`` and 64 zeros for an empty log)."""
    head = _head_row(session)
    if head is None:
        return ChainHead(0, GENESIS.hex())
    return ChainHead(head[0], head[1].hex())


def entries_for(session: Session, complaint_id: uuid.UUID,
                actions: tuple[AuditAction, ...]) -> list[AuditEntry]:
    """The entries about ``complaint_id`` whose action is one of ``actions``, oldest first."""
    return list(session.scalars(
        select(AuditEntry)
        .where(AuditEntry.complaint_id == complaint_id,
               AuditEntry.action.in_([action.value for action in actions]))
        .order_by(AuditEntry.seq)
    ))


def hash_at(session: Session, seq: int) -> str | None:
    """The stored hash (hex) of the entry at ``seq``; ``None`` if there is no such entry."""
    digest = session.scalar(select(AuditEntry.entry_hash).where(AuditEntry.seq == seq))
    return bytes(digest).hex() if digest is not None else None
