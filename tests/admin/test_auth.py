"""Staff log-in, log-out and what happens to a session that is no longer live."""

import re
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine, delete, func, select, update

from rongrian.admin.web.app import STAFF_COOKIE, create_staff_app
from rongrian.admin.web.auth import TICKET
from rongrian.intake.models import StaffSession
from rongrian.settings import Settings
from tests.admin.helpers import Filer, login, page, post_form, sent_to_login
from tests.conftest import PASSWORDS, Demo, csrf_token

#: Reports of earlier fiscal years need the agency installed by then (issue 10).
pytestmark = pytest.mark.usefixtures("installed_before")

WRONG_LOGIN_TH = "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง"
WRONG_LOGIN_EN = "Wrong user name or password."


def _sessions(demo: Demo) -> int:
    with demo.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(StaffSession)) or 0)


def _normalised(html: str, username: str) -> str:
    """The page without its CSRF tokens and the typed user name."""
    html = html.replace(f'value="{username}"', 'value="USER"')
    return re.sub(r'value="[^"]*\.[^"]*"', 'value="TOKEN"', html)


@pytest.mark.parametrize(("username", "start"), [
    ("works", "/cases"),
    ("palad", "/cases"),
    ("integrity", "/cases"),
    ("executive", "/summary"),
    ("admin", "/summary"),
])
def test_login_takes_each_role_to_its_start_page(staff_client: FlaskClient, username: str,
                                                  start: str) -> None:
    response = login(staff_client, username)
    assert response.status_code == 302
    assert response.location == start
    status, body = page(staff_client, start)
    assert status == 200
    assert "ออกจากระบบ" in body  # the nav offers log-out to a logged-in member


def test_login_is_case_insensitive_in_the_user_name(staff_client: FlaskClient) -> None:
    assert login(staff_client, "  Works ", PASSWORDS["works"]).location == "/cases"


@pytest.mark.parametrize(("username", "password"), [
    ("works", "not-the-password"),
    ("works", PASSWORDS["finance"]),
    ("nobody", "whatever-1"),
    ("executive", PASSWORDS["executive"] + " "),
])
def test_wrong_user_or_password_gets_one_message(staff_client: FlaskClient, demo: Demo,
                                                 username: str, password: str) -> None:
    reference = login(staff_client, "no-such-user", "x")
    response = login(staff_client, username, password)
    body = response.get_data(as_text=True)
    assert response.status_code == 401
    assert WRONG_LOGIN_TH in body
    assert WRONG_LOGIN_EN in body
    assert _normalised(body, username) == _normalised(reference.get_data(as_text=True),
                                                      "no-such-user")
    assert f'value="{username}"' in body  # the user name is kept, the password is not
    assert password not in body.replace(f'value="{username}"', "")
    assert _sessions(demo) == 0
    assert sent_to_login(staff_client.get("/cases"))


@pytest.mark.parametrize("data", [
    {"username": "", "password": ""},
    {"username": "works", "password": ""},
    {"username": "", "password": PASSWORDS["works"]},
    {"username": "works" * 20, "password": PASSWORDS["works"]},
])
def test_incomplete_login_is_400_with_the_form(staff_client: FlaskClient,
                                               data: dict[str, str]) -> None:
    response = post_form(staff_client, "/login", "/login", data)
    assert response.status_code == 400
    assert 'name="username"' in response.get_data(as_text=True)
    assert sent_to_login(staff_client.get("/cases"))


@pytest.mark.parametrize("token", [None, "", "forged.token.value"])
def test_login_without_a_valid_csrf_token_is_refused(staff_client: FlaskClient, demo: Demo,
                                                     token: str | None) -> None:
    staff_client.get("/login")
    data = {"username": "works", "password": PASSWORDS["works"]}
    if token is not None:
        data["csrf_token"] = token
    response = staff_client.post("/login", data=data)
    assert response.status_code == 400
    assert "แบบฟอร์มหมดอายุ" in response.get_data(as_text=True)
    assert _sessions(demo) == 0
    assert sent_to_login(staff_client.get("/cases"))


def test_the_cookie_holds_the_ticket_and_nothing_about_the_client(
        staff_client: FlaskClient) -> None:
    login(staff_client, "works")
    with staff_client.session_transaction() as session:
        assert set(session[TICKET]) == {"token", "key"}
        assert "_id" not in session  # Flask-Login's hash of address and browser
        assert "_user_id" not in session


def test_logout_ends_the_server_session_and_the_old_cookie_opens_nothing(
        staff_client: FlaskClient, demo: Demo) -> None:
    login(staff_client, "works")
    assert _sessions(demo) == 1
    old_cookie = staff_client.get_cookie(STAFF_COOKIE)
    assert old_cookie is not None
    response = post_form(staff_client, "/cases", "/logout", {})
    assert response.status_code == 302
    assert response.location == "/login"
    assert _sessions(demo) == 0
    staff_client.set_cookie(STAFF_COOKIE, old_cookie.value)
    assert sent_to_login(staff_client.get("/cases"), "/cases")


def test_logout_needs_a_post_with_csrf(staff_client: FlaskClient, demo: Demo) -> None:
    login(staff_client, "works")
    assert staff_client.get("/logout").status_code == 405
    assert staff_client.post("/logout").status_code == 400
    assert _sessions(demo) == 1
    assert staff_client.get("/cases").status_code == 200


def _protected_pages(case_id: str) -> list[str]:
    return ["/cases", f"/cases/{case_id}", "/summary", "/summary.docx?period=2568"]


@pytest.mark.parametrize("how", ["deleted", "expired"])
@pytest.mark.parametrize("index", range(4))
def test_stale_session_goes_to_the_login_page(staff_client: FlaskClient, demo: Demo,
                                              file: Filer, how: str, index: int) -> None:
    receipt = file()
    username = "works" if index < 2 else "executive"
    login(staff_client, username)
    path = _protected_pages(str(receipt.complaint_id))[index]
    assert staff_client.get(path).status_code == 200
    with demo.sessions() as session:
        if how == "deleted":
            session.execute(delete(StaffSession))
        else:
            session.execute(update(StaffSession).values(
                expires_at=datetime.now(UTC) - timedelta(minutes=1)))
        session.commit()
    response = staff_client.get(path)
    assert sent_to_login(response, path)
    status, body = page(staff_client, response.location)
    assert status == 200
    assert "กรุณาเข้าสู่ระบบอีกครั้ง" in body  # "Your session has ended. Please log in again."


@pytest.mark.parametrize("action", ["status", "reply"])
def test_stale_session_cannot_post_to_a_case(staff_client: FlaskClient, demo: Demo,
                                             file: Filer, action: str) -> None:
    receipt = file()
    login(staff_client, "works")
    case_page = f"/cases/{receipt.complaint_id}"
    token = csrf_token(staff_client.get(case_page).get_data(as_text=True))
    with demo.sessions() as session:
        session.execute(delete(StaffSession))
        session.commit()
    response = staff_client.post(f"{case_page}/{action}", data={
        "csrf_token": token, "status": "screening", "note": "", "text": "สวัสดี"})
    assert sent_to_login(response)
    assert "next=" not in (response.location or "")  # never back to a POST-only address


@pytest.mark.parametrize("cookie", ["garbage", "eyJzdGFmZl90aWNrZXQiOnt9fQ.AAAA.BBBB", ""])
def test_forged_cookie_goes_to_login(staff_client: FlaskClient, cookie: str) -> None:
    staff_client.set_cookie(STAFF_COOKIE, cookie)
    assert sent_to_login(staff_client.get("/cases"))


def test_ticket_with_a_wrong_key_goes_to_login(staff_client: FlaskClient) -> None:
    login(staff_client, "works")
    with staff_client.session_transaction() as session:
        session[TICKET] = {"token": session[TICKET]["token"], "key": "A" * 43 + "="}
    assert sent_to_login(staff_client.get("/cases"))


@pytest.mark.parametrize("ticket", [
    "just-a-string", {"token": 5, "key": "x"}, {"token": "ทดสอบ", "key": "x"}, {"key": "x"},
])
def test_malformed_ticket_goes_to_login(staff_client: FlaskClient, ticket: object) -> None:
    with staff_client.session_transaction() as session:
        session[TICKET] = ticket
    assert sent_to_login(staff_client.get("/cases"))


@pytest.mark.parametrize("path", [
    "/cases", f"/cases/{uuid.uuid4()}", "/summary", "/summary.docx",
])
def test_pages_need_a_login(staff_client: FlaskClient, path: str) -> None:
    assert sent_to_login(staff_client.get(path), path)


def test_start_page_sends_visitors_to_login(staff_client: FlaskClient) -> None:
    response = staff_client.get("/")
    assert response.status_code == 302
    assert response.location == "/login"
    login(staff_client, "executive")
    assert staff_client.get("/").location == "/summary"
    assert staff_client.get("/login").location == "/summary"


def test_nav_links_follow_the_role(staff_client: FlaskClient) -> None:
    login(staff_client, "executive")
    body = staff_client.get("/summary").get_data(as_text=True)
    assert 'href="/summary"' in body
    assert 'href="/cases"' not in body
    assert "นายกเทศมนตรี (ผู้บริหาร)" in body
    assert re.search(r'<form method="post" action="/logout"[^>]*>\s*'
                     r'<input type="hidden" name="csrf_token" value="[^"]+">', body)


@pytest.mark.usefixtures("demo")
def test_repeated_login_attempts_are_slowed_down(settings: Settings, engine: Engine) -> None:
    app = create_staff_app(replace(settings, ratelimit_enabled=True), engine=engine)
    client = app.test_client()
    answers = [login(client, "works", f"guess-{attempt}") for attempt in range(11)]
    assert [answer.status_code for answer in answers] == [401] * 10 + [429]
    assert "ส่งคำขอถี่เกินไป" in answers[-1].get_data(as_text=True)
    assert login(client, "works").status_code == 429  # even the right password must wait
