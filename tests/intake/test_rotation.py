"""Unit key rotation and recovery: the old key stops opening anything, every case stays readable,
and a crash at any point leaves a database that is consistent and can be resumed."""

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rongrian.admin import staffing
from rongrian.admin.accounts import add_staff
from rongrian.crypto import keys, sealed
from rongrian.crypto.errors import DecryptionFailed
from rongrian.crypto.keys import X25519PrivateKey, parse_recovery_key
from rongrian.intake import datakeys, envelope, rotation
from rongrian.intake.audit import RECOVERY_KEY, Actor, verify_chain
from rongrian.intake.casework import change_status, open_case
from rongrian.intake.errors import KeyNotGranted, SetupError, WrongRecoveryKey
from rongrian.intake.grants import add_member, grant_by_member, pending_grants
from rongrian.intake.keyring import (
    active_unit_ring,
    ring_private_key,
    ring_private_key_by_recovery,
    unlock_account,
)
from rongrian.intake.models import (
    AuditEntry,
    Complaint,
    ComplaintKey,
    KeyGrant,
    KeyRing,
    KeyRotation,
    Role,
    RotationReason,
    Status,
    Unit,
)
from rongrian.intake.rotation import recover_unit, run_rotation, start_rotation
from rongrian.intake.store import file_complaint
from tests.conftest import PASSWORDS, Demo
from tests.intake.helpers import NOW, account, submission, unlock

ACTOR = Actor(None, "(test)")


class Crash(RuntimeError):
    """The simulated fault."""


@pytest.fixture
def works_cases(demo: Demo) -> list[uuid.UUID]:
    """Seven committed WORKS cases (two of them finished) and one FINANCE case."""
    pepper = b"p" * 32
    ids = []
    with demo.sessions() as session:
        for number in range(7):
            receipt = file_complaint(session, pepper, submission(
                unit_code="WORKS", what_happened=f"เรื่องที่ {number} ท่อแตก"), now=NOW)
            ids.append(receipt.complaint_id)
        file_complaint(session, pepper, submission(unit_code="FINANCE"), now=NOW)
        works = unlock(session, "works")
        for finished in ids[:2]:
            change_status(session, works, finished, Status.REJECTED, "", now=NOW)
        session.commit()
    return ids


def _unit(session: Session, code: str) -> Unit:
    return session.scalars(select(Unit).where(Unit.code == code)).one()


def _member_unlock(username: str) -> rotation.Unlocker:
    def unlock_ring(session: Session, ring: KeyRing) -> X25519PrivateKey:
        return ring_private_key(session, unlock(session, username), ring)

    return unlock_ring


def _old_works_key(demo: Demo) -> tuple[int, X25519PrivateKey]:
    with demo.sessions() as session:
        ring = active_unit_ring(session, _unit(session, "WORKS").id)
        return ring.id, ring_private_key(session, unlock(session, "works"), ring)


def _snapshot(demo: Demo) -> dict[str, object]:
    """Everything a rotation may change: rings, grants, data keys, rotations."""
    with demo.sessions() as session:
        return {
            "rings": sorted((r.id, r.active, r.public_key) for r in session.scalars(
                select(KeyRing))),
            "grants": sorted((g.ring_id, g.account_id, g.sealed_private)
                             for g in session.scalars(select(KeyGrant))),
            "data_keys": sorted((str(k.complaint_id), k.ring_id, k.sealed_data_key)
                                for k in session.scalars(select(ComplaintKey))),
            "rotations": session.scalar(select(func.count()).select_from(KeyRotation)),
        }


def _assert_consistent(demo: Demo, case_ids: list[uuid.UUID]) -> None:
    """Each case has exactly one data key for its unit, and the unit's member opens it."""
    with demo.sessions() as session:
        works = unlock(session, "works")
        for case_id in case_ids:
            complaint = session.get(Complaint, case_id)
            assert complaint is not None
            rows = session.execute(
                select(ComplaintKey).join(KeyRing, KeyRing.id == ComplaintKey.ring_id)
                .where(ComplaintKey.complaint_id == case_id,
                       KeyRing.unit_id == complaint.unit_id)).all()
            assert len(rows) == 1
            assert open_case(session, works, case_id).what_happened.startswith("เรื่องที่")
        session.rollback()


def test_rotation_reseals_every_case_and_the_old_key_opens_nothing(
        demo: Demo, works_cases: list[uuid.UUID]) -> None:
    old_ring_id, old_private = _old_works_key(demo)
    progress: list[tuple[int, int]] = []
    done = run_rotation(demo.sessions, "WORKS", _member_unlock("works"), actor=ACTOR,
                        batch_size=3, progress=lambda d, t: progress.append((d, t)))
    assert progress == [(0, 7), (3, 7), (6, 7), (7, 7)]
    assert (done.done, done.total) == (7, 7)
    with demo.sessions() as session:
        old_ring = session.get(KeyRing, old_ring_id)
        assert old_ring is not None
        assert not old_ring.active
        new_ring = active_unit_ring(session, _unit(session, "WORKS").id)
        assert new_ring.id == done.new_ring_id != old_ring_id
        assert session.scalars(select(ComplaintKey).where(
            ComplaintKey.ring_id == old_ring_id)).first() is None
        assert session.scalars(select(KeyGrant).where(
            KeyGrant.ring_id == old_ring_id)).first() is None
        # Prove it: the old private key opens none of the re-sealed data keys (finished too).
        for case_id in works_cases:
            row = session.get(ComplaintKey, (case_id, new_ring.id))
            assert row is not None
            assert row.generation == 2  # the rotation started a new data-key generation
            with pytest.raises(DecryptionFailed):
                sealed.open_sealed(old_private, row.sealed_data_key,
                                   envelope.data_key_aad(case_id, row.generation))
        # The new key is sealed to the recovery key too.
        recovery = parse_recovery_key(demo.organisation.recovery_key)
        assert keys.public_bytes(ring_private_key_by_recovery(new_ring, recovery).public_key()) \
            == new_ring.public_key
        assert verify_chain(session).ok
        stages = [json.loads(e.detail)["stage"] for e in session.scalars(
            select(AuditEntry).where(AuditEntry.action == "key_rotated").order_by(AuditEntry.seq))]
        assert stages == ["started", "finished"]
    _assert_consistent(demo, works_cases)


def test_new_complaints_after_a_rotation_use_the_new_ring(demo: Demo,
                                                          works_cases: list[uuid.UUID]) -> None:
    _old_ring_id, old_private = _old_works_key(demo)
    done = run_rotation(demo.sessions, "WORKS", _member_unlock("works"), actor=ACTOR)
    with demo.sessions() as session:
        receipt = file_complaint(session, b"p" * 32, submission(unit_code="WORKS"), now=NOW)
        rows = list(session.scalars(select(ComplaintKey).where(
            ComplaintKey.complaint_id == receipt.complaint_id)))
        assert [row.ring_id for row in rows] == [done.new_ring_id]
        with pytest.raises(DecryptionFailed):  # a kept copy of the old key opens nothing new
            sealed.open_sealed(old_private, rows[0].sealed_data_key,
                               envelope.data_key_aad(receipt.complaint_id, rows[0].generation))
        assert open_case(session, unlock(session, "works"), receipt.complaint_id)


def test_other_units_are_untouched(demo: Demo, works_cases: list[uuid.UUID]) -> None:
    before = _snapshot(demo)
    run_rotation(demo.sessions, "WORKS", _member_unlock("works"), actor=ACTOR)
    after = _snapshot(demo)
    with demo.sessions() as session:
        finance_ring = active_unit_ring(session, _unit(session, "FINANCE").id).id

    def finance_rows(snapshot: dict[str, object], key: str) -> list[tuple[object, ...]]:
        rows = snapshot[key]
        assert isinstance(rows, list)
        return [row for row in rows if row[1 if key == "data_keys" else 0] == finance_ring]

    assert finance_rows(before, "data_keys") == finance_rows(after, "data_keys")
    assert finance_rows(before, "grants") == finance_rows(after, "grants")


def test_members_keep_access_and_pending_members_stay_pending(
        demo: Demo, works_cases: list[uuid.UUID]) -> None:
    with demo.sessions() as session:
        waiting = add_staff(session, username="newbie", display_name="ใหม่", role=Role.STAFF,
                            password="newbie-pass-1", strength="test")
        add_member(session, waiting, _unit(session, "WORKS"))
        session.commit()
    run_rotation(demo.sessions, "WORKS", _member_unlock("works"), actor=ACTOR)
    with demo.sessions() as session:
        assert [p.username for p in pending_grants(session)] == ["newbie"]
        works = unlock(session, "works")
        ring_id = pending_grants(session)[0].ring_id
        grant_by_member(session, works, waiting.id, ring_id)
        newbie = unlock_account(account(session, "newbie"), "newbie-pass-1")
        assert open_case(session, newbie, works_cases[0])


def test_a_member_without_the_key_cannot_rotate_and_nothing_changes(
        demo: Demo, works_cases: list[uuid.UUID]) -> None:
    before = _snapshot(demo)
    with pytest.raises(KeyNotGranted):
        run_rotation(demo.sessions, "WORKS", _member_unlock("finance"), actor=ACTOR)
    assert _snapshot(demo) == before


def test_a_wrong_private_key_cannot_start_a_rotation(demo: Demo,
                                                     works_cases: list[uuid.UUID]) -> None:
    before = _snapshot(demo)
    with demo.sessions() as session, pytest.raises(KeyNotGranted):
        start_rotation(session, _unit(session, "WORKS"), keys.generate_private_key(),
                       actor=ACTOR)
    assert _snapshot(demo) == before


def test_an_unknown_unit_is_refused(demo: Demo) -> None:
    with pytest.raises(SetupError):
        run_rotation(demo.sessions, "NOPE", _member_unlock("works"), actor=ACTOR)


Arm = Callable[[int], None]


@pytest.fixture
def crash_on_seal(monkeypatch: pytest.MonkeyPatch) -> Arm:
    """``arm(n)``: from now on, the n-th ``sealed.seal`` made by the rotation (through
    :mod:`rongrian.intake.datakeys`) raises :class:`Crash` (``arm(0)`` disarms)."""
    real_seal = sealed.seal
    state = {"plan": 0, "calls": 0}

    def seal(*args: Any, **kwargs: Any) -> bytes:
        state["calls"] += 1
        if state["plan"] and state["calls"] == state["plan"]:
            raise Crash("simulated fault in the middle of a batch")
        return real_seal(*args, **kwargs)

    def arm(n: int) -> None:
        state["plan"], state["calls"] = n, 0

    monkeypatch.setattr(datakeys.sealed, "seal", seal)
    return arm


#: Seals per re-sealed case: the new data-key generation to the complainant, then to the ring.
SEALS_PER_CASE = 2


@pytest.mark.parametrize("crash_at", [1, 3, 5, 7, 9, 13])
def test_a_crash_inside_a_batch_leaves_a_consistent_database_and_resumes(
        demo: Demo, works_cases: list[uuid.UUID], crash_on_seal: Arm, crash_at: int) -> None:
    # Start the rotation first (its own sealing is not counted), then crash in the batches.
    with demo.sessions() as session:
        old_private = ring_private_key(session, unlock(session, "works"),
                                       active_unit_ring(session, _unit(session, "WORKS").id))
        started = start_rotation(session, _unit(session, "WORKS"), old_private, actor=ACTOR)
        session.commit()
    crash_on_seal(crash_at)
    with pytest.raises(Crash):
        run_rotation(demo.sessions, "WORKS", _member_unlock("works"), actor=ACTOR,
                     batch_size=2)
    _assert_consistent(demo, works_cases)
    with demo.sessions() as session:
        unfinished = session.get(KeyRotation, started.id)
        assert unfinished is not None
        assert unfinished.finished_at is None
        moved = session.scalar(select(func.count()).select_from(ComplaintKey).where(
            ComplaintKey.ring_id == started.new_ring_id))
        assert moved == unfinished.done == 2 * ((crash_at - 1) // (2 * SEALS_PER_CASE))
    crash_on_seal(0)
    finished = run_rotation(demo.sessions, "WORKS", _member_unlock("works"), actor=ACTOR,
                            batch_size=2)
    assert finished.id == started.id
    assert finished.done == 7
    assert finished.finished_at is not None
    _assert_consistent(demo, works_cases)


def test_a_crash_between_batches_resumes_where_it_stopped(
        demo: Demo, works_cases: list[uuid.UUID]) -> None:
    def stop_after_first_batch(done: int, total: int) -> None:
        if done:
            raise Crash("Ctrl+C")

    with pytest.raises(Crash):
        run_rotation(demo.sessions, "WORKS", _member_unlock("works"), actor=ACTOR,
                     batch_size=4, progress=stop_after_first_batch)
    _assert_consistent(demo, works_cases)
    seen: list[tuple[int, int]] = []
    run_rotation(demo.sessions, "WORKS", _member_unlock("works"), actor=ACTOR,
                 batch_size=4, progress=lambda d, t: seen.append((d, t)))
    assert seen == [(4, 7), (7, 7)]
    _assert_consistent(demo, works_cases)


def test_a_crash_while_starting_changes_nothing(demo: Demo, works_cases: list[uuid.UUID],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    before = _snapshot(demo)

    def fail(*_args: object, **_kwargs: object) -> None:
        raise Crash("fault after the new ring was made")

    monkeypatch.setattr(rotation, "_audit_stage", fail)
    with pytest.raises(Crash):
        run_rotation(demo.sessions, "WORKS", _member_unlock("works"), actor=ACTOR)
    assert _snapshot(demo) == before


def test_starting_twice_is_refused(demo: Demo, works_cases: list[uuid.UUID]) -> None:
    with demo.sessions() as session:
        old_private = ring_private_key(session, unlock(session, "works"),
                                       active_unit_ring(session, _unit(session, "WORKS").id))
        start_rotation(session, _unit(session, "WORKS"), old_private, actor=ACTOR)
        session.commit()
    with demo.sessions() as session, pytest.raises(SetupError):
        start_rotation(session, _unit(session, "WORKS"), old_private, actor=ACTOR)


def _lose_every_password(demo: Demo) -> list[str]:
    """An administrator resets every member of WORKS (only ``works`` in the demo); return the
    one-time passwords."""
    with demo.sessions() as session:
        issued = [staffing.reset_password(session, account(session, "works"), actor=ACTOR,
                                          strength="test")]
        session.commit()
        return issued


def test_recover_restores_a_unit_whose_members_all_lost_their_passwords(
        demo: Demo, works_cases: list[uuid.UUID]) -> None:
    old_ring_id, old_private = _old_works_key(demo)
    [one_time] = _lose_every_password(demo)
    with demo.sessions() as session:
        reset = unlock_account(account(session, "works"), one_time)
        with pytest.raises(KeyNotGranted):
            open_case(session, reset, works_cases[0])
    recovery = parse_recovery_key(demo.organisation.recovery_key)
    progress: list[tuple[int, int]] = []
    done, granted = recover_unit(demo.sessions, "WORKS", recovery, batch_size=5,
                                 progress=lambda d, t: progress.append((d, t)))
    assert done.reason == RotationReason.RECOVER
    assert progress[-1] == (7, 7)
    assert [g.username for g in granted] == ["works"]
    with demo.sessions() as session:
        reset = unlock_account(account(session, "works"), one_time)
        for case_id in works_cases:
            assert open_case(session, reset, case_id)
        assert session.scalars(select(ComplaintKey).where(
            ComplaintKey.ring_id == old_ring_id)).first() is None
        actors = set(session.scalars(select(AuditEntry.actor_name)))
        assert RECOVERY_KEY in actors


def test_recover_with_a_wrong_recovery_key_fails_and_changes_nothing(
        demo: Demo, works_cases: list[uuid.UUID]) -> None:
    _lose_every_password(demo)
    before = _snapshot(demo)
    with pytest.raises(WrongRecoveryKey):
        recover_unit(demo.sessions, "WORKS", keys.generate_private_key())
    assert _snapshot(demo) == before


def test_rotation_with_the_recovery_key_resumes_a_members_rotation(
        demo: Demo, works_cases: list[uuid.UUID]) -> None:
    """A rotation a member started and that stopped can be finished with the recovery key."""

    def stop(done: int, total: int) -> None:
        if done:
            raise Crash("stopped")

    with pytest.raises(Crash):
        run_rotation(demo.sessions, "WORKS", _member_unlock("works"), actor=ACTOR,
                     batch_size=3, progress=stop)
    recovery = parse_recovery_key(demo.organisation.recovery_key)
    done, _granted = recover_unit(demo.sessions, "WORKS", recovery, batch_size=3)
    assert done.done == 7
    assert done.finished_at is not None
    _assert_consistent(demo, works_cases)
    with demo.sessions() as session:
        assert session.scalar(select(func.count()).select_from(KeyRotation)) == 1
        # the member's own password still opens their key, and it holds the new ring
        member = unlock_account(account(session, "works"), PASSWORDS["works"])
        assert open_case(session, member, works_cases[-1])


def test_a_case_already_sealed_to_the_new_ring_keeps_that_copy(
        demo: Demo, works_cases: list[uuid.UUID]) -> None:
    """E.g. a case moved away and back while the rotation ran: one copy on the new ring stays."""
    with demo.sessions() as session:
        unit = _unit(session, "WORKS")
        old_ring = active_unit_ring(session, unit.id)
        old_private = ring_private_key(session, unlock(session, "works"), old_ring)
        started = start_rotation(session, unit, old_private, actor=ACTOR)
        new_ring = session.get(KeyRing, started.new_ring_id)
        assert new_ring is not None
        row = session.get(ComplaintKey, (works_cases[0], old_ring.id))
        assert row is not None
        aad = envelope.data_key_aad(works_cases[0])
        copy = sealed.seal(keys.load_public(new_ring.public_key),
                           sealed.open_sealed(old_private, row.sealed_data_key, aad), aad)
        session.add(ComplaintKey(complaint_id=works_cases[0], ring_id=new_ring.id,
                                 sealed_data_key=copy))
        session.commit()
    run_rotation(demo.sessions, "WORKS", _member_unlock("works"), actor=ACTOR)
    with demo.sessions() as session:
        kept = session.get(ComplaintKey, (works_cases[0], started.new_ring_id))
        assert kept is not None
        assert kept.sealed_data_key == copy
    _assert_consistent(demo, works_cases)
