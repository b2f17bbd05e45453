"""E-mail notices on the citizen pages (issue 9 §4): an optional address on the form and on
/track, with its cost in anonymity said next to it; a malformed one is refused keeping the
rest; staff pages and the database never show it; the worker sends one notice after staff act."""

import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from rongrian.admin.notices_cli import send_waiting
from rongrian.crypto.keys import X25519PrivateKey
from rongrian.intake.casework import change_status
from rongrian.intake.closing import move_case
from rongrian.intake.keyring import UnlockedAccount
from rongrian.intake.models import Complaint, EmailNotice, Status
from rongrian.settings import Settings
from tests.admin.helpers import login
from tests.channels.web.helpers import (
    CASE_NUMBER,
    KNOWN_DISPLAY,
    TRACKING_CODE,
    Filed,
    as_staff,
    count_complaints,
    post_report,
    track,
)
from tests.conftest import Demo, SmtpSink, csrf_token
from tests.test_no_plaintext_at_rest import database_columns, leaks, sqlite_files

ADDRESS = "nid.notices@example.org"
COST_TH = "อีเมลอาจระบุตัวท่านได้ และผู้ให้บริการอีเมลของท่านจะรู้ว่าหน่วยงานนี้ส่งอีเมลถึงท่าน"
COST_EN = "your e-mail provider learns that this agency wrote to you"


@pytest.fixture
def mail_on(smtp_server: SmtpSink, monkeypatch: pytest.MonkeyPatch) -> SmtpSink:
    """E-mail configured for the apps (``RONGRIAN_SMTP_*`` pointing at the test server)."""
    monkeypatch.setenv("RONGRIAN_SMTP_HOST", smtp_server.host)
    monkeypatch.setenv("RONGRIAN_SMTP_PORT", str(smtp_server.port))
    monkeypatch.setenv("RONGRIAN_SMTP_SECURITY", "none")
    monkeypatch.setenv("RONGRIAN_SMTP_FROM", "rongrian@example.go.th")
    return smtp_server


def _rows(demo: Demo) -> int:
    with demo.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(EmailNotice)) or 0)


def test_the_option_is_offered_only_when_notices_can_be_sent(
        demo: Demo, public_client: FlaskClient, monkeypatch: pytest.MonkeyPatch,
        notifier_key: X25519PrivateKey, smtp_server: SmtpSink) -> None:
    monkeypatch.delenv("RONGRIAN_SMTP_HOST", raising=False)
    assert 'name="notice_email"' not in public_client.get("/report").get_data(as_text=True)
    monkeypatch.setenv("RONGRIAN_SMTP_HOST", smtp_server.host)
    monkeypatch.setenv("RONGRIAN_SMTP_FROM", "rongrian@example.go.th")
    page = public_client.get("/report").get_data(as_text=True)
    assert 'name="notice_email"' in page
    more = page.split('id="more"')[1]
    assert 'name="notice_email"' in more  # under "เพิ่มเติม"
    assert COST_TH in more
    assert COST_EN in public_client.get("/report?lang=en").get_data(as_text=True)


def test_without_a_notifier_key_the_option_is_not_offered(
        demo: Demo, public_client: FlaskClient, mail_on: SmtpSink) -> None:
    assert 'name="notice_email"' not in public_client.get("/report").get_data(as_text=True)
    response = post_report(public_client, {"notice_email": ADDRESS})
    assert response.status_code == 200  # filed; the address was not asked for, so not kept
    assert _rows(demo) == 0


def test_opting_in_on_the_form_keeps_only_a_sealed_address(
        demo: Demo, engine: Engine, public_client: FlaskClient, mail_on: SmtpSink,
        notifier_key: X25519PrivateKey) -> None:
    response = post_report(public_client, {"notice_email": f"  {ADDRESS} "})
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    assert TRACKING_CODE.search(page)
    assert ADDRESS not in page
    assert _rows(demo) == 1
    assert leaks({"address": ADDRESS}, database_columns(engine)) == []
    assert leaks({"address": ADDRESS}, sqlite_files(engine)) == []


MALFORMED = "อีเมลสำหรับรับการแจ้งเตือนควรมีรูปแบบ name@example.com"


@pytest.mark.parametrize(("bad", "says"), [
    ("nid@", MALFORMED),
    ("nid at example.org", MALFORMED),
    ("นิด@example.org", MALFORMED),
    ("nid@example", MALFORMED),
    ("x" * 300 + "@example.org", "อีเมลสำหรับรับการแจ้งเตือนยาวเกินไป ไม่เกิน 254 ตัวอักษร"),
])
def test_a_malformed_address_is_refused_keeping_the_rest(
        demo: Demo, public_client: FlaskClient, mail_on: SmtpSink,
        notifier_key: X25519PrivateKey, bad: str, says: str) -> None:
    response = post_report(public_client, {"notice_email": bad,
                                           "where_happened": "หน้าวัดป่าเลไลย์"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert says in page
    assert 'id="notice_email-error"' in page
    assert "หน้าวัดป่าเลไลย์" in page  # the rest of the form is kept
    assert "ถนนหน้าบ้านเป็นหลุมลึก" in page
    assert count_complaints(demo) == 0
    assert _rows(demo) == 0


def test_english_page_words_the_problem_in_english(
        demo: Demo, public_client: FlaskClient, mail_on: SmtpSink,
        notifier_key: X25519PrivateKey) -> None:
    token = csrf_token(public_client.get("/report?lang=en").get_data(as_text=True))
    response = post_report(public_client, {"notice_email": "nid@"}, token=token)
    assert "should look like name@example.com" in response.get_data(as_text=True)


def _notices_form(client: FlaskClient, data: dict[str, str]) -> tuple[int, str]:
    thread = track(client, KNOWN_DISPLAY).get_data(as_text=True)
    part = thread.split('id="notices"')[1]
    response = client.post("/track/notices", data={"code": KNOWN_DISPLAY,
                                                   "csrf_token": csrf_token(part), **data})
    return response.status_code, response.get_data(as_text=True)


def test_opting_in_and_out_on_the_tracking_page(
        demo: Demo, public_client: FlaskClient, mail_on: SmtpSink,
        notifier_key: X25519PrivateKey, filed: Filed) -> None:
    page = track(public_client, KNOWN_DISPLAY).get_data(as_text=True)
    assert 'id="notices-on"' not in page
    assert COST_TH in page.split('id="notices"')[1]
    status, page = _notices_form(public_client, {"action": "on", "notice_email": "nid@"})
    assert status == 400
    assert 'id="notices-problem"' in page
    assert 'value="nid@"' in page  # kept to correct
    assert _rows(demo) == 0
    status, page = _notices_form(public_client, {"action": "on", "notice_email": ADDRESS})
    assert status == 200
    assert 'id="notices-done"' in page
    assert 'id="notices-on"' in page
    assert ADDRESS not in page  # never shown back, even to the code holder
    assert _rows(demo) == 1
    status, page = _notices_form(public_client, {"action": "off"})
    assert status == 200
    assert 'id="notices-on"' not in page
    assert _rows(demo) == 0


def test_a_wrong_code_changes_nothing(demo: Demo, public_client: FlaskClient,
                                      mail_on: SmtpSink, notifier_key: X25519PrivateKey,
                                      filed: Filed) -> None:
    token = csrf_token(track(public_client, KNOWN_DISPLAY).get_data(as_text=True))
    response = public_client.post("/track/notices", data={
        "code": "ZZZZ-ZZZZ-ZZZZ-ZZZZ", "csrf_token": token, "action": "on",
        "notice_email": ADDRESS})
    assert response.status_code == 404
    assert _rows(demo) == 0


def _finish(session: Session, unlocked: UnlockedAccount, filed: Filed) -> None:
    move_case(session, unlocked, filed.complaint_id, Status.IN_PROGRESS)
    move_case(session, unlocked, filed.complaint_id, Status.RESOLVED, message="ซ่อมแล้ว")


def test_a_finished_case_offers_no_notices(demo: Demo, public_client: FlaskClient,
                                           mail_on: SmtpSink, notifier_key: X25519PrivateKey,
                                           filed: Filed) -> None:
    as_staff(demo, "works", lambda session, unlocked: _finish(session, unlocked, filed))
    page = track(public_client, KNOWN_DISPLAY).get_data(as_text=True)
    assert 'action="/track/notices"' not in page


def test_filed_on_the_web_staff_act_one_notice_goes_and_staff_never_see_the_address(
        demo: Demo, settings: Settings, public_client: FlaskClient, staff_client: FlaskClient,
        mail_on: SmtpSink, notifier_key: X25519PrivateKey) -> None:
    page = post_report(public_client, {"notice_email": ADDRESS}).get_data(as_text=True)
    code_match, number_match = TRACKING_CODE.search(page), CASE_NUMBER.search(page)
    assert code_match
    assert number_match
    code = code_match.group(1)
    with demo.sessions() as session:
        complaint_id = session.scalars(select(Complaint.id).where(
            Complaint.case_number == number_match.group(1))).one()
    as_staff(demo, "works", lambda session, unlocked: change_status(
        session, unlocked, complaint_id, Status.IN_PROGRESS, "รับเรื่องไว้ดำเนินการ"))
    login(staff_client, "works")
    for path in (f"/cases/{complaint_id}", "/cases", "/"):
        body = staff_client.get(path, follow_redirects=True).get_data(as_text=True)
        assert ADDRESS not in body
        assert "nid.notices" not in body

    run = send_waiting(demo.sessions, notifier_key, mail_on.mail_settings(),
                       settings.public_base_url)
    assert run.sent == 1
    [mail] = mail_on.messages
    assert mail["To"] == ADDRESS
    text = mail.as_string()
    assert code not in text
    assert re.sub("-", "", code) not in text
    assert number_match.group(1) not in text
    assert "ถนนหน้าบ้านเป็นหลุมลึก" not in mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
