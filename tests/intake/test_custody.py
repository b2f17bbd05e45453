"""The identity custodian (DESIGN.md promise 3): only the custodian reveals an identity, one case
at a time, with a reason; the reveal is audited with the reason sealed; the unit sees that it
happened, never the identity; no other role can reveal anything, whatever it calls."""

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from rongrian.crypto import keys
from rongrian.crypto.errors import DecryptionFailed
from rongrian.intake import keyring
from rongrian.intake.audit import verify_chain
from rongrian.intake.casework import open_case
from rongrian.intake.custody import (
    custodian_case,
    custodian_cases,
    open_reason,
    reveal_history,
    reveal_identity,
)
from rongrian.intake.errors import (
    ComplaintNotFound,
    InvalidSubmission,
    KeyNotGranted,
    RevealNotPermitted,
)
from rongrian.intake.models import AuditEntry, Role, StaffAccount
from rongrian.intake.store import Identity, file_complaint
from tests.conftest import Demo
from tests.intake.helpers import NOW, account, named, submission, unlock

REASON = "ตามหนังสือสำนักงาน ป.ป.ช. ที่ ปช 0001/123 ขอพยานบุคคล"


def _file(session: Session, pepper: bytes, identity: Identity | None = None,
          **changes: object) -> uuid.UUID:
    receipt = file_complaint(session, pepper, submission(identity=identity, **changes), now=NOW)
    return receipt.complaint_id


def _reveals(session: Session) -> list[AuditEntry]:
    return list(session.scalars(select(AuditEntry).where(
        AuditEntry.action == "identity_revealed").order_by(AuditEntry.seq)))


def test_the_custodian_reveals_a_named_identity_and_it_is_audited(
        session: Session, pepper: bytes, demo: Demo) -> None:
    case_id = _file(session, pepper, named("บุญมี ศรีสุข", "0812345678", "boonmee@example.org"),
                    unit_code="WORKS")
    integrity = unlock(session, "integrity")
    revealed = reveal_identity(session, integrity, case_id, REASON, now=NOW)
    session.commit()
    assert (revealed.anonymous, revealed.name, revealed.phone, revealed.email) == (
        False, "บุญมี ศรีสุข", "0812345678", "boonmee@example.org")
    [entry] = _reveals(session)
    assert revealed.audit_seq == entry.seq
    assert entry.actor_name == "integrity"
    assert entry.complaint_id == case_id
    assert entry.unit_id == demo.organisation.units["WORKS"].id
    # The reason is sealed: opened by the custodian ring and by the recovery key, by nothing else.
    ring = keyring.ring_private_key(session, integrity, keyring.custodian_ring(session))
    assert entry.reason_custodian is not None
    assert entry.reason_recovery is not None
    assert open_reason(ring, entry.reason_custodian, case_id) == REASON
    recovery = keys.parse_recovery_key(demo.organisation.recovery_key)
    assert open_reason(recovery, entry.reason_recovery, case_id) == REASON
    works_ring = keyring.ring_private_key_by_recovery(
        keyring.active_unit_ring(session, demo.organisation.units["WORKS"].id), recovery)
    for private in (works_ring, unlock(session, "works").private_key, integrity.private_key):
        for box in (entry.reason_custodian, entry.reason_recovery):
            with pytest.raises(DecryptionFailed):
                open_reason(private, box, case_id)
    stored = " ".join(str(getattr(entry, c.key)) for c in AuditEntry.__table__.columns)
    for secret in ("บุญมี", "0812345678", "boonmee", REASON, "ป.ป.ช."):
        assert secret not in stored
    assert verify_chain(session).ok


def test_an_anonymous_complaint_reveals_as_anonymous_and_is_still_recorded(
        session: Session, pepper: bytes) -> None:
    case_id = _file(session, pepper)
    revealed = reveal_identity(session, unlock(session, "integrity"), case_id, REASON)
    assert revealed.anonymous
    assert (revealed.name, revealed.phone, revealed.email) == ("", "", "")
    assert len(_reveals(session)) == 1


@pytest.mark.parametrize("username", ["palad", "finance", "works", "executive", "admin", "clerk"])
def test_no_other_role_can_reveal_or_list(session: Session, pepper: bytes,
                                          username: str) -> None:
    case_id = _file(session, pepper, named(), unit_code="WORKS")
    other = unlock(session, username)
    with pytest.raises(RevealNotPermitted):
        reveal_identity(session, other, case_id, REASON)
    with pytest.raises(RevealNotPermitted):
        custodian_cases(session, other.account_id)
    with pytest.raises(RevealNotPermitted):
        custodian_case(session, other.account_id, case_id)
    with pytest.raises(RevealNotPermitted):
        reveal_history(session, other)
    assert _reveals(session) == []


def test_a_staff_member_given_the_custodian_grant_still_cannot_reveal(
        session: Session, pepper: bytes) -> None:
    """Belt and braces: the role is checked even if someone sealed the ring to a unit member."""
    case_id = _file(session, pepper, named())
    integrity = unlock(session, "integrity")
    ring = keyring.custodian_ring(session)
    ring_private = keyring.ring_private_key(session, integrity, ring)
    keyring.grant(session, ring, ring_private, account(session, "works"))
    with pytest.raises(RevealNotPermitted):
        reveal_identity(session, unlock(session, "works"), case_id, REASON)


def test_an_inactive_custodian_cannot_reveal(session: Session, pepper: bytes) -> None:
    case_id = _file(session, pepper, named())
    integrity = unlock(session, "integrity")
    account(session, "integrity").active = False
    with pytest.raises(RevealNotPermitted):
        reveal_identity(session, integrity, case_id, REASON)


def test_a_custodian_without_the_ring_grant_cannot_reveal(session: Session, pepper: bytes) -> None:
    from rongrian.admin.accounts import add_staff

    case_id = _file(session, pepper, named())
    second = add_staff(session, username="integrity2", display_name="ผู้ดูแลคนที่สอง",
                       role=Role.CUSTODIAN, password="integrity2-pass", strength="test")
    with pytest.raises(KeyNotGranted):
        reveal_identity(session, keyring.unlock_account(second, "integrity2-pass"), case_id,
                        REASON)
    with pytest.raises(KeyNotGranted):
        reveal_history(session, keyring.unlock_account(second, "integrity2-pass"))


@pytest.mark.parametrize(("reason", "code"), [
    ("", "required"),
    ("  \n\t ", "required"),
    ("ตรวจสอบ", "too_short"),
    ("ก" * 19, "too_short"),
    ("ก" * 1001, "too_long"),
])
def test_a_missing_or_unfit_reason_reveals_nothing(session: Session, pepper: bytes,
                                                   reason: str, code: str) -> None:
    case_id = _file(session, pepper, named())
    with pytest.raises(InvalidSubmission) as refused:
        reveal_identity(session, unlock(session, "integrity"), case_id, reason)
    assert refused.value.problems == {"reason": code}
    assert _reveals(session) == []


def test_an_unknown_case_is_not_found(session: Session) -> None:
    with pytest.raises(ComplaintNotFound):
        reveal_identity(session, unlock(session, "integrity"), uuid.uuid4(), REASON)
    assert _reveals(session) == []


def test_the_unit_sees_that_a_reveal_happened_but_not_the_identity(
        session: Session, pepper: bytes) -> None:
    case_id = _file(session, pepper, named("สมใจ ลับมาก"), unit_code="WORKS")
    works = unlock(session, "works")
    assert open_case(session, works, case_id).reveals == []
    reveal_identity(session, unlock(session, "integrity"), case_id, REASON,
                    now=NOW + timedelta(hours=1))
    detail = open_case(session, works, case_id)
    assert [moment.replace(tzinfo=None) for moment in detail.reveals] == [
        (NOW + timedelta(hours=1)).replace(tzinfo=None)]
    assert "สมใจ" not in repr(detail)


def test_a_custodian_outside_the_unit_reveals_but_cannot_read_the_case(
        session: Session, pepper: bytes) -> None:
    case_id = _file(session, pepper, named("ชื่อจริง นามสกุล"), unit_code="WORKS")
    integrity = unlock(session, "integrity")  # member of AUDIT, not of WORKS
    assert reveal_identity(session, integrity, case_id, REASON).name == "ชื่อจริง นามสกุล"
    with pytest.raises(ComplaintNotFound):
        open_case(session, integrity, case_id)


def test_the_custodian_list_shows_every_case_alike(session: Session, pepper: bytes) -> None:
    anonymous = _file(session, pepper)
    named_case = _file(session, pepper, named(), unit_code="FINANCE")
    tip = _file(session, pepper, category_code="corruption", kind="tip")
    integrity = unlock(session, "integrity")
    reveal_identity(session, integrity, named_case, REASON, now=NOW)
    reveal_identity(session, integrity, named_case, REASON, now=NOW + timedelta(days=1))
    rows = {row.id: row for row in custodian_cases(session, integrity.account_id)}
    assert set(rows) == {anonymous, named_case, tip}
    assert rows[named_case].reveals == 2
    assert rows[anonymous].reveals == rows[tip].reveals == 0
    assert rows[anonymous].last_revealed_at is None
    # Nothing in a row tells a named complaint from an anonymous one.
    fields = set(vars(rows[anonymous])) - {"id", "case_number"}
    assert "anonymous" not in " ".join(fields)
    number = rows[tip].case_number
    assert [row.id for row in custodian_cases(session, integrity.account_id,
                                              case_number=number)] == [tip]
    assert custodian_cases(session, integrity.account_id, case_number="%") == []


def test_reveal_history_shows_every_custodians_reasons(session: Session, pepper: bytes) -> None:
    first = _file(session, pepper, named())
    second = _file(session, pepper)
    integrity = unlock(session, "integrity")
    reveal_identity(session, integrity, first, REASON, now=NOW)
    reveal_identity(session, integrity, second, "คำสั่งศาลปกครอง คดีหมายเลขดำที่ 1/2569", now=NOW)
    history = reveal_history(session, integrity)
    assert [item.reason for item in history] == ["คำสั่งศาลปกครอง คดีหมายเลขดำที่ 1/2569", REASON]
    assert {item.actor_name for item in history} == {"integrity"}


def test_only_custodian_accounts_exist_with_the_ring_grant(session: Session) -> None:
    """The demo grants the custodian ring to the custodian only."""
    ring = keyring.custodian_ring(session)
    holders = set()
    for staff in session.scalars(select(StaffAccount)):
        try:
            keyring.ring_private_key(session, unlock(session, staff.username), ring)
            holders.add(staff.username)
        except KeyNotGranted:
            pass
    assert holders == {"integrity"}
