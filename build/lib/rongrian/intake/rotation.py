"""Unit key rotation and recovery: a new unit key pair, every data key re-sealed to it.

Flow (resumable, one transaction per step, so a crash anywhere leaves a consistent database):

1. **start** — a new ring for the unit, sealed to the recovery key and granted to every member
   who held the old ring; the new ring becomes the unit's active ring (new complaints use it at
   once) and the old ring is retired. A :class:`KeyRotation` row records the plan.
2. **batches** — each batch opens up to ``batch_size`` data keys sealed to the old ring, starts
   each complaint's next data-key generation (:func:`rongrian.intake.datakeys.renew`; issue 13:
   a former member who kept the old ring key and an old backup then reads nothing written after
   the rotation), seals it to the new ring and deletes the old copies, then commits and reports
   progress. Between batches members hold both rings, so every case stays readable.
3. **finish** — any data key still sealed to the old ring is moved, the old ring's grants are
   deleted and the rotation is marked finished. The old private key then opens nothing in the
   database: no grant, no data key is sealed to it any more (its recovery-sealed copy stays, as
   the recovery key opens everything anyway).

Every case is re-sealed, finished ones included: a finished case can be reopened, and a case left
on the old ring would either keep the old key useful or become unreadable to the unit.

A run that stopped (crash, Ctrl+C) is resumed by running it again for the same unit: the old
ring is opened again (a member's grant of it, or the recovery key) and the batches go on.
"""

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from rongrian.crypto import keys
from rongrian.crypto.keys import X25519PrivateKey
from rongrian.intake.audit import RECOVERY_KEY, Actor, append_entry
from rongrian.intake.datakeys import links_of, open_ring_copy, renew, seal_to_ring
from rongrian.intake.errors import KeyNotGranted, SetupError
from rongrian.intake.grants import PendingGrant, grant_by_recovery
from rongrian.intake.keyring import (
    active_unit_ring,
    check_recovery_key,
    create_ring,
    grant,
    ring_private_key_by_recovery,
)
from rongrian.intake.models import (
    AuditAction,
    Complaint,
    ComplaintKey,
    KeyGrant,
    KeyRing,
    KeyRotation,
    RingPurpose,
    RotationReason,
    StaffAccount,
    Unit,
    UnitMembership,
)

#: Data keys re-sealed per transaction.
DEFAULT_BATCH = 500

#: ``progress(done, total)``: called after each committed batch.
Progress = Callable[[int, int], None]
#: Opens a ring's private key in the given session (a member's grant, or the recovery key).
Unlocker = Callable[[Session, KeyRing], X25519PrivateKey]


def unfinished_rotation(session: Session, unit_id: int) -> KeyRotation | None:
    """The unit's rotation that was started but not finished, if any."""
    return session.scalars(
        select(KeyRotation).where(KeyRotation.unit_id == unit_id,
                                  KeyRotation.finished_at.is_(None))
        .order_by(KeyRotation.id)
    ).first()


def _remaining(session: Session, ring_id: int) -> int:
    return int(session.scalar(
        select(func.count()).select_from(ComplaintKey).where(ComplaintKey.ring_id == ring_id)
    ) or 0)


def _check_opens(ring: KeyRing, private: X25519PrivateKey) -> None:
    if keys.public_bytes(private.public_key()) != ring.public_key:
        raise KeyNotGranted


def start_rotation(session: Session, unit: Unit, old_private: X25519PrivateKey, *,
                   actor: Actor, reason: RotationReason = RotationReason.ROTATE,
                   now: datetime | None = None) -> KeyRotation:
    """Step 1: make the new ring, grant it, retire the old one; return the plan (flushed).

    Audited as ``key_rotated`` (stage ``started``) by ``actor``, and ``recovery_key_used`` when
    the actor is the recovery key.

    Raises :class:`KeyNotGranted` if ``old_private`` is not the unit's active ring's key and
    :class:`SetupError` if the unit has no ring or a rotation is already unfinished.
    """
    if unfinished_rotation(session, unit.id) is not None:
        raise SetupError(f"unit {unit.code} has an unfinished key rotation: resume it")
    old_ring = active_unit_ring(session, unit.id)
    _check_opens(old_ring, old_private)
    old_ring.active = False
    session.flush()
    new_ring, new_private = create_ring(session, RingPurpose.UNIT, unit)
    holders = session.scalars(  # members who held the old key (a stale grant is not carried)
        select(StaffAccount).join(KeyGrant, KeyGrant.account_id == StaffAccount.id)
        .join(UnitMembership, (UnitMembership.account_id == StaffAccount.id)
              & (UnitMembership.unit_id == unit.id))
        .where(KeyGrant.ring_id == old_ring.id, StaffAccount.active)
    )
    for account in holders:
        grant(session, new_ring, new_private, account)
    rotation = KeyRotation(
        unit_id=unit.id, old_ring_id=old_ring.id, new_ring_id=new_ring.id, reason=reason,
        started_at=now or datetime.now(UTC), finished_at=None,
        total=_remaining(session, old_ring.id), done=0,
    )
    session.add(rotation)
    session.flush()
    if actor.name == RECOVERY_KEY:
        append_entry(session, AuditAction.RECOVERY_KEY_USED, actor, unit_id=unit.id, now=now,
                     detail={"operation": reason.value, "unit": unit.code})
    _audit_stage(session, rotation, actor, "started", now)
    return rotation


def _audit_stage(session: Session, rotation: KeyRotation, actor: Actor, stage: str,
                 now: datetime | None) -> None:
    append_entry(session, AuditAction.KEY_ROTATED, actor, unit_id=rotation.unit_id, now=now,
                 detail={"rotation": rotation.id, "stage": stage, "reason": rotation.reason.value,
                         "old_ring": rotation.old_ring_id, "new_ring": rotation.new_ring_id,
                         "resealed": rotation.done, "total": rotation.total})


def reseal_batch(session: Session, rotation: KeyRotation, old_private: X25519PrivateKey, *,
                 batch_size: int = DEFAULT_BATCH) -> int:
    """Step 2: move up to ``batch_size`` data keys from the old ring to the new; return how many.

    Each data key is opened with the old ring's key, its complaint's next generation is made
    (when the complaint has a complainant key pair) and sealed to the new ring's public key; the
    old copy is deleted in the same transaction. Raises ``DecryptionFailed`` if ``old_private``
    does not open a data key (nothing of the batch is kept when the caller rolls back).
    """
    new_ring = session.get(KeyRing, rotation.new_ring_id)
    if new_ring is None:  # pragma: no cover - foreign key
        raise SetupError("rotation without its new ring")
    rows = list(session.scalars(
        select(ComplaintKey).where(ComplaintKey.ring_id == rotation.old_ring_id)
        .order_by(ComplaintKey.complaint_id).limit(batch_size)
    ))
    already = set(session.scalars(select(ComplaintKey.complaint_id).where(
        ComplaintKey.ring_id == new_ring.id,
        ComplaintKey.complaint_id.in_([row.complaint_id for row in rows]),
    ))) if rows else set()
    ids = [row.complaint_id for row in rows]
    complaints = {complaint.id: complaint for complaint in session.scalars(
        select(Complaint).where(Complaint.id.in_(ids)))} if rows else {}
    links = links_of(session, ids)
    for row in rows:
        data_keys = open_ring_copy(session, row, old_private, links.get(row.complaint_id, {}))
        if row.complaint_id not in already:
            renewed = renew(session, complaints[row.complaint_id], data_keys)
            session.add(seal_to_ring(new_ring, renewed))
        session.delete(row)
    rotation.done += len(rows)
    session.flush()
    rotation.total = max(rotation.total, rotation.done + _remaining(session, rotation.old_ring_id))
    return len(rows)


def finish_rotation(session: Session, rotation: KeyRotation, old_private: X25519PrivateKey, *,
                    actor: Actor, now: datetime | None = None) -> None:
    """Step 3: move any data key still on the old ring, delete the old ring's grants, mark done
    (audited as ``key_rotated``, stage ``finished``)."""
    while reseal_batch(session, rotation, old_private):
        pass
    session.execute(delete(KeyGrant).where(KeyGrant.ring_id == rotation.old_ring_id))
    rotation.finished_at = now or datetime.now(UTC)
    session.flush()
    _audit_stage(session, rotation, actor, "finished", now)


def run_rotation(sessions: sessionmaker[Session], unit_code: str, unlock: Unlocker, *,
                 actor: Actor, reason: RotationReason = RotationReason.ROTATE,
                 batch_size: int = DEFAULT_BATCH, progress: Progress | None = None,
                 now: datetime | None = None) -> KeyRotation:
    """Rotate (or resume rotating) ``unit_code``'s key, one committed transaction per step.

    ``unlock`` opens the ring being retired (the active ring when starting, the rotation's old
    ring when resuming). Returns the finished rotation. Raises :class:`SetupError` for an
    unknown unit, or whatever ``unlock`` raises (``KeyNotGranted``, ``WrongRecoveryKey``,
    ``AuthenticationFailed``) before anything changed.
    """
    with sessions() as session:
        unit = session.scalars(select(Unit).where(Unit.code == unit_code)).first()
        if unit is None:
            raise SetupError(f"no unit {unit_code!r}")
        rotation = unfinished_rotation(session, unit.id)
        if rotation is None:
            old_ring = active_unit_ring(session, unit.id)
            old_private = unlock(session, old_ring)
            rotation = start_rotation(session, unit, old_private, actor=actor, reason=reason,
                                      now=now)
        else:
            old_ring_row = session.get(KeyRing, rotation.old_ring_id)
            assert old_ring_row is not None  # noqa: S101 - foreign key
            old_private = unlock(session, old_ring_row)
            _check_opens(old_ring_row, old_private)
            _audit_stage(session, rotation, actor, "resumed", now)
        session.commit()
        rotation_id = rotation.id
    if progress:
        progress(rotation.done, rotation.total)
    while True:
        with sessions() as session:
            current = session.get(KeyRotation, rotation_id)
            assert current is not None  # noqa: S101 - committed above
            moved = reseal_batch(session, current, old_private, batch_size=batch_size)
            session.commit()
            rotation = current
        if not moved:
            break
        if progress:
            progress(rotation.done, rotation.total)
    with sessions() as session:
        current = session.get(KeyRotation, rotation_id)
        assert current is not None  # noqa: S101 - committed above
        finish_rotation(session, current, old_private, actor=actor, now=now)
        session.commit()
        rotation = current
    _sweep(sessions, rotation, old_private, actor)
    return rotation


def _sweep(sessions: sessionmaker[Session], rotation: KeyRotation,
           old_private: X25519PrivateKey, actor: Actor) -> None:
    """Catch a complaint filed with the old ring by a transaction that began before the start
    and committed after the finish (PostgreSQL, concurrent filing), while the key is in hand."""
    with sessions() as session:
        current = session.get(KeyRotation, rotation.id)
        assert current is not None  # noqa: S101 - committed above
        if reseal_batch(session, current, old_private):
            finish_rotation(session, current, old_private, actor=actor)
            session.commit()
            rotation.done, rotation.total = current.done, current.total


def recover_unit(sessions: sessionmaker[Session], unit_code: str,
                 recovery_private: X25519PrivateKey, *, batch_size: int = DEFAULT_BATCH,
                 progress: Progress | None = None, now: datetime | None = None
                 ) -> tuple[KeyRotation, list[PendingGrant]]:
    """Restore a unit whose members all lost their passwords, with the offline recovery key.

    The recovery key opens the unit's ring (its recovery-sealed copy), the key is rotated as by
    :func:`run_rotation` (or an unfinished rotation is resumed), and the new ring is granted to
    every current member still waiting for it — typically accounts an administrator reset.
    Returns the rotation and the grants made. Raises :class:`WrongRecoveryKey` before anything
    changed if the key is not this installation's, :class:`SetupError` for an unknown unit.
    """
    with sessions() as session:
        check_recovery_key(session, recovery_private)

    def unlock(_session: Session, ring: KeyRing) -> X25519PrivateKey:
        return ring_private_key_by_recovery(ring, recovery_private)

    rotation = run_rotation(sessions, unit_code, unlock, actor=Actor(None, RECOVERY_KEY),
                            reason=RotationReason.RECOVER, batch_size=batch_size,
                            progress=progress, now=now)
    with sessions() as session:
        new_ring = session.get(KeyRing, rotation.new_ring_id)
        assert new_ring is not None  # noqa: S101 - foreign key
        granted = grant_by_recovery(session, recovery_private, new_ring)
        session.commit()
    return rotation, granted
