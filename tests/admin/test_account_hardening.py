"""Staff accounts under attack (issue 13 M3, L1, L2, L3, L8): one account guessed from many
addresses, unknown names costing what known ones do, password changes guessed, one-time passwords
kept or reused, old sessions left in the database, and a reset colleague who looks routine."""

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import argon2
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, func, select, update
from werkzeug.test import TestResponse

from rongrian.admin import accounts, staffing
from rongrian.admin.accounts import add_staff, log_in, purge_expired
from rongrian.admin.web.app import create_staff_app
from rongrian.crypto import keys
from rongrian.intake.audit import COMMAND_LINE, Actor, as_utc
from rongrian.intake.errors import AuthenticationFailed
from rongrian.intake.grants import add_member, grant_by_member, pending_grants
from rongrian.intake.models import (
    AuditEntry,
    IssuedPassword,
    Role,
    StaffAccount,
    StaffSession,
    Unit,
)
from rongrian.settings import Settings
from tests.admin.helpers import login, page, post_form, sent_to_login
from tests.conftest import PASSWORDS, Demo, csrf_token
from tests.intake.helpers import unlock

WRONG_TH = "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง"
EXPIRED_TH = "รหัสผ่านใช้ครั้งเดียวนี้หมดอายุแล้ว"
USED_TH = "ใช้ได้เพียงครั้งเดียว"
ASK_ADMIN_TH = "กรุณาขอรหัสผ่านใหม่จากผู้ดูแลระบบ"


def _limited_app(settings: Settings, engine: Engine, **changes: Any) -> Flask:
    """The staff app with its rate limits on (the test settings turn them off)."""
    app = create_staff_app(replace(settings, ratelimit_enabled=True, **changes), engine=engine)
    app.config["TESTING"] = True
    return app


def _from(client: FlaskClient, address: str) -> FlaskClient:
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _actions(demo: Demo, action: str) -> list[AuditEntry]:
    with demo.sessions() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)
                                    .order_by(AuditEntry.seq)))


def _account(demo: Demo, username: str) -> StaffAccount:
    with demo.sessions() as session:
        return session.scalars(select(StaffAccount).where(
            StaffAccount.username == username)).one()


def _normalised(html: str) -> str:
    """The page without its CSRF token and the typed user name."""
    html = re.sub(r'(name="username"[^>]*value=")[^"]*"', r'\1USER"', html)
    html = re.sub(r'value="[^"]*"(?=[^>]*name="username")', 'value="USER"', html)
    return re.sub(r'value="[^"]*\.[^"]*"', 'value="TOKEN"', html)


# --- M3: one account guessed from many addresses ---


@pytest.mark.usefixtures("demo")
def test_many_addresses_guessing_one_account_lock_it_until_an_administrator_unlocks(
        settings: Settings, engine: Engine, demo: Demo) -> None:
    app = _limited_app(settings, engine)
    for number in range(1, 6):  # five addresses, two guesses each: no address is limited
        guesser = _from(app.test_client(), f"198.51.100.{number}")
        for attempt in range(2):
            assert login(guesser, "works", f"guess-{number}-{attempt}").status_code == 401
    # The right password from a sixth address is refused with the wrong-password page.
    owner = _from(app.test_client(), "203.0.113.9")
    right = login(owner, "works")
    wrong = login(_from(app.test_client(), "203.0.113.10"), "works", "another-guess")
    unknown = login(_from(app.test_client(), "203.0.113.11"), "nobody", "another-guess")
    assert (right.status_code, wrong.status_code, unknown.status_code) == (401, 401, 401)
    assert WRONG_TH in right.get_data(as_text=True)
    assert _normalised(right.get_data(as_text=True)) == _normalised(
        unknown.get_data(as_text=True)) == _normalised(wrong.get_data(as_text=True))
    assert sent_to_login(owner.get("/cases"))
    [locked] = _actions(demo, "account_locked")
    assert locked.actor_name == "works"
    assert _account(demo, "works").locked_until is not None

    # The administrator sees the lock on the account page and lifts it (audited).
    admin = _from(app.test_client(), "192.0.2.1")
    login(admin, "admin")
    works_id = _account(demo, "works").id
    status, body = page(admin, f"/admin/staff/{works_id}")
    assert status == 200
    assert 'id="locked-note"' in body
    response = post_form(admin, f"/admin/staff/{works_id}", f"/admin/staff/{works_id}/unlock",
                         {})
    assert response.status_code == 302
    [lifted] = _actions(demo, "account_unlocked")
    assert lifted.actor_name == "admin"
    assert 'id="locked-note"' not in page(admin, f"/admin/staff/{works_id}")[1]
    assert login(owner, "works").status_code == 302


def test_unknown_names_fail_the_same_way_however_often(staff_client: FlaskClient,
                                                       demo: Demo) -> None:
    """Ten failures for an unknown name and for a known one: the same page every time, and
    only the known account is locked (in the database, not on the page)."""
    pages = set()
    for attempt in range(10):
        for username in ("works", "nobody"):
            response = login(staff_client, username, f"guess-{attempt}")
            assert response.status_code == 401
            pages.add(_normalised(response.get_data(as_text=True)))
    assert len(pages) == 1
    assert _account(demo, "works").locked_until is not None


def test_a_lock_ends_by_itself(demo: Demo) -> None:
    start = datetime.now(UTC)
    with demo.sessions() as session:
        for _ in range(5):
            accounts.record_failed_login(session, "works", now=start)
        session.commit()
    with demo.sessions() as session, pytest.raises(accounts.AccountLocked):
        log_in(session, "works", PASSWORDS["works"], strength="test",
               now=start + timedelta(minutes=14))
    with demo.sessions() as session:
        account, _ticket = log_in(session, "works", PASSWORDS["works"], strength="test",
                                  now=start + timedelta(minutes=16))
        assert account.failed_logins == 0


def test_staff_unlock_command_lifts_the_lock(demo: Demo, settings: Settings,
                                             monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    from rongrian.admin.cli import main

    monkeypatch.setenv("RONGRIAN_INSTANCE", str(settings.instance_path))
    monkeypatch.setenv("RONGRIAN_DATABASE_URL", settings.database_url)
    with demo.sessions() as session:
        for _ in range(5):
            accounts.record_failed_login(session, "works")
        session.commit()
    assert main(["staff", "unlock", "Works"]) == 0
    assert "unlocked" in capsys.readouterr().out
    assert _account(demo, "works").locked_until is None
    [lifted] = _actions(demo, "account_unlocked")
    assert lifted.actor_name == COMMAND_LINE
    assert main(["staff", "unlock", "nobody"]) == 2
    assert "ไม่พบบัญชีผู้ใช้" in capsys.readouterr().err


class _KdfSpy:
    """Records every Argon2 login-hash check and every key derivation, with its parameters,
    and fails each one at once (nothing is computed)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[tuple[str, object]] = []
        spy = self

        def verify(_hasher: object, hashed: str, _password: str) -> bool:
            spy.calls.append(("argon2-cffi verify", argon2.extract_parameters(hashed)))
            raise argon2.exceptions.VerifyMismatchError

        def derive(_password: str, params: keys.KdfParams) -> bytes:
            spy.calls.append(("derive_password_key", replace(params, salt=b"")))
            return bytes(32)

        monkeypatch.setattr(argon2.PasswordHasher, "verify", verify)
        monkeypatch.setattr(keys, "derive_password_key", derive)

    def take(self) -> list[tuple[str, object]]:
        calls, self.calls = self.calls, []
        return calls


def test_unknown_and_known_names_cost_the_same_key_derivations(
        demo: Demo, monkeypatch: pytest.MonkeyPatch) -> None:
    """Same KDF functions, same parameters, same number of calls, at the real strength."""
    with demo.sessions() as session:
        add_staff(session, username="somchai", display_name="สมชาย", role=Role.STAFF,
                  password="somchai-pass-1", strength="interactive")
        session.commit()
        with pytest.raises(AuthenticationFailed):  # the first attempt of the process
            log_in(session, "no-such-user", "whatever", strength="interactive")
    spy = _KdfSpy(monkeypatch)
    with demo.sessions() as session:
        for username in ("somchai", "no-such-user"):
            with pytest.raises(AuthenticationFailed):
                log_in(session, username, "a-wrong-password", strength="interactive")
    known, unknown = spy.calls[:len(spy.calls) // 2], spy.calls[len(spy.calls) // 2:]
    assert known == unknown
    assert [name for name, _ in known] == ["argon2-cffi verify", "derive_password_key"]
    assert known[0][1] == argon2.extract_parameters(argon2.PasswordHasher().hash("x"))
    assert known[1][1] == replace(keys.new_kdf_params(strength="interactive"), salt=b"")


# --- L1: password changes ---


def test_wrong_current_passwords_are_limited_per_account_and_audited(
        settings: Settings, engine: Engine, demo: Demo) -> None:
    app = _limited_app(settings, engine)
    member = app.test_client()
    login(member, "works")

    def change(client: FlaskClient, current: str) -> TestResponse:
        return post_form(client, "/account/password", "/account/password", {
            "current_password": current, "new_password": "ท่อระบายน้ำ-2568",
            "confirm": "ท่อระบายน้ำ-2568"})

    answers = [change(member, f"guess-{attempt}").status_code for attempt in range(5)]
    assert answers == [400] * 5
    assert change(member, PASSWORDS["works"]).status_code == 429  # the right one must wait
    elsewhere = _from(app.test_client(), "198.51.100.77")  # the same account, another address
    login(elsewhere, "works")
    assert change(elsewhere, PASSWORDS["works"]).status_code == 429
    failed = _actions(demo, "password_change_failed")
    assert [entry.actor_name for entry in failed] == ["works"] * 5
    colleague = app.test_client()
    login(colleague, "finance")
    assert change(colleague, PASSWORDS["finance"]).status_code == 302  # per account


# --- L2: one-time passwords ---


def _new_account(demo: Demo, username: str = "somsak", *, issued_ago: timedelta | None = None
                 ) -> str:
    with demo.sessions() as session:
        _account_, password = staffing.create_staff_account(
            session, username=username, display_name="สมศักดิ์ ขยันดี", role=Role.STAFF,
            actor=Actor(None, COMMAND_LINE), strength="test")
        if issued_ago is not None:
            session.execute(update(IssuedPassword).values(
                issued_at=datetime.now(UTC) - issued_ago))
        session.commit()
    return password


def test_a_one_time_password_works_once(staff_app: Flask, demo: Demo) -> None:
    one_time = _new_account(demo)
    first = staff_app.test_client()
    assert login(first, "somsak", one_time).status_code == 302
    assert first.get("/cases").location == "/account/password"
    second = staff_app.test_client()
    response = login(second, "somsak", one_time)
    assert response.status_code == 401
    body = response.get_data(as_text=True)
    assert USED_TH in body
    assert ASK_ADMIN_TH in body
    assert sent_to_login(second.get("/account/password"))
    # The first session can still choose the password; then the chosen one works.
    assert post_form(first, "/account/password", "/account/password", {
        "current_password": one_time, "new_password": "ท่อระบายน้ำ-2568",
        "confirm": "ท่อระบายน้ำ-2568"}).status_code == 302
    assert login(staff_app.test_client(), "somsak", "ท่อระบายน้ำ-2568").status_code == 302


@pytest.mark.parametrize(("hours_ago", "expired"), [(71, False), (73, True)])
def test_a_one_time_password_expires_after_72_hours(staff_client: FlaskClient, demo: Demo,
                                                    hours_ago: int, expired: bool) -> None:
    one_time = _new_account(demo, issued_ago=timedelta(hours=hours_ago))
    response = login(staff_client, "somsak", one_time)
    if not expired:
        assert response.status_code == 302
        return
    assert response.status_code == 401
    body = response.get_data(as_text=True)
    assert EXPIRED_TH in body
    assert ASK_ADMIN_TH in body
    staff_client.get("/login?lang=en")
    english = login(staff_client, "somsak", one_time).get_data(as_text=True)
    assert "has expired" in english
    assert "ask your administrator for a new one" in english
    with demo.sessions() as session:
        assert session.scalar(select(func.count()).select_from(StaffSession)) == 0


def test_the_expiry_follows_the_setting(settings: Settings, engine: Engine, demo: Demo) -> None:
    app = create_staff_app(replace(settings, one_time_password_hours=1), engine=engine)
    one_time = _new_account(demo, issued_ago=timedelta(hours=2))
    assert login(app.test_client(), "somsak", one_time).status_code == 401


def test_a_reset_issues_a_fresh_one_time_password(staff_client: FlaskClient, demo: Demo) -> None:
    one_time = _new_account(demo)
    assert login(staff_client, "somsak", one_time).status_code == 302
    with demo.sessions() as session:
        account = session.scalars(select(StaffAccount).where(
            StaffAccount.username == "somsak")).one()
        fresh = staffing.reset_password(session, account, actor=Actor(None, COMMAND_LINE),
                                        strength="test")
        session.commit()
    assert login(staff_client.application.test_client(), "somsak", fresh).status_code == 302


# --- L3: old and idle sessions ---


def _session_count(demo: Demo) -> int:
    with demo.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(StaffSession)) or 0)


def test_login_purges_expired_and_idle_sessions(staff_app: Flask, demo: Demo) -> None:
    login(staff_app.test_client(), "works")
    login(staff_app.test_client(), "finance")
    long_ago = datetime.now(UTC) - timedelta(hours=9)
    with demo.sessions() as session:
        works_id = _account(demo, "works").id
        session.execute(update(StaffSession).where(StaffSession.account_id == works_id)
                        .values(created_at=long_ago, expires_at=long_ago + timedelta(hours=8),
                                last_seen_at=long_ago))
        session.execute(update(StaffSession).where(StaffSession.account_id != works_id)
                        .values(last_seen_at=datetime.now(UTC) - timedelta(minutes=45)))
        session.commit()
    assert _session_count(demo) == 2
    login(staff_app.test_client(), "executive")
    assert _session_count(demo) == 1  # only the new one


def test_purge_expired_is_what_maintenance_calls(demo: Demo) -> None:
    now = datetime.now(UTC)
    with demo.sessions() as session:
        for username, minutes in (("works", 5), ("finance", 40)):
            log_in(session, username, PASSWORDS[username], strength="test",
                   now=now - timedelta(minutes=minutes))
        session.commit()
        assert purge_expired(session, now=now) == 0
        assert purge_expired(session, idle_minutes=30, now=now) == 1
        session.commit()
    assert _session_count(demo) == 1


@pytest.mark.parametrize(("idle", "ends"), [(29, False), (31, True)])
def test_an_idle_session_ends_and_the_user_logs_in_again(staff_client: FlaskClient, demo: Demo,
                                                         idle: int, ends: bool) -> None:
    login(staff_client, "works")
    earlier = datetime.now(UTC) - timedelta(minutes=idle)
    with demo.sessions() as session:
        session.execute(update(StaffSession).values(created_at=earlier, last_seen_at=earlier))
        session.commit()
    response = staff_client.get("/cases")
    if not ends:
        assert response.status_code == 200
        with demo.sessions() as session:
            seen = session.scalar(select(StaffSession.last_seen_at))
            assert seen is not None
            assert as_utc(seen) > earlier + timedelta(minutes=idle - 1)
        return
    assert sent_to_login(response, "/cases")
    assert _session_count(demo) == 0  # the row, and the sealed key in it, are gone
    assert "กรุณาเข้าสู่ระบบอีกครั้ง" in page(staff_client, response.location or "")[1]


def test_the_idle_time_follows_the_setting(settings: Settings, engine: Engine,
                                           demo: Demo) -> None:
    app = create_staff_app(replace(settings, staff_idle_minutes=5), engine=engine)
    client = app.test_client()
    login(client, "works")
    with demo.sessions() as session:
        session.execute(update(StaffSession).values(
            last_seen_at=datetime.now(UTC) - timedelta(minutes=6)))
        session.commit()
    assert sent_to_login(client.get("/cases"))


# --- L8: a reset colleague ---


def test_the_grant_page_says_who_reset_the_account_and_when(staff_app: Flask,
                                                             demo: Demo) -> None:
    with demo.sessions() as session:  # a second WORKS member who holds the key
        second = add_staff(session, username="works2", display_name="ช่างสอง",
                           role=Role.STAFF, password="works2-pass-1", strength="test")
        add_member(session, second, session.get(Unit, demo.organisation.units["WORKS"].id))
        grant_by_member(session, unlock(session, "works"), second.id,
                        pending_grants(session)[0].ring_id)
        session.commit()
    admin = staff_app.test_client()
    login(admin, "admin")
    works_id = _account(demo, "works").id
    response = post_form(admin, f"/admin/staff/{works_id}", f"/admin/staff/{works_id}/reset", {})
    one_time = re.search(r'id="one-time-password">([a-z0-9-]{19})<',
                         response.get_data(as_text=True))
    assert one_time
    assert "ใช้เข้าสู่ระบบได้ครั้งเดียว ภายใน 72 ชั่วโมง" in response.get_data(as_text=True)
    holder = staff_app.test_client()
    login(holder, "works", one_time.group(1))
    post_form(holder, "/account/password", "/account/password", {
        "current_password": one_time.group(1), "new_password": "ท่อระบายน้ำ-2568",
        "confirm": "ท่อระบายน้ำ-2568"})
    colleague = staff_app.test_client()
    login(colleague, "works2", "works2-pass-1")
    status, body = page(colleague, "/grants")
    assert status == 200
    row = body[body.index('data-username="works"'):]
    row = row[:row.index("</tr>")]
    assert "ถูกรีเซ็ตโดย admin" in row
    assert "key-reset" in row
    english = page(colleague, "/grants?lang=en")[1]
    assert "Password and key reset by admin on" in english


# --- issue 7 §4: the log-in page takes the user back ---


@pytest.mark.parametrize("wanted", [
    "/summary", "/summary?period=2568-Q1", "/account/password",
])
def test_login_takes_the_user_back_to_the_page_they_wanted(staff_client: FlaskClient,
                                                           wanted: str) -> None:
    response = staff_client.get(wanted)
    assert sent_to_login(response, wanted)
    form_page = staff_client.get(response.location or "").get_data(as_text=True)
    token = csrf_token(form_page)
    action = re.search(r'<form method="post" action="([^"]+)"', form_page)
    assert action
    answer = staff_client.post(action.group(1).replace("&amp;", "&"), data={
        "username": "executive", "password": PASSWORDS["executive"], "csrf_token": token})
    assert answer.status_code == 302
    assert answer.location == wanted


@pytest.mark.parametrize("evil", [
    "https://evil.example/", "//evil.example/x", "/\\evil.example", "\\\\evil.example",
    "javascript:alert(1)", "http:/evil.example", " //evil.example", "/\r\nSet-Cookie: x=1",
    "/\t/evil.example", "evil.example", "",
])
def test_login_never_leaves_the_site(staff_client: FlaskClient, evil: str) -> None:
    token = csrf_token(staff_client.get("/login").get_data(as_text=True))
    answer = staff_client.post("/login", query_string={"next": evil}, data={
        "username": "executive", "password": PASSWORDS["executive"], "csrf_token": token})
    assert answer.status_code == 302
    assert answer.location == "/summary"
    assert staff_client.get("/login", query_string={"next": evil}).location == "/summary"


def test_next_keeps_the_mount_point_and_stays_inside_it(staff_app: Flask) -> None:
    client = staff_app.test_client()
    base = "http://localhost/staff"
    response = client.get("/cases", base_url=base)
    assert response.status_code == 303
    assert response.location == "/staff/login?next=/staff/cases"
    for target, landing in (("/staff/cases", "/staff/cases"), ("/public/report", "/staff/cases")):
        fresh = staff_app.test_client()
        token = csrf_token(fresh.get("/login", base_url=base).get_data(as_text=True))
        answer = fresh.post("/login", base_url=base, query_string={"next": target}, data={
            "username": "works", "password": PASSWORDS["works"], "csrf_token": token})
        assert answer.location == landing
