"""Unit staff triage through the staff app: the case list, the case page, status and replies."""

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from flask.testing import FlaskClient

from rongrian.admin.accounts import add_staff
from rongrian.intake.models import EventKind, Role, Status, UnitMembership
from rongrian.intake.store import LIMITS, read_thread
from rongrian.settings import Settings
from tests.admin.helpers import (
    FINANCE_TEXT,
    TIP_TEXT,
    WORKS_TEXT,
    Filer,
    case_links,
    login,
    page,
    post_form,
    status_of,
)
from tests.conftest import Demo


def test_staff_see_only_their_units_cases(staff_client: FlaskClient, file: Filer) -> None:
    works = file(unit_code="WORKS")
    finance = file(unit_code="FINANCE", what_happened=FINANCE_TEXT)
    tip = file(kind="tip", category_code="corruption", unit_code="WORKS", what_happened=TIP_TEXT)
    expected = {
        "works": {works.case_number},
        "finance": {finance.case_number},
        "integrity": {tip.case_number},
        "palad": set(),
    }
    for username, numbers in expected.items():
        client = staff_client.application.test_client()
        login(client, username)
        status, body = page(client, "/cases")
        assert status == 200
        assert case_links(body) == numbers, username
        for text in (WORKS_TEXT, FINANCE_TEXT, TIP_TEXT):
            assert text not in body  # the list shows clear fields only


def test_case_list_shows_the_clear_fields(staff_client: FlaskClient, file: Filer) -> None:
    file(channel="qr", kind="grievance")
    login(staff_client, "works")
    _, body = page(staff_client, "/cases")
    for expected in ("เรื่องร้องทุกข์ทั่วไป", "คิวอาร์โค้ด", "ร้องทุกข์", "รับเรื่อง"):
        assert expected in body
    today = datetime.now(UTC).date()
    assert f"{today.year + 543}" in body  # dates in พ.ศ.
    assert "เกินกำหนด</span>" not in body


def test_overdue_cases_carry_a_badge(staff_client: FlaskClient, file: Filer) -> None:
    old = file(now=datetime.now(UTC) - timedelta(days=40))  # general grievance: 15 days
    login(staff_client, "works")
    _, body = page(staff_client, "/cases")
    row = body[body.index(old.case_number):]
    row = row[:row.index("</tr>")]
    assert '<span class="badge overdue">เกินกำหนด</span>' in row
    assert '<td data-label="อายุเรื่อง (วัน)" class="num">40</td>' in row


def test_opening_a_case_shows_the_decrypted_text(staff_client: FlaskClient, file: Filer) -> None:
    receipt = file(what_happened=WORKS_TEXT + "\n<script>alert(1)</script>",
                   who_involved="นายช่าง ก.")
    login(staff_client, "works")
    status, body = page(staff_client, f"/cases/{receipt.complaint_id}")
    assert status == 200
    assert WORKS_TEXT in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "<script>alert(1)" not in body
    assert re.search(r'<div class="pre" id="who-involved">นายช่าง ก.</div>', body)
    assert receipt.case_number in body
    assert receipt.tracking_code not in body


def test_the_complainants_identity_is_never_shown(staff_client: FlaskClient,
                                                  file: Filer) -> None:
    from rongrian.intake.store import Identity

    receipt = file(identity=Identity("สมศรี ผู้ร้อง", "081-234-5678", "somsri@example.org"))
    for username in ("works", "integrity", "admin"):
        client = staff_client.application.test_client()
        login(client, username)
        _, body = page(client, f"/cases/{receipt.complaint_id}")
        for secret in ("สมศรี", "081-234-5678", "somsri@example.org"):
            assert secret not in body


def _without_tokens(html: str) -> str:
    return re.sub(r'value="[^"]*"(?=[^>]*name="csrf_token")|(?<=name="csrf_token" value=")[^"]*',
                  "", html)


@pytest.mark.parametrize("username", ["finance", "palad", "integrity", "admin"])
def test_other_units_get_the_same_404_as_a_missing_case(staff_client: FlaskClient,
                                                        file: Filer, username: str) -> None:
    receipt = file()
    login(staff_client, username)
    page(staff_client, f"/cases/{uuid.uuid4()}")  # shows (and so clears) the welcome message
    status, body = page(staff_client, f"/cases/{receipt.complaint_id}")
    missing = uuid.uuid4()
    missing_status, missing_body = page(staff_client, f"/cases/{missing}")
    assert status == missing_status == 404
    # The logout form's CSRF token carries a timestamp: it may differ across a second boundary.
    assert _without_tokens(body.replace(str(receipt.complaint_id), "ID")) == _without_tokens(
        missing_body.replace(str(missing), "ID"))
    assert WORKS_TEXT not in body


@pytest.mark.parametrize("path", [
    "/cases/not-a-uuid", "/cases/12345", "/cases/%E0%B8%81", f"/cases/{uuid.uuid4()}x",
])
def test_malformed_case_ids_are_404(staff_client: FlaskClient, path: str) -> None:
    login(staff_client, "works")
    assert staff_client.get(path).status_code == 404


def test_corruption_tip_naming_works_goes_to_the_integrity_unit(
        staff_client: FlaskClient, file: Filer) -> None:
    tip = file(kind="tip", category_code="corruption", unit_code="WORKS", what_happened=TIP_TEXT)
    login(staff_client, "works")
    status, body = page(staff_client, f"/cases/{tip.complaint_id}")
    assert status == 404
    assert TIP_TEXT not in body
    assert tip.case_number not in page(staff_client, "/cases")[1]
    integrity = staff_client.application.test_client()
    login(integrity, "integrity")
    status, body = page(integrity, f"/cases/{tip.complaint_id}")
    assert status == 200
    assert TIP_TEXT in body
    assert "หน่วยตรวจสอบภายใน" in body
    assert re.search(r'id="named-unit">กองช่าง<', body)


def test_status_change_with_a_note_shows_in_the_thread(
        staff_client: FlaskClient, file: Filer, demo: Demo, settings: Settings) -> None:
    receipt = file()
    case_page = f"/cases/{receipt.complaint_id}"
    login(staff_client, "works")
    note = "ส่งช่างไปตรวจสอบพื้นที่วันจันทร์"
    response = post_form(staff_client, case_page, f"{case_page}/status",
                         {"status": "in_progress", "note": note})
    assert response.status_code == 302
    assert response.location == case_page
    status, body = page(staff_client, case_page)
    assert "เปลี่ยนสถานะเป็น “อยู่ระหว่างดำเนินการ” แล้ว" in body  # the flashed confirmation
    thread = body[body.index('id="thread"'):]
    assert "สถานะ: อยู่ระหว่างดำเนินการ" in thread
    assert note in thread
    assert status_of(demo, receipt.complaint_id) == (Status.IN_PROGRESS, 2)
    with demo.sessions() as session:
        view = read_thread(session, settings.secrets.tracking_pepper, receipt.tracking_code)
    assert view.status == Status.IN_PROGRESS
    assert [entry.status for entry in view.entries] == [Status.RECEIVED, Status.IN_PROGRESS]
    assert all(entry.text is None for entry in view.entries)  # the note stays internal


def test_status_form_offers_only_allowed_moves(staff_client: FlaskClient, file: Filer) -> None:
    receipt = file()
    login(staff_client, "works")
    _, body = page(staff_client, f"/cases/{receipt.complaint_id}")
    select_html = body[body.index('<select id="status"'):]
    select_html = select_html[:select_html.index("</select>")]
    values = re.findall(r'<option value="([a-z_]+)"', select_html)
    assert values == ["screening", "forwarded", "in_progress", "rejected"]
    assert "ตรวจสอบเบื้องต้น" in select_html


@pytest.mark.parametrize(("target", "message"), [
    ("closed", "ไม่ได้เปลี่ยนแปลง"),
    ("resolved", "ไม่ได้เปลี่ยนแปลง"),
    ("received", "ไม่ได้เปลี่ยนแปลง"),
    ("flying", "กรุณาเลือกสถานะ"),
    ("", "กรุณาเลือกสถานะ"),
], ids=["closed", "resolved", "received", "unknown", "empty"])
def test_refused_status_change_is_400_and_changes_nothing(
        staff_client: FlaskClient, file: Filer, demo: Demo, target: str, message: str) -> None:
    receipt = file()
    case_page = f"/cases/{receipt.complaint_id}"
    login(staff_client, "works")
    note = "บันทึกที่ไม่ควรถูกเก็บ"
    response = post_form(staff_client, case_page, f"{case_page}/status",
                         {"status": target, "note": note})
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in body
    assert note in body  # what was typed is kept
    assert status_of(demo, receipt.complaint_id) == (Status.RECEIVED, 1)


def test_too_long_note_is_400_and_changes_nothing(staff_client: FlaskClient, file: Filer,
                                                  demo: Demo) -> None:
    receipt = file()
    case_page = f"/cases/{receipt.complaint_id}"
    login(staff_client, "works")
    response = post_form(staff_client, case_page, f"{case_page}/status",
                         {"status": "screening", "note": "ก" * (LIMITS["note"] + 1)})
    assert response.status_code == 400
    assert "ยาวเกินไป" in response.get_data(as_text=True)
    assert status_of(demo, receipt.complaint_id) == (Status.RECEIVED, 1)


def test_finished_case_offers_no_status_change(staff_client: FlaskClient, file: Filer) -> None:
    receipt = file()
    case_page = f"/cases/{receipt.complaint_id}"
    login(staff_client, "works")
    post_form(staff_client, case_page, f"{case_page}/status",
              {"status": "rejected", "note": "", "message": "ไม่อยู่ในอำนาจหน้าที่"})
    _, body = page(staff_client, case_page)
    assert '<select id="status"' not in body
    assert "เปลี่ยนสถานะไม่ได้อีก" in body


def test_reply_reaches_the_complainant(staff_client: FlaskClient, file: Filer, demo: Demo,
                                       settings: Settings) -> None:
    receipt = file()
    case_page = f"/cases/{receipt.complaint_id}"
    login(staff_client, "works")
    text = "กองช่างรับเรื่องแล้ว จะเข้าซ่อมภายใน 7 วัน\nขอบคุณที่แจ้ง"
    response = post_form(staff_client, case_page, f"{case_page}/reply", {"text": text})
    assert response.status_code == 302
    assert response.location == case_page
    _, body = page(staff_client, case_page)
    assert "ส่งข้อความตอบกลับแล้ว" in body
    assert text in body
    with demo.sessions() as session:
        view = read_thread(session, settings.secrets.tracking_pepper, receipt.tracking_code)
    replies = [entry.text for entry in view.entries if entry.kind == EventKind.REPLY]
    assert replies == [text]


@pytest.mark.parametrize(("text", "message"), [
    ("", "กรุณาพิมพ์ข้อความตอบกลับ"),
    ("   \n\t  ", "กรุณาพิมพ์ข้อความตอบกลับ"),
    ("ย" * (LIMITS["reply"] + 1), "ยาวเกินไป"),
], ids=["empty", "blank", "too-long"])
def test_refused_reply_is_400_keeps_the_text_and_stores_nothing(
        staff_client: FlaskClient, file: Filer, demo: Demo, settings: Settings,
        text: str, message: str) -> None:
    receipt = file()
    case_page = f"/cases/{receipt.complaint_id}"
    login(staff_client, "works")
    response = post_form(staff_client, case_page, f"{case_page}/reply", {"text": text})
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in body
    textarea = re.search(r'<textarea[^>]* id="text"[^>]*>\r\n(.*?)</textarea>', body, re.S)
    assert textarea is not None
    assert textarea.group(1) == text
    assert 'aria-invalid="true"' in textarea.group(0)
    with demo.sessions() as session:
        view = read_thread(session, settings.secrets.tracking_pepper, receipt.tracking_code)
    assert [entry.kind for entry in view.entries] == [EventKind.STATUS]


@pytest.mark.parametrize("action", ["status", "reply"])
def test_posting_to_another_units_case_is_404(staff_client: FlaskClient, file: Filer,
                                              demo: Demo, action: str) -> None:
    receipt = file()
    login(staff_client, "finance")
    response = post_form(staff_client, "/cases", f"/cases/{receipt.complaint_id}/{action}",
                         {"status": "screening", "note": "", "text": "สวัสดี"})
    assert response.status_code == 404
    assert status_of(demo, receipt.complaint_id) == (Status.RECEIVED, 1)


@pytest.mark.parametrize("path", ["/cases", "{case}", "{case}/status", "{case}/reply"])
def test_executives_never_reach_case_pages(staff_client: FlaskClient, file: Filer, demo: Demo,
                                           path: str) -> None:
    receipt = file()
    target = path.format(case=f"/cases/{receipt.complaint_id}")
    login(staff_client, "executive")
    if target.endswith(("status", "reply")):
        response = post_form(staff_client, "/summary", target,
                             {"status": "screening", "note": "", "text": "สวัสดี"})
    else:
        response = staff_client.get(target)
    body = response.get_data(as_text=True)
    assert response.status_code == 403
    assert WORKS_TEXT not in body
    assert status_of(demo, receipt.complaint_id) == (Status.RECEIVED, 1)


def test_admin_without_a_unit_sees_an_empty_list(staff_client: FlaskClient,
                                                 file: Filer) -> None:
    file()
    login(staff_client, "admin")
    status, body = page(staff_client, "/cases")
    assert status == 200
    assert case_links(body) == set()
    assert "ไม่ได้สังกัดหน่วยงานใด" in body


def test_member_without_a_key_grant_is_told_so(staff_client: FlaskClient, file: Filer,
                                               demo: Demo) -> None:
    receipt = file()
    with demo.sessions() as session:
        account = add_staff(session, username="newbie", display_name="พนักงานใหม่",
                            role=Role.STAFF, password="newbie-pass-1", strength="test")
        session.add(UnitMembership(account_id=account.id,
                                   unit_id=demo.organisation.units["WORKS"].id))
        session.commit()
    login(staff_client, "newbie", "newbie-pass-1")
    _, listing = page(staff_client, "/cases")
    assert case_links(listing) == {receipt.case_number}
    status, body = page(staff_client, f"/cases/{receipt.complaint_id}")
    assert status == 403
    assert "ยังไม่ได้รับสิทธิ์เข้าถึง" in body
    assert WORKS_TEXT not in body


def test_case_page_in_english(staff_client: FlaskClient, file: Filer) -> None:
    receipt = file()
    login(staff_client, "works")
    _, body = page(staff_client, f"/cases/{receipt.complaint_id}?lang=en")
    assert "Reply to the complainant" in body
    assert "Public Works Division" in body
    assert "ตอบกลับผู้ร้อง" not in body
