"""Account life at the domain level: one-time passwords, re-wrapping on a password change, a
reset's new key pair, and faults half-way that leave nothing half-written."""

import re
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from rongrian.admin import staffing
from rongrian.admin.accounts import log_in
from rongrian.crypto import keys
from rongrian.intake.audit import Actor
from rongrian.intake.errors import AuthenticationFailed, InvalidSubmission
from rongrian.intake.keyring import rewrap_account_key, unlock_account
from rongrian.intake.models import KeyGrant, Role, StaffAccount, StaffSession
from tests.conftest import PASSWORDS, Demo

ADMIN = Actor(None, "(test)")


def _works(session: Session) -> StaffAccount:
    return session.scalars(select(StaffAccount).where(StaffAccount.username == "works")).one()


def test_one_time_passwords_are_random_and_easy_to_read() -> None:
    seen = {staffing.one_time_password() for _ in range(200)}
    assert len(seen) == 200
    for password in seen:
        assert re.fullmatch(r"[a-z2-9]{4}(-[a-z2-9]{4}){3}", password)
        assert not set(password) & set("01ilo")


@pytest.mark.parametrize(("new", "confirm", "problem"), [
    ("", "", {"new_password": "required"}),
    ("123456789", "123456789", {"new_password": "too_short"}),
    ("x" * 1025, "x" * 1025, {"new_password": "too_long"}),
    ("works-pass-1", "works-pass-1", {"new_password": "same"}),
    (" WORKS ", " WORKS ", {"new_password": "too_short"}),
    ("works     ", "works     ", {"new_password": "is_username"}),
    ("a-long-password", "a-long-passw0rd", {"confirm": "mismatch"}),
    ("a-long-password", "a-long-password", {}),
    ("รหัสผ่านภาษาไทย", "รหัสผ่านภาษาไทย", {}),
])
def test_new_password_rules(new: str, confirm: str, problem: dict[str, str]) -> None:
    assert staffing.new_password_problems(new, confirm, username="works",
                                          current="works-pass-1") == problem


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(old=st.text(min_size=1, max_size=40), new=st.text(min_size=1, max_size=40))
def test_rewrapping_keeps_the_same_key_and_only_the_new_password_opens_it(
        old: str, new: str) -> None:
    account = StaffAccount(username="someone", display_name="x", role=Role.STAFF,
                           password_hash="", public_key=b"", active=True)
    private = keys.generate_private_key()
    params = keys.new_kdf_params(strength="test")
    account.wrapped_private_key = keys.wrap_private_key(private, old, params,
                                                        b"account-key:someone")
    account.kdf_params = params.to_json()
    rewrap_account_key(account, old, new, kdf_strength="test")
    assert keys.KdfParams.from_json(account.kdf_params).salt != params.salt
    opened = unlock_account(account, new).private_key
    assert keys.private_bytes(opened) == keys.private_bytes(private)
    if new != old:
        with pytest.raises(AuthenticationFailed):
            unlock_account(account, old)


def test_a_wrong_current_password_changes_nothing(demo: Demo) -> None:
    with demo.sessions() as session:
        works = _works(session)
        before = (works.password_hash, works.wrapped_private_key, works.kdf_params)
        with pytest.raises(AuthenticationFailed):
            staffing.change_password(session, works, current_password="nope",
                                     new_password="a-long-password", confirm="a-long-password",
                                     keep_token=None, strength="test")
        session.rollback()
        assert (works.password_hash, works.wrapped_private_key, works.kdf_params) == before


def _fault_after(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    def fault(*_args: object, **_kwargs: object) -> int:
        raise RuntimeError("simulated fault")

    monkeypatch.setattr(staffing, name, fault)


Operation = Callable[[Session, StaffAccount], object]


@pytest.mark.parametrize("operation", [
    lambda session, works: staffing.change_password(
        session, works, current_password=PASSWORDS["works"], new_password="a-long-password",
        confirm="a-long-password", keep_token=None, strength="test"),
    lambda session, works: staffing.reset_password(session, works, actor=ADMIN,
                                                   strength="test"),
])
def test_a_fault_half_way_leaves_the_account_as_it_was(demo: Demo,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       operation: Operation) -> None:
    with demo.sessions() as session:
        log_in(session, "works", PASSWORDS["works"], strength="test")
        session.commit()
    _fault_after(monkeypatch, "end_sessions")
    with demo.sessions() as session:
        works = _works(session)
        with pytest.raises(RuntimeError):
            operation(session, works)
        session.rollback()
    with demo.sessions() as session:
        works = _works(session)
        unlock_account(works, PASSWORDS["works"])  # the old password still opens the old key
        assert session.scalars(select(KeyGrant).where(KeyGrant.account_id == works.id)).all()
        assert session.scalars(select(StaffSession).where(
            StaffSession.account_id == works.id)).all()
        assert staffing.issued_password(session, works.id) is None


def test_a_reset_makes_a_new_key_pair_and_drops_every_grant(demo: Demo) -> None:
    with demo.sessions() as session:
        works = _works(session)
        old_public = works.public_key
        password = staffing.reset_password(session, works, actor=ADMIN, strength="test")
        session.commit()
    with demo.sessions() as session:
        works = _works(session)
        assert works.public_key != old_public
        assert keys.public_bytes(unlock_account(works, password).private_key.public_key()) \
            == works.public_key
        assert session.scalars(select(KeyGrant).where(KeyGrant.account_id == works.id)).all() \
            == []
        with pytest.raises(AuthenticationFailed):
            log_in(session, "works", PASSWORDS["works"], strength="test")


@pytest.mark.parametrize(("fields", "problems"), [
    ({"username": " "}, {"username": "required"}),
    ({"username": "has space"}, {"username": "invalid"}),
    ({"username": "WORKS"}, {"username": "taken"}),
    ({"display_name": "\u0000\u0001"}, {"display_name": "required"}),
    ({"role": Role.EXECUTIVE, "unit": True}, {"unit": "not_allowed"}),
])
def test_create_account_refuses_bad_input(demo: Demo, fields: dict[str, object],
                                          problems: dict[str, str]) -> None:
    values: dict[str, object] = {"username": "newbie", "display_name": "ใหม่",
                                 "role": Role.STAFF, "unit": False}
    values.update(fields)
    with demo.sessions() as session:
        unit = demo.organisation.units["WORKS"] if values.pop("unit") else None
        with pytest.raises(InvalidSubmission) as raised:
            staffing.create_staff_account(session, actor=ADMIN, strength="test", unit=unit,
                                          **values)  # type: ignore[arg-type]
        assert raised.value.problems == problems
