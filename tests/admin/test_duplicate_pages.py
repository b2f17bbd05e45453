"""The case page's "duplicate of" section (issue 9 §1) and what the duplicate's complainant
reads at ``/track``."""

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from rongrian.intake.models import AuditEntry, Complaint, Status
from tests.admin.helpers import WORKS_TEXT, Filer, login, page, post_form, status_of
from tests.conftest import Demo

ORIGINAL_TEXT = "ถนนหน้าตลาดสดเป็นหลุมลึก รถจักรยานยนต์ล้มทุกวัน"


def _audit_count(demo: Demo) -> int:
    with demo.sessions() as session:
        return session.scalar(select(func.count()).select_from(AuditEntry)) or 0


def _duplicate_of(demo: Demo, case_id: object) -> object:
    with demo.sessions() as session:
        complaint = session.get(Complaint, case_id)
        assert complaint is not None
        return complaint.duplicate_of_id


def test_mark_show_and_undo_a_duplicate(staff_client: FlaskClient, public_client: FlaskClient,
                                        file: Filer, demo: Demo) -> None:
    original = file(what_happened=ORIGINAL_TEXT)
    duplicate = file()
    login(staff_client, "works")
    case_page = f"/cases/{duplicate.complaint_id}"

    response = post_form(staff_client, case_page, f"{case_page}/duplicate",
                         {"original": original.case_number})

    assert response.status_code == 302
    assert status_of(demo, duplicate.complaint_id)[0] is Status.CLOSED
    _, body = page(staff_client, case_page)
    assert f"ซ้ำกับเรื่องเลขที่ {original.case_number}" in body
    assert 'id="duplicate-undo"' in body
    _, original_body = page(staff_client, f"/cases/{original.complaint_id}")
    assert f'<a href="{case_page}">{duplicate.case_number}</a>' in original_body
    assert 'id="duplicate-original"' not in original_body  # an original is no duplicate

    # the complainant of the duplicate is told where their case went, never its content
    tracked = post_form(public_client, "/track", "/track", {"code": duplicate.tracking_code})
    text = tracked.get_data(as_text=True)
    assert tracked.status_code == 200
    assert f"เรื่องของท่านรวมกับเรื่องเลขที่ {original.case_number}" in text
    assert 'id="merged-status">รับเรื่อง</span>' in text
    assert ORIGINAL_TEXT not in text
    assert original.tracking_code not in text
    assert WORKS_TEXT in text  # their own text still shows
    assert 'id="reopen"' not in text
    assert 'id="rating"' not in text
    assert 'action="/track/information"' in text  # they can still add information

    undone = post_form(staff_client, case_page, f"{case_page}/duplicate/undo", {})
    assert undone.status_code == 302
    assert status_of(demo, duplicate.complaint_id)[0] is Status.RECEIVED
    assert _duplicate_of(demo, duplicate.complaint_id) is None
    _, body = page(staff_client, case_page)
    assert 'id="duplicate-marker"' not in body
    assert 'id="duplicate-original"' in body


@pytest.mark.parametrize(("typed", "message"), [
    ("เรื่องที่แล้ว", "กรุณาเขียนเลขที่เรื่องในรูปแบบ 2569/000123"),
    ("2569/999999", "ไม่พบเรื่องเลขที่ 2569/999999 ในเรื่องของหน่วยงานของท่าน"),
    ("itself", "เรื่องหนึ่งไม่อาจซ้ำกับตัวเองได้"),
    ("finance", "ไม่พบเรื่องเลขที่"),
    ("x" * 200, "กรุณาเขียนเลขที่เรื่องในรูปแบบ 2569/000123"),
])
def test_refused_numbers_show_a_message_and_change_nothing(
        staff_client: FlaskClient, file: Filer, demo: Demo, typed: str, message: str) -> None:
    case = file()
    if typed == "itself":
        typed = case.case_number
    elif typed == "finance":
        typed = file(unit_code="FINANCE").case_number
    login(staff_client, "works")
    case_page = f"/cases/{case.complaint_id}"
    page(staff_client, case_page)
    before = (status_of(demo, case.complaint_id), _audit_count(demo))

    response = post_form(staff_client, case_page, f"{case_page}/duplicate", {"original": typed})

    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert message in body
    assert "ไม่มีการเปลี่ยนแปลงใด" in body
    assert 'id="duplicate-error"' in body
    # only the two openings of the page (the form's token, the answer) are audited
    assert (status_of(demo, case.complaint_id), _audit_count(demo)) == (before[0], before[1] + 2)
    assert _duplicate_of(demo, case.complaint_id) is None


def test_a_chain_is_refused_naming_the_original(staff_client: FlaskClient, file: Filer,
                                                demo: Demo) -> None:
    first, middle, case = file(), file(), file()
    login(staff_client, "works")
    middle_page = f"/cases/{middle.complaint_id}"
    assert post_form(staff_client, middle_page, f"{middle_page}/duplicate",
                     {"original": first.case_number}).status_code == 302
    case_page = f"/cases/{case.complaint_id}"
    response = post_form(staff_client, case_page, f"{case_page}/duplicate",
                         {"original": middle.case_number})
    assert response.status_code == 400
    assert (f"เรื่องเลขที่ {middle.case_number} เป็นเรื่องซ้ำของเรื่องเลขที่ {first.case_number}"
            in response.get_data(as_text=True))
    assert f'value="{middle.case_number}"' in response.get_data(as_text=True)  # kept
    assert _duplicate_of(demo, case.complaint_id) is None


def test_english_message_when_english_is_chosen(staff_client: FlaskClient,
                                                file: Filer) -> None:
    case = file()
    login(staff_client, "works")
    case_page = f"/cases/{case.complaint_id}"
    page(staff_client, f"{case_page}?lang=en")
    response = post_form(staff_client, case_page, f"{case_page}/duplicate",
                         {"original": case.case_number})
    body = response.get_data(as_text=True)
    assert "A case cannot be a duplicate of itself. Nothing was changed." in body
    assert f'<a href="{case_page}?lang=th" lang="th">ภาษาไทย</a>' in body
