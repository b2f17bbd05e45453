"""The case page's issue 9 actions: assignment, "mine", extension, closing with a message,
the "after" photo for marked categories, and reply templates."""

import io
from datetime import UTC, datetime, timedelta

from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select

from rongrian.intake.models import (
    Attachment,
    Category,
    Complaint,
    ReplyTemplate,
    StaffAccount,
    Status,
)
from rongrian.intake.store import read_thread
from rongrian.settings import Settings
from tests.admin.helpers import Filer, case_links, login, page, post_form, status_of
from tests.conftest import Demo, csrf_token


def _complaint(demo: Demo, case_id: object) -> Complaint:
    with demo.sessions() as session:
        complaint = session.get(Complaint, case_id)
        assert complaint is not None
        session.expunge(complaint)
        return complaint


def _account_id(demo: Demo, username: str) -> int:
    with demo.sessions() as session:
        return session.scalars(select(StaffAccount.id).where(
            StaffAccount.username == username)).one()


def _photo() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 120, 40)).save(buffer, "JPEG")
    return buffer.getvalue()


def test_assign_to_me_and_the_mine_filter(staff_client: FlaskClient, file: Filer,
                                          demo: Demo) -> None:
    mine, other = file(), file()
    case_page = f"/cases/{mine.complaint_id}"
    login(staff_client, "works")
    response = post_form(staff_client, case_page, f"{case_page}/assign",
                         {"officer": str(_account_id(demo, "works"))})
    assert response.status_code == 302
    _, body = page(staff_client, "/cases?mine=1")
    assert case_links(body) == {mine.case_number}
    _, everything = page(staff_client, "/cases")
    assert case_links(everything) == {mine.case_number, other.case_number}
    assert "มอบหมายให้ฉัน</span>" in everything


def test_assigning_to_a_non_member_is_refused(staff_client: FlaskClient, file: Filer,
                                              demo: Demo) -> None:
    receipt = file()
    case_page = f"/cases/{receipt.complaint_id}"
    login(staff_client, "works")
    response = post_form(staff_client, case_page, f"{case_page}/assign",
                         {"officer": str(_account_id(demo, "palad"))})
    assert response.status_code == 400
    assert "มอบหมายเรื่องได้เฉพาะเจ้าหน้าที่ของหน่วยงาน" in response.get_data(as_text=True)
    assert _complaint(demo, receipt.complaint_id).assigned_to_id is None


def test_extension_and_its_refusals(staff_client: FlaskClient, file: Filer, demo: Demo,
                                    settings: Settings) -> None:
    receipt = file()
    case_page = f"/cases/{receipt.complaint_id}"
    due = _complaint(demo, receipt.complaint_id).due_on
    login(staff_client, "works")
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date()
    for day, reason, words in ((yesterday, "เหตุผล", "ต้องไม่ก่อนวันนี้"),
                               (due, "เหตุผล", "ต้องหลังวันครบกำหนดเดิม"),
                               (due + timedelta(days=7), "", "กรุณาระบุเหตุผล")):
        response = post_form(staff_client, case_page, f"{case_page}/extend",
                             {"due_on": day.isoformat(), "reason": reason})
        assert response.status_code == 400
        assert words in response.get_data(as_text=True)
    assert _complaint(demo, receipt.complaint_id).due_on == due
    later = due + timedelta(days=7)
    response = post_form(staff_client, case_page, f"{case_page}/extend",
                         {"due_on": later.isoformat(), "reason": "รองบประมาณ"})
    assert response.status_code == 302
    with demo.sessions() as session:
        view = read_thread(session, settings.secrets.tracking_pepper, receipt.tracking_code)
    assert view.due_on == later


def test_closing_needs_a_message_and_a_marked_category_a_photo(
        staff_client: FlaskClient, file: Filer, demo: Demo, settings: Settings) -> None:
    with demo.sessions() as session:
        session.scalars(select(Category).where(Category.code == "general")).one(
            ).needs_evidence = True
        session.commit()
    receipt = file()
    case_page = f"/cases/{receipt.complaint_id}"
    login(staff_client, "works")
    post_form(staff_client, case_page, f"{case_page}/status", {"status": "in_progress"})
    refused = post_form(staff_client, case_page, f"{case_page}/status",
                        {"status": "resolved", "note": "", "message": ""})
    assert refused.status_code == 400
    assert "ต้องมีข้อความถึงผู้ร้องเรียน" in refused.get_data(as_text=True)
    no_photo = post_form(staff_client, case_page, f"{case_page}/status",
                         {"status": "resolved", "message": "ซ่อมถนนแล้ว"})
    assert no_photo.status_code == 400
    assert "ต้องมีภาพถ่าย" in no_photo.get_data(as_text=True)
    assert status_of(demo, receipt.complaint_id)[0] is Status.IN_PROGRESS
    token = csrf_token(staff_client.get(case_page).get_data(as_text=True))
    done = staff_client.post(f"{case_page}/status", data={
        "csrf_token": token, "status": "resolved", "message": "ซ่อมถนนแล้ว",
        "evidence": (io.BytesIO(_photo()), "after.jpg")}, content_type="multipart/form-data")
    assert done.status_code == 302
    with demo.sessions() as session:
        [photo] = session.scalars(select(Attachment).where(
            Attachment.complaint_id == receipt.complaint_id))
        assert photo.event_id is not None
        view = read_thread(session, settings.secrets.tracking_pepper, receipt.tracking_code)
    assert (view.status, view.entries[-1].text) == (Status.RESOLVED, "ซ่อมถนนแล้ว")


def test_reply_template_fills_an_empty_message(staff_client: FlaskClient, file: Filer,
                                               demo: Demo, settings: Settings) -> None:
    receipt = file()
    case_page = f"/cases/{receipt.complaint_id}"
    login(staff_client, "works")
    saved = post_form(staff_client, case_page, f"{case_page}/templates",
                      {"title": "ไม่ใช่อำนาจหน้าที่", "body": "เรื่องนี้อยู่ในอำนาจของจังหวัด"})
    assert saved.status_code == 302
    with demo.sessions() as session:
        template_id = session.scalars(select(ReplyTemplate.id)).one()
    _, body = page(staff_client, case_page)
    assert "เรื่องนี้อยู่ในอำนาจของจังหวัด" in body  # offered to fill the message
    response = post_form(staff_client, case_page, f"{case_page}/status",
                         {"status": "rejected", "message": "", "template": str(template_id)})
    assert response.status_code == 302
    with demo.sessions() as session:
        view = read_thread(session, settings.secrets.tracking_pepper, receipt.tracking_code)
    assert view.entries[-1].text == "เรื่องนี้อยู่ในอำนาจของจังหวัด"
