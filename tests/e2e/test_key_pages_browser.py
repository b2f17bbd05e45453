"""The key lifecycle in a real browser, in Thai: an administrator creates a member of กองช่าง,
the member sets their own password and sees "access pending", a colleague grants access from the
notice, and the member reads the case. Screenshots with ``RONGRIAN_E2E_SCREENSHOTS=folder``."""


import pytest

from rongrian.intake.store import Submission, file_complaint
from rongrian.settings import Settings
from tests.conftest import PASSWORDS, Demo
from tests.e2e.conftest import require_chromium, shot

require_chromium()
sync_api = pytest.importorskip("playwright.sync_api")

TEXT = "ท่อระบายน้ำหน้าตลาดสดอุดตัน น้ำเอ่อล้นถนนทุกครั้งที่ฝนตก"

pytestmark = pytest.mark.e2e


def _submit(page: "sync_api.Page", selector: str) -> None:
    page.locator(f"{selector} [type=submit]").first.click()
    page.wait_for_load_state()


def _log_in(page: "sync_api.Page", base: str, username: str, password: str) -> None:
    page.goto(f"{base}/staff/login")
    page.fill("[name=username]", username)
    page.fill("[name=password]", password)
    _submit(page, "form[method=post]")


def test_new_member_waits_then_a_colleague_grants(live_server: str,
                                                  browser: "sync_api.Browser",
                                                  settings: Settings, demo: Demo) -> None:
    with demo.sessions() as session:
        receipt = file_complaint(session, settings.secrets.tracking_pepper, Submission(
            kind="complaint", category_code="general", unit_code="WORKS", channel="web",
            what_happened=TEXT))
        session.commit()
    staff = f"{live_server}/staff"

    admin = browser.new_context().new_page()
    _log_in(admin, live_server, "admin", PASSWORDS["admin"])
    admin.goto(f"{staff}/admin/staff")
    admin.fill("#username", "somsak.k")
    admin.fill("#display_name", "สมศักดิ์ ขยันดี (นายช่างโยธา กองช่าง)")
    admin.select_option("#role", "staff")
    admin.select_option("#unit", label="กองช่าง")
    shot(admin, "keys-01-admin-new-account")
    _submit(admin, "#new-account form")
    one_time = admin.inner_text("#one-time-password").strip()
    assert len(one_time) == 19
    shot(admin, "keys-02-one-time-password")
    admin.goto(f"{staff}/admin/staff")
    shot(admin, "keys-03-admin-account-list")
    admin.locator("a", has_text="somsak.k").click()
    admin.wait_for_load_state()
    shot(admin, "keys-04-admin-account-page")
    admin.goto(f"{staff}/cases/{receipt.complaint_id}")
    assert TEXT not in admin.content()

    member = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    _log_in(member, live_server, "somsak.k", one_time)
    assert member.url.endswith("/staff/account/password")
    shot(member, "keys-05-first-login-password")
    member.fill("#current_password", one_time)
    member.fill("#new_password", "ฝนตกน้ำท่วม-2568")
    member.fill("#confirm", "ฝนตกน้ำท่วม-2568")
    _submit(member, "form[method=post]:has(#new_password)")
    member.goto(f"{staff}/cases")
    assert receipt.case_number in member.content()
    shot(member, "keys-06-member-list-pending")
    member.goto(f"{staff}/cases/{receipt.complaint_id}")
    assert "ยังไม่ได้รับสิทธิ์เข้าถึง" in member.content()
    assert TEXT not in member.content()
    shot(member, "keys-07-access-pending")

    colleague = browser.new_context().new_page()
    _log_in(colleague, live_server, "works", PASSWORDS["works"])
    colleague.goto(f"{staff}/cases")
    shot(colleague, "keys-08-colleague-notice")
    colleague.get_by_text("ดูคำขอสิทธิ์เข้าถึง").click()
    colleague.wait_for_load_state()
    shot(colleague, "keys-09-access-requests")
    _submit(colleague, "#requests form")
    shot(colleague, "keys-10-granted")

    member.goto(f"{staff}/cases/{receipt.complaint_id}")
    assert TEXT in member.content()
    shot(member, "keys-11-member-reads-case")


def test_change_password_page(live_server: str, browser: "sync_api.Browser") -> None:
    page = browser.new_context().new_page()
    _log_in(page, live_server, "works", PASSWORDS["works"])
    page.goto(f"{live_server}/staff/account/password")
    page.fill("#current_password", PASSWORDS["works"])
    page.fill("#new_password", "short")
    page.fill("#confirm", "short")
    _submit(page, "form[method=post]:has(#new_password)")
    assert "สั้นเกินไป" in page.content()
    shot(page, "keys-12-password-too-short")
