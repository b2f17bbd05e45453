"""E-mail notices in a real browser (issue 9 §4), on a phone: the address under "เพิ่มเติม" with
its cost in anonymity beside it, a malformed one refused with the rest kept, then the tracking
page saying notices are on without showing the address; staff act and one notice goes."""

from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select

from rongrian.admin.notices_cli import send_waiting
from rongrian.crypto.keys import X25519PrivateKey
from rongrian.intake.casework import change_status
from rongrian.intake.models import Complaint, Status
from rongrian.settings import Settings
from tests.channels.web.helpers import as_staff
from tests.conftest import Demo, SmtpSink
from tests.e2e.conftest import require_chromium, shot

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ViewportSize

require_chromium()
sync_api = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.e2e

PHONE: "ViewportSize" = {"width": 390, "height": 844}
ADDRESS = "nid.phone@example.org"


def test_opting_in_on_a_phone_and_getting_one_notice(
        live_server: str, browser: "Browser", demo: Demo, settings: Settings,
        notifier_key: X25519PrivateKey, smtp_server: SmtpSink,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RONGRIAN_SMTP_HOST", smtp_server.host)
    monkeypatch.setenv("RONGRIAN_SMTP_FROM", "rongrian@example.go.th")
    page = browser.new_context(viewport=PHONE).new_page()
    page.goto(f"{live_server}/report")
    assert not page.locator("#notice_email").is_visible()  # folded under "More"
    page.locator("#more > summary").click()
    assert page.locator("#notice_email").is_visible()
    assert "ผู้ให้บริการอีเมลของท่านจะรู้ว่าหน่วยงานนี้ส่งอีเมลถึงท่าน" in page.inner_text("#notices")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.locator("#category-street_light").check()
    page.fill("textarea[name=what_happened]", "น้ำประปาไม่ไหลมาสามวันแล้ว")
    page.fill("#notice_email", "nid@example")
    page.locator("#notices").scroll_into_view_if_needed()
    shot(page, "notices-01-form")
    page.locator("form.report-form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("#notice_email-error").is_visible()
    assert page.input_value("textarea[name=what_happened]") == "น้ำประปาไม่ไหลมาสามวันแล้ว"
    page.locator("#notice_email-error").scroll_into_view_if_needed()
    shot(page, "notices-02-refused")
    page.fill("#notice_email", ADDRESS)
    page.locator("form.report-form button[type=submit]").click()
    page.wait_for_load_state()
    code = page.inner_text("#tracking-code").strip()
    case_number = page.inner_text("#case-number").strip()

    page.goto(f"{live_server}/track")
    page.fill("input[name=code]", code)
    page.locator("form.track-form button[type=submit], main form button[type=submit]").first.click()
    page.wait_for_load_state()
    assert page.locator("#notices-on").is_visible()
    assert ADDRESS not in page.content()
    page.locator("#notices").scroll_into_view_if_needed()
    shot(page, "notices-03-track")

    with demo.sessions() as session:
        complaint_id = session.scalars(select(Complaint.id).where(
            Complaint.case_number == case_number)).one()
    as_staff(demo, "works", lambda session, unlocked: change_status(
        session, unlocked, complaint_id, Status.IN_PROGRESS, ""))
    run = send_waiting(demo.sessions, notifier_key, smtp_server.mail_settings(),
                       settings.public_base_url)
    assert run.sent == 1
    assert [str(m["To"]) for m in smtp_server.messages] == [ADDRESS]
