"""Staff second factor (issue 9 §5): enrolment with a QR code, log-in with a TOTP code or a
recovery code, a reused code refused, wrong codes counted towards the lock, administrators and
the identity custodian forced to enrol, an administrator's audited reset."""

import re
import time
from dataclasses import replace
from pathlib import Path

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from rongrian.admin import second_factor
from rongrian.admin.web.app import create_staff_app
from rongrian.intake.errors import SetupError
from rongrian.intake.models import (
    AuditEntry,
    StaffAccount,
    StaffRecoveryCode,
    StaffSecondFactor,
    StaffSession,
)
from rongrian.settings import Settings, create_secrets, from_environment
from tests.admin.helpers import login, page, post_form, sent_to_login
from tests.conftest import Demo, csrf_token

_SECRET = re.compile(r'<code id="secret">([A-Z2-7 ]+)</code>')
_RECOVERY = re.compile(r"<li><code>([0-9A-Z]{5}-[0-9A-Z]{5})</code></li>")


def _app(settings: Settings, engine: Engine, roles: frozenset[str] = frozenset()) -> Flask:
    app = create_staff_app(replace(settings, second_factor_roles=roles), engine=engine)
    app.config["TESTING"] = True
    return app


def post_form_same(client: FlaskClient, html: str, data: dict[str, str]) -> TestResponse:
    """POST the enrolment form of ``html`` (the secret it shows stays the one confirmed)."""
    return client.post("/account/second-factor", data={**data, "csrf_token": csrf_token(html)})


def _enrol_page(client: FlaskClient) -> tuple[pyotp.TOTP, str]:
    html = client.get("/account/second-factor").get_data(as_text=True)
    found = _SECRET.search(html)
    assert found
    return pyotp.TOTP(found.group(1).replace(" ", "")), html


def _enrolled(client: FlaskClient) -> tuple[pyotp.TOTP, list[str]]:
    totp, html = _enrol_page(client)
    response = post_form_same(client, html, {"code": totp.now()})
    assert response.status_code == 200
    codes = _RECOVERY.findall(response.get_data(as_text=True))
    assert len(codes) == 10
    return totp, codes


def _next_code(totp: pyotp.TOTP) -> str:
    """The code of the next time step (accepted: one step of drift), never used yet."""
    return totp.at(time.time() + second_factor.STEP_SECONDS)


def _send_code(client: FlaskClient, code: str) -> TestResponse:
    return post_form(client, "/login/code", "/login/code", {"code": code})


def _actions(demo: Demo, action: str) -> list[AuditEntry]:
    with demo.sessions() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)
                                    .order_by(AuditEntry.seq)))


def _log_out(client: FlaskClient) -> None:
    post_form(client, "/cases", "/logout", {})


def test_enrolment_shows_the_secret_and_a_first_code_turns_it_on(
        settings: Settings, engine: Engine, demo: Demo) -> None:
    client = _app(settings, engine).test_client()
    login(client, "works")
    totp, html = _enrol_page(client)
    assert 'id="qr"' in html
    assert "<path d=" in html
    wrong = post_form_same(client, html, {"code": "000000" if totp.now() != "000000" else "111111"})
    assert wrong.status_code == 400
    assert "รหัสไม่ถูกต้อง" in wrong.get_data(as_text=True)
    with demo.sessions() as session:
        assert session.scalars(select(StaffSecondFactor)).first() is None
    response = post_form_same(client, html, {"code": totp.now()})
    assert response.status_code == 200
    codes = _RECOVERY.findall(response.get_data(as_text=True))
    assert len(codes) == 10
    assert len(set(codes)) == 10
    with demo.sessions() as session:
        row = session.scalars(select(StaffSecondFactor)).one()
        digests = session.scalars(select(StaffRecoveryCode.digest)).all()
    assert totp.secret.encode() not in row.sealed_secret  # sealed, not in clear
    assert len(digests) == 10
    assert not any(code.replace("-", "").encode() in b"".join(digests) for code in codes)
    assert [e.detail for e in _actions(demo, "second_factor_enrolled")] == [
        '{"account":"works"}']


def test_log_in_asks_for_the_code_and_nothing_opens_before(
        settings: Settings, engine: Engine, demo: Demo) -> None:
    client = _app(settings, engine).test_client()
    login(client, "works")
    totp, _codes = _enrolled(client)
    _log_out(client)
    response = login(client, "works")
    assert response.status_code == 303
    assert response.location.startswith("/login/code")
    for path in ("/cases", "/account/password", "/account/second-factor", "/grants"):
        blocked = client.get(path)
        assert blocked.status_code == 303, path
        assert blocked.location.startswith("/login/code"), path
    wrong = _send_code(client, "12345x")
    assert wrong.status_code == 401
    assert client.get("/cases").status_code == 303
    right = _send_code(client, _next_code(totp))
    assert right.status_code == 303
    assert right.location == "/cases"
    assert page(client, "/cases")[0] == 200


def test_log_in_without_second_factor_is_unchanged(staff_client: FlaskClient) -> None:
    response = login(staff_client, "works")
    assert response.status_code == 302
    assert response.location == "/cases"
    assert staff_client.get("/login/code").status_code == 303  # nothing waiting: home


def test_a_code_reused_within_its_window_is_refused(
        settings: Settings, engine: Engine, demo: Demo) -> None:
    client = _app(settings, engine).test_client()
    login(client, "works")
    totp, _codes = _enrolled(client)
    _log_out(client)
    code = _next_code(totp)
    login(client, "works")
    assert _send_code(client, code).status_code == 303
    _log_out(client)
    login(client, "works")
    again = _send_code(client, code)
    assert again.status_code == 401
    assert "รหัสนี้ใช้ไปแล้ว" in again.get_data(as_text=True)
    assert client.get("/cases").status_code == 303  # still waiting, nothing opened
    reasons = [e.detail for e in _actions(demo, "login_failed")]
    assert reasons == ['{"reason":"second_factor_reused"}']


def test_the_enrolment_code_cannot_log_in_afterwards(
        settings: Settings, engine: Engine, demo: Demo) -> None:
    client = _app(settings, engine).test_client()
    login(client, "works")
    totp, html = _enrol_page(client)
    code = totp.now()
    assert post_form_same(client, html, {"code": code}).status_code == 200
    _log_out(client)
    login(client, "works")
    assert _send_code(client, code).status_code == 401


def test_a_recovery_code_works_once(settings: Settings, engine: Engine, demo: Demo) -> None:
    client = _app(settings, engine).test_client()
    login(client, "works")
    _totp, codes = _enrolled(client)
    _log_out(client)
    login(client, "works")
    used = _send_code(client, codes[3].lower().replace("-", " "))
    assert used.status_code == 303
    assert page(client, "/cases")[0] == 200
    _log_out(client)
    login(client, "works")
    assert _send_code(client, codes[3]).status_code == 401
    assert _send_code(client, codes[4]).status_code == 303
    with demo.sessions() as session:
        assert second_factor.recovery_codes_left(session, _id(session, "works")) == 8
    assert len(_actions(demo, "recovery_code_used")) == 2


def _id(session: Session, username: str) -> int:
    return session.scalars(select(StaffAccount.id).where(StaffAccount.username == username)).one()


@pytest.mark.parametrize("username", ["admin", "integrity"])
def test_administrators_and_the_custodian_must_enrol_first(
        settings: Settings, engine: Engine, demo: Demo, username: str) -> None:
    client = _app(settings, engine, frozenset({"admin", "custodian"})).test_client()
    response = login(client, username)
    assert response.status_code == 302
    for path in ("/cases", "/summary", "/admin/staff", "/grants"):
        sent = client.get(path)
        assert sent.status_code == 303, path
        assert sent.location == "/account/second-factor", path
    status, html = page(client, "/account/second-factor")
    assert status == 200
    assert 'id="required"' in html
    totp, _codes = _enrolled(client)
    start = client.get("/").location or ""
    assert start in ("/cases", "/summary")
    assert client.get(start).status_code == 200
    _log_out(client)
    login(client, username)
    assert _send_code(client, _next_code(totp)).status_code == 303


def test_other_staff_are_not_forced(settings: Settings, engine: Engine, demo: Demo) -> None:
    client = _app(settings, engine, frozenset({"admin", "custodian"})).test_client()
    login(client, "works")
    assert page(client, "/cases")[0] == 200


def test_an_administrator_resets_a_second_factor_audited(
        settings: Settings, engine: Engine, demo: Demo) -> None:
    app = _app(settings, engine)
    works = app.test_client()
    login(works, "works")
    _enrolled(works)
    admin = app.test_client()
    login(admin, "admin")
    with demo.sessions() as session:
        works_id = _id(session, "works")
    account_page = f"/admin/staff/{works_id}"
    assert "second-factor-csrf" in page(admin, account_page)[1]
    response = post_form(admin, account_page, f"/admin/staff/{works_id}/second-factor/reset", {})
    assert response.status_code == 303
    assert 'id="no-second-factor"' in page(admin, account_page)[1]
    entries = _actions(demo, "second_factor_reset")
    assert [(e.actor_name, e.detail) for e in entries] == [
        ("admin", '{"account":"works","had_second_factor":true}')]
    assert sent_to_login(works.get("/cases"))  # the reset ended the account's sessions
    assert login(works, "works").location == "/cases"  # no code asked any more


def test_only_an_administrator_resets(settings: Settings, engine: Engine, demo: Demo) -> None:
    client = _app(settings, engine).test_client()
    login(client, "finance")
    with demo.sessions() as session:
        works_id = _id(session, "works")
    response = post_form(client, "/cases", f"/admin/staff/{works_id}/second-factor/reset", {})
    assert response.status_code == 403


def test_wrong_codes_count_towards_the_lock(settings: Settings, engine: Engine,
                                            demo: Demo) -> None:
    client = _app(settings, engine).test_client()
    login(client, "works")
    totp, _codes = _enrolled(client)
    _log_out(client)
    login(client, "works")
    wrong = "000000" if totp.now() != "000000" else "111111"
    for _ in range(settings.login_lock_after - 1):
        assert _send_code(client, wrong).status_code == 401
    locking = _send_code(client, wrong)
    assert sent_to_login(locking)  # the waiting session was ended
    assert len(_actions(demo, "account_locked")) == 1
    with demo.sessions() as session:
        assert session.scalars(select(StaffSession)).first() is None
    assert login(client, "works").status_code == 401  # right password, locked account


def test_a_password_reset_voids_the_old_second_factor(
        settings: Settings, engine: Engine, demo: Demo) -> None:
    from rongrian.admin import staffing
    from rongrian.intake.audit import COMMAND_LINE, Actor
    client = _app(settings, engine).test_client()
    login(client, "works")
    _enrolled(client)
    _log_out(client)
    with demo.sessions() as session:
        account = session.scalars(select(StaffAccount).where(
            StaffAccount.username == "works")).one()
        password = staffing.reset_password(session, account, actor=Actor(None, COMMAND_LINE),
                                           strength="test")
        session.commit()
    assert login(client, "works", password).status_code == 302  # sealed to the old key
    assert [e.detail for e in _actions(demo, "second_factor_reset")] == [
        '{"account":"works","reason":"account_key_replaced"}']


def test_two_workers_cannot_both_accept_one_code(demo: Demo, settings: Settings) -> None:
    from rongrian.admin.accounts import log_in
    from rongrian.intake.keyring import unlock_account
    from tests.conftest import PASSWORDS
    secret = second_factor.new_secret()
    totp = pyotp.TOTP(secret)
    with demo.sessions() as session:
        account, _ticket = log_in(session, "works", PASSWORDS["works"], strength="test")
        second_factor.enrol(session, account, secret, totp.now(),
                            server_secret=settings.secrets.staff_secret_key)
        session.execute(update(StaffSecondFactor).values(last_step=0))
        session.commit()
        unlocked = unlock_account(account, PASSWORDS["works"])
        code = totp.now()
        assert second_factor.verify(session, account, unlocked, code,
                                    server_secret=settings.secrets.staff_secret_key) == "totp"
        session.commit()
        with pytest.raises(second_factor.CodeReused):
            second_factor.verify(session, account, unlocked, code,
                                 server_secret=settings.secrets.staff_secret_key)


def _instance(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    create_secrets(tmp_path)
    monkeypatch.setenv("RONGRIAN_INSTANCE", str(tmp_path))


@pytest.mark.parametrize(("text", "roles"), [
    ("", {"admin", "custodian"}), ("none", set()), ("admin", {"admin"}),
    (" staff , admin ", {"staff", "admin"}),
])
def test_the_required_roles_follow_the_setting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                               text: str, roles: set[str]) -> None:
    _instance(monkeypatch, tmp_path)
    monkeypatch.setenv("RONGRIAN_STAFF_2FA_ROLES", text)
    assert from_environment().second_factor_roles == roles


@pytest.mark.parametrize("text", ["root", "admin,boss", ","])
def test_a_wrong_role_setting_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                        text: str) -> None:
    _instance(monkeypatch, tmp_path)
    monkeypatch.setenv("RONGRIAN_STAFF_2FA_ROLES", text)
    with pytest.raises(SetupError, match="RONGRIAN_STAFF_2FA_ROLES"):
        from_environment()


def test_enrolling_again_needs_a_code_of_the_current_second_factor(
        settings: Settings, engine: Engine, demo: Demo) -> None:
    client = _app(settings, engine).test_client()
    login(client, "works")
    old, codes = _enrolled(client)
    new, html = _enrol_page(client)
    assert 'id="current"' in html
    refused = post_form_same(client, html, {"code": new.now(), "current": "12345"})
    assert refused.status_code == 401
    with demo.sessions() as session:
        row = session.scalars(select(StaffSecondFactor)).one()
        assert second_factor.recovery_codes_left(session, row.account_id) == 10
    assert [e.detail for e in _actions(demo, "login_failed")] == ['{"reason":"second_factor"}']
    replaced = post_form_same(client, html, {"code": new.now(), "current": codes[0]})
    assert replaced.status_code == 200
    _log_out(client)
    login(client, "works")
    assert _send_code(client, _next_code(old)).status_code == 401  # the old app no longer
    assert _send_code(client, _next_code(new)).status_code == 303
