"""A citizen arriving from a QR poster on a phone (issue 8): above the fold they see which unit
will receive the complaint and where the poster hangs, with a way to change the unit."""

from datetime import UTC, datetime

import pytest

from rongrian.intake.posters import register_poster
from tests.conftest import Demo
from tests.e2e.conftest import require_chromium, shot

require_chromium()
sync_api = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}


def test_the_poster_unit_and_place_are_above_the_fold_on_a_phone(
        live_server: str, browser: "sync_api.Browser", demo: Demo) -> None:
    with demo.sessions() as session:
        poster = register_poster(session, unit_code="WORKS", place="ศาลาประชาคม หมู่ 5",
                                 size="A4", today=datetime.now(UTC).date())
        poster_id = poster.id
        session.commit()
    page = browser.new_context(viewport=PHONE).new_page()
    page.goto(f"{live_server}/report?unit=WORKS&channel=qr&place={poster_id}")
    banner = page.locator("#poster-unit")
    text = banner.inner_text()
    assert "คุณกำลังแจ้งเรื่องถึงกองช่าง" in text
    assert "ศาลาประชาคม หมู่ 5" in text
    box = banner.bounding_box()
    assert box is not None
    assert box["y"] + box["height"] <= PHONE["height"]
    shot(page, "poster-01-phone-arrival")
    page.locator("#poster-unit a", has_text="เปลี่ยนหน่วยงาน").click()
    page.locator("#unit").wait_for(state="visible")  # "เพิ่มเติม" opens to show it
    assert page.locator("#unit").input_value() == "WORKS"
    assert page.url.endswith("#unit")
