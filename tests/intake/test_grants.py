"""Unit membership and pending key grants: who waits, who may grant, what removal takes away."""

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rongrian.admin.accounts import add_staff
from rongrian.crypto import keys
from rongrian.crypto.keys import parse_recovery_key
from rongrian.intake.audit import Actor
from rongrian.intake.casework import open_case
from rongrian.intake.errors import ComplaintNotFound, GrantRefused, KeyNotGranted, WrongRecoveryKey
from rongrian.intake.grants import (
    add_member,
    grant_by_member,
    grant_by_recovery,
    grantable_by,
    pending_grants,
    remove_member,
)
from rongrian.intake.keyring import active_unit_ring, custodian_ring, unlock_account
from rongrian.intake.models import (
    AuditEntry,
    IssuedPassword,
    IssueReason,
    KeyGrant,
    Role,
    StaffAccount,
    Unit,
)
from rongrian.intake.store import file_complaint
from tests.conftest import Demo
from tests.intake.helpers import NOW, account, listed, submission, unlock

ADMIN = Actor(None, "(test)")


def _unit(session: Session, code: str) -> Unit:
    return session.scalars(select(Unit).where(Unit.code == code)).one()


def _newcomer(session: Session, username: str = "newbie", role: Role = Role.STAFF,
              unit: str | None = "WORKS", *, issued: bool = False) -> StaffAccount:
    created = add_staff(session, username=username, display_name=f"{username} ใหม่", role=role,
                        password=f"{username}-pass-1", strength="test")
    if unit:
        add_member(session, created, _unit(session, unit))
    if issued:
        session.add(IssuedPassword(account_id=created.id, reason=IssueReason.NEW,
                                   issued_at=datetime.now(UTC)))
        session.flush()
    return created


def _file_works(session: Session, pepper: bytes) -> uuid.UUID:
    return file_complaint(session, pepper, submission(unit_code="WORKS"), now=NOW).complaint_id


def _grants(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(KeyGrant)) or 0)


def test_a_new_member_waits_sees_the_list_but_cannot_open(session: Session,
                                                           pepper: bytes) -> None:
    case_id = _file_works(session, pepper)
    newbie = _newcomer(session)
    waiting = pending_grants(session, account_id=newbie.id)
    assert [(p.username, p.unit_code) for p in waiting] == [("newbie", "WORKS")]
    assert [row.id for row in listed(session, newbie.id)] == [case_id]
    with pytest.raises(KeyNotGranted):
        open_case(session, unlock_account(newbie, "newbie-pass-1"), case_id)


def test_a_member_grants_and_the_newcomer_then_reads(session: Session, pepper: bytes) -> None:
    case_id = _file_works(session, pepper)
    newbie = _newcomer(session)
    works = unlock(session, "works")
    offered = grantable_by(session, works.account_id)
    assert [(p.username, p.unit_code) for p in offered] == [("newbie", "WORKS")]
    given = grant_by_member(session, works, newbie.id, offered[0].ring_id)
    assert given.username == "newbie"
    detail = open_case(session, unlock_account(newbie, "newbie-pass-1"), case_id)
    assert detail.what_happened == submission().what_happened
    assert pending_grants(session, account_id=newbie.id) == []
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "key_granted")).one()
    assert entry.actor_name == "works"
    assert '"account":"newbie"' in entry.detail


def test_members_of_other_units_are_not_offered_and_cannot_grant(session: Session) -> None:
    newbie = _newcomer(session)
    finance = unlock(session, "finance")
    assert grantable_by(session, finance.account_id) == []
    ring = active_unit_ring(session, _unit(session, "WORKS").id)
    with pytest.raises(KeyNotGranted):
        grant_by_member(session, finance, newbie.id, ring.id)
    assert pending_grants(session, account_id=newbie.id)


@pytest.mark.parametrize("case", ["already_granted", "not_a_member", "issued_password",
                                  "inactive", "wrong_ring"])
def test_grants_that_are_not_pending_are_refused(session: Session, case: str) -> None:
    works = unlock(session, "works")
    ring = active_unit_ring(session, _unit(session, "WORKS").id)
    if case == "already_granted":
        target = account(session, "works")
    elif case == "not_a_member":
        target = _newcomer(session, unit=None)
    elif case == "issued_password":
        target = _newcomer(session, issued=True)
    elif case == "inactive":
        target = _newcomer(session)
        target.active = False
        session.flush()
    else:
        target = _newcomer(session)
        ring = active_unit_ring(session, _unit(session, "FINANCE").id)
    before = _grants(session)
    with pytest.raises(GrantRefused):
        grant_by_member(session, works, target.id, ring.id)
    assert _grants(session) == before


def test_an_account_on_an_issued_password_is_listed_as_waiting_for_first_login(
        session: Session) -> None:
    _newcomer(session, issued=True)
    offered = grantable_by(session, unlock(session, "works").account_id)
    assert [(p.username, p.awaiting_own_password) for p in offered] == [("newbie", True)]


@pytest.mark.parametrize("role", [Role.ADMIN, Role.EXECUTIVE])
def test_administrators_and_executives_cannot_become_members(session: Session,
                                                             role: Role) -> None:
    with pytest.raises(GrantRefused):
        _newcomer(session, username="boss", role=role)


def test_adding_twice_is_harmless(session: Session) -> None:
    newbie = _newcomer(session)
    assert add_member(session, newbie, _unit(session, "WORKS")) is False


def test_removing_a_member_deletes_its_grants_and_its_access(session: Session,
                                                             pepper: bytes) -> None:
    case_id = _file_works(session, pepper)
    works_account = account(session, "works")
    works = unlock(session, "works")
    assert remove_member(session, works_account, _unit(session, "WORKS"), actor=ADMIN) is True
    remaining = session.scalars(select(KeyGrant).where(KeyGrant.account_id == works.account_id))
    assert list(remaining) == []
    with pytest.raises(ComplaintNotFound):
        open_case(session, works, case_id)
    assert listed(session, works.account_id) == []
    assert remove_member(session, works_account, _unit(session, "WORKS"), actor=ADMIN) is False
    revoked = session.scalars(select(AuditEntry).where(AuditEntry.action == "key_revoked"))
    assert len(list(revoked)) == 1


def test_the_recovery_key_grants_pending_members(session: Session, demo: Demo,
                                                 pepper: bytes) -> None:
    case_id = _file_works(session, pepper)
    newbie = _newcomer(session, issued=True)  # the recovery-key holder may grant even these
    ring = active_unit_ring(session, _unit(session, "WORKS").id)
    recovery = parse_recovery_key(demo.organisation.recovery_key)
    granted = grant_by_recovery(session, recovery, ring)
    assert [p.username for p in granted] == ["newbie"]
    assert open_case(session, unlock_account(newbie, "newbie-pass-1"), case_id)
    actions = set(session.scalars(select(AuditEntry.action)))
    assert {"recovery_key_used", "key_granted"} <= actions


def test_a_wrong_recovery_key_grants_nothing(session: Session) -> None:
    _newcomer(session)
    ring = active_unit_ring(session, _unit(session, "WORKS").id)
    before = _grants(session)
    with pytest.raises(WrongRecoveryKey):
        grant_by_recovery(session, keys.generate_private_key(), ring)
    assert _grants(session) == before


def test_the_recovery_key_refuses_a_named_account_that_is_not_waiting(session: Session,
                                                                      demo: Demo) -> None:
    _newcomer(session)
    ring = active_unit_ring(session, _unit(session, "WORKS").id)
    recovery = parse_recovery_key(demo.organisation.recovery_key)
    with pytest.raises(GrantRefused):
        grant_by_recovery(session, recovery, ring, ["newbie", "finance"])


def test_a_new_custodian_waits_for_the_custodian_ring(session: Session) -> None:
    second = _newcomer(session, username="integrity2", role=Role.CUSTODIAN, unit="AUDIT")
    waiting = pending_grants(session, account_id=second.id)
    assert {(p.purpose.value, p.unit_code) for p in waiting} == {("unit", "AUDIT"),
                                                                 ("custodian", None)}
    integrity = unlock(session, "integrity")
    ring = custodian_ring(session)
    grant_by_member(session, integrity, second.id, ring.id)
    assert {p.purpose.value for p in pending_grants(session, account_id=second.id)} == {"unit"}
