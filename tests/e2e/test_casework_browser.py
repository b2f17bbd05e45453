"""End to end, issue 9: a complaint is filed, assigned, extended, resolved with an "after"
photo and a message; the complainant reads it at /track, says it is not fixed, the case reopens
to the officer's queue marked; the complainant finally rates it 5. Both sides at phone width."""

import io
import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from rongrian.intake.models import Category, Complaint, Rating, Status
from tests.conftest import PASSWORDS, Demo
from tests.e2e.conftest import require_chromium, shot

require_chromium()
sync_api = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.e2e
PHONE = {"width": 390, "height": 844}


def _submit(page: "sync_api.Page", form: str) -> None:
    page.locator(f"{form} [type=submit]").first.click()
    page.wait_for_load_state()


def _photo(tmp_path: Path) -> Path:
    path = tmp_path / "after.jpg"
    Image.new("RGB", (64, 48), (90, 140, 60)).save(path, "JPEG")
    return path


def _open_thread(page: "sync_api.Page", live_server: str, code: str) -> None:
    page.goto(f"{live_server}/track")
    page.fill("[name=code]", code)
    _submit(page, "form[method=post]")


def test_assign_extend_resolve_reopen_rate(live_server: str, browser: "sync_api.Browser",
                                           demo: Demo, tmp_path: Path) -> None:
    with demo.sessions() as session:  # roads need an "after" photo
        session.scalars(select(Category).where(Category.code == "road")).one(
            ).needs_evidence = True
        session.commit()
    sentence = f"ถนนซอย 5 เป็นหลุมลึก รถล้มทุกวัน {uuid.uuid4().hex[:6]}"
    message = "กองช่างซ่อมผิวถนนซอย 5 เรียบร้อยแล้ว ตามภาพ"

    citizen = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = citizen.new_page()
    page.goto(f"{live_server}/report?unit=WORKS")
    page.check("input[name=category][value=road]")
    page.fill("textarea[name=what_happened]", sentence)
    _submit(page, "form[method=post]")
    code = page.inner_text("#tracking-code").strip()
    case_number = page.inner_text("#case-number").strip()

    staff = browser.new_context(viewport=PHONE)
    desk = staff.new_page()
    desk.goto(f"{live_server}/staff/login")
    desk.fill("[name=username]", "works")
    desk.fill("[name=password]", PASSWORDS["works"])
    _submit(desk, "form[method=post]")
    desk.goto(f"{live_server}/staff/cases")
    desk.get_by_text(case_number).first.click()
    desk.wait_for_load_state()
    case_url = desk.url
    # Assign to myself, extend, start work.
    desk.select_option("#officer", label="ประเสริฐ ช่างดี (กองช่าง)")
    _submit(desk, "#assign-form form")
    assert "มอบหมายให้ฉัน" in desk.inner_text("h1")
    due = date.fromisoformat(desk.get_attribute("#due_on", "min") or "")
    new_due = due + timedelta(days=14)
    desk.fill("#due_on", new_due.isoformat())
    desk.fill("#extend-reason", "รอวัสดุจากผู้รับจ้าง")
    _submit(desk, "#extend-form form")
    desk.select_option("#status", "in_progress")
    _submit(desk, "#status-form form")
    # Resolving without the photo is refused; with it, it goes through.
    desk.select_option("#status", "resolved")
    desk.fill("#message", message)
    _submit(desk, "#status-form form")
    assert "ต้องมีภาพถ่าย" in desk.inner_text("#form-error")
    desk.select_option("#status", "resolved")
    desk.fill("#message", message)
    desk.set_input_files("#evidence", str(_photo(tmp_path)))
    _submit(desk, "#status-form form")
    assert desk.inner_text("#case-status").strip() == "ดำเนินการแล้วเสร็จ"
    shot(desk, "casework-01-staff-case-resolved")

    _open_thread(page, live_server, code)
    shot(page, "casework-02-track-resolved")
    assert sentence in (page.text_content("#what-you-filed") or "")
    assert message in page.inner_text("#thread")
    assert "กองช่าง" in page.inner_text("#handling-unit")
    assert page.locator("#agency-photos button").count() == 1
    page.fill("#reopen-text", "ซ่อมแค่ครึ่งเดียว หลุมฝั่งซ้ายยังอยู่")
    _submit(page, "#reopen form")
    assert page.locator("#followup-notice").count() == 1
    assert page.inner_text("#current-status").strip() == "อยู่ระหว่างดำเนินการ"

    desk.goto(f"{live_server}/staff/cases?mine=1")
    row = desk.locator("tr", has_text=case_number)
    assert "ผู้ร้องขอเปิดเรื่องใหม่" in row.inner_text()
    desk.goto(case_url)
    assert desk.locator("#reopened-marker").count() == 1
    desk.select_option("#status", "resolved")
    desk.fill("#message", "ซ่อมหลุมฝั่งซ้ายแล้ว")
    desk.set_input_files("#evidence", str(_photo(tmp_path)))
    _submit(desk, "#status-form form")
    shot(desk, "casework-03-staff-case-after-reopen")

    _open_thread(page, live_server, code)
    page.check("#rating input[name=score][value='5']")
    page.fill("#rate-comment", "ขอบคุณที่กลับมาซ่อมให้")
    _submit(page, "#rating form")
    shot(page, "casework-04-track-rated")
    assert "5" in page.inner_text("#current-rating")
    with demo.sessions() as session:
        complaint = session.scalars(select(Complaint).where(
            Complaint.case_number == case_number)).one()
        assert (complaint.status, complaint.reopen_count, complaint.due_on) == (
            Status.RESOLVED, 1, new_due)
        rating = session.get(Rating, complaint.id)
        assert rating is not None
        assert rating.score == 5
    citizen.close()
    staff.close()
    assert io is not None
