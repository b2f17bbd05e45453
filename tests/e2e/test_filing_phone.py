"""Filing on a phone (issue 12), measured in Chromium at 390×844 with nothing expanded: the
street-light complaint with a photo and a place has its photo input within the first screen and
its send button within two (before issue 12: photo at 1,889–1,929 px, send button at
2,261–2,310 px). With JavaScript the suggestion is offered as the citizen types; without it the
form comes back asking "ดูเหมือนเรื่อง …ใช่ไหม". Either way the case lands in the works unit's
queue under street lights."""

from pathlib import Path

import pytest
from sqlalchemy import select

from rongrian.intake.models import Category
from tests.channels import samples
from tests.channels.web.helpers import complaint_by_number
from tests.conftest import Demo
from tests.e2e.conftest import require_chromium, shot

require_chromium()
sync_api = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
#: Page positions (top, bottom) in CSS pixels from the top of the page.
_BOX = ("el => { const r = el.getBoundingClientRect();"
        " return [r.top + scrollY, r.bottom + scrollY]; }")


def _position(page: "sync_api.Page", selector: str) -> tuple[float, float]:
    top, bottom = page.locator(selector).evaluate(_BOX)
    return float(top), float(bottom)


def _photo(tmp_path: Path) -> str:
    path = tmp_path / "ไฟดับ.jpg"
    path.write_bytes(samples.jpeg_with_gps())
    return str(path)


def _in_works_queue_under_street_lights(demo: Demo, case_number: str) -> None:
    stored = complaint_by_number(demo, case_number)
    with demo.sessions() as session:
        lights = session.scalars(select(Category).where(Category.code == "street_light")).one()
        assert stored.category_id == lights.id
    assert stored.unit_id == demo.organisation.units["WORKS"].id


def test_the_street_light_complaint_fits_two_phone_screens(
        live_server: str, browser: "sync_api.Browser", demo: Demo, tmp_path: Path) -> None:
    page = browser.new_context(viewport=PHONE).new_page()
    page.goto(f"{live_server}/report")
    assert page.locator("details[open]").count() == 0  # nothing expanded
    _top, photo_bottom = _position(page, "input[name=attachments]")
    _top, send_bottom = _position(page, "form.report-form button[type=submit]")
    assert photo_bottom <= PHONE["height"], f"photo input ends at {photo_bottom:.0f}px"
    assert send_bottom <= 2 * PHONE["height"], f"send button ends at {send_bottom:.0f}px"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, "filing-01-phone-form")

    sent: list[str] = []
    page.on("request", lambda request: sent.append(request.url))
    page.set_input_files("input[name=attachments]", _photo(tmp_path))
    page.fill("textarea[name=what_happened]", "ไฟถนนดับหน้าบ้าน")
    suggestion = page.locator("#suggest-live")
    suggestion.wait_for(state="visible")
    assert "ดูเหมือนเรื่อง" in suggestion.inner_text()
    assert "ไฟถนน" in suggestion.inner_text()
    assert not page.locator("#category-street_light").is_checked()  # only the citizen chooses
    assert sent == []  # the suggestion is made in the page: nothing typed left it
    shot(page, "filing-02-suggested")
    suggestion.get_by_role("button", name="ใช่", exact=True).click()
    assert page.locator("#category-street_light").is_checked()
    page.fill("[name=where_happened]", "หน้าบ้านเลขที่ 12 หมู่ 3")
    _top, send_bottom = _position(page, "form.report-form button[type=submit]")
    assert send_bottom <= 2 * PHONE["height"], f"filled, send button ends at {send_bottom:.0f}px"
    page.locator("form.report-form button[type=submit]").click()
    page.wait_for_load_state()
    case_number = page.inner_text("#case-number").strip()
    shot(page, "filing-03-receipt")
    _in_works_queue_under_street_lights(demo, case_number)


def test_without_javascript_the_suggestion_comes_back_to_confirm(
        live_server: str, browser: "sync_api.Browser", demo: Demo) -> None:
    page = browser.new_context(viewport=PHONE, java_script_enabled=False).new_page()
    page.goto(f"{live_server}/report")
    page.fill("textarea[name=what_happened]", "ไฟถนนดับหน้าบ้าน")
    page.fill("[name=where_happened]", "หน้าบ้านเลขที่ 12 หมู่ 3")
    page.locator("form.report-form button[type=submit]").click()
    page.wait_for_load_state()
    assert "ดูเหมือนเรื่อง “ไฟถนน” ใช่ไหม" in page.inner_text("#suggestion")
    assert page.locator("#category-street_light").is_checked()
    assert page.locator(".alert-error").count() == 0
    shot(page, "filing-04-confirm-without-js")
    page.locator("form.report-form button[type=submit]").click()
    page.wait_for_load_state()
    _in_works_queue_under_street_lights(demo, page.inner_text("#case-number").strip())
