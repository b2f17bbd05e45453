"""An administrator gives a member a work address for the daily digest in a real browser, in
Thai (issue 9 §2). Screenshots with ``RONGRIAN_E2E_SCREENSHOTS=folder``."""

from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select

from rongrian.intake.models import StaffAccount
from tests.conftest import PASSWORDS, Demo
from tests.e2e.conftest import require_chromium, shot

if TYPE_CHECKING:
    from playwright.sync_api import Browser

require_chromium()
pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.e2e


def test_the_account_page_sets_the_address(live_server: str, browser: "Browser",
                                           demo: Demo) -> None:
    with demo.sessions() as session:
        works_id = session.scalars(select(StaffAccount.id).where(
            StaffAccount.username == "works")).one()
    page = browser.new_context().new_page()
    page.goto(f"{live_server}/staff/login")
    page.fill("[name=username]", "admin")
    page.fill("[name=password]", PASSWORDS["admin"])
    page.locator("form[method=post] [type=submit]").first.click()
    page.wait_for_load_state()
    page.goto(f"{live_server}/staff/admin/staff/{works_id}")
    assert page.is_checked("#digest")  # on by default
    page.fill("#email", "prasert@example")
    page.locator("#email-form [type=submit]").click()
    page.wait_for_load_state()
    assert "ที่อยู่อีเมลไม่ถูกต้อง" in page.inner_text("#form-error")
    assert page.input_value("#email") == "prasert@example"  # what was typed is kept
    page.fill("#email", "prasert@example.go.th")
    page.locator("#email-form [type=submit]").click()
    page.wait_for_load_state()
    assert "บันทึกการตั้งค่าอีเมลของ works แล้ว" in page.content()
    assert page.input_value("#email") == "prasert@example.go.th"
    shot(page, "digest-01-account-email")
    with demo.sessions() as session:
        assert session.get(StaffAccount, works_id).email == "prasert@example.go.th"  # type: ignore[union-attr]
