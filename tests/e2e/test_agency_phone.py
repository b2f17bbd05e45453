"""The agency on a phone (issue 7 §1): at 390×844 the header names the agency, shows its emblem
from our own host, and neither the home page nor the report form scrolls sideways."""

import io

import pytest
from PIL import Image

from rongrian.admin.emblem import clean_emblem
from rongrian.admin.org_changes import set_agency
from rongrian.intake.audit import COMMAND_LINE, Actor
from tests.conftest import Demo
from tests.e2e.conftest import require_chromium, shot

require_chromium()
sync_api = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.e2e


def test_the_agency_fits_a_phone(live_server: str, browser: "sync_api.Browser",
                                 demo: Demo) -> None:
    image = io.BytesIO()
    Image.new("RGB", (120, 120), (20, 90, 50)).save(image, format="PNG")
    with demo.sessions() as session:
        set_agency(session, Actor(None, COMMAND_LINE), {}, emblem=clean_emblem(image.getvalue()))
        session.commit()
    page = browser.new_page(viewport={"width": 390, "height": 844})
    for path, name in (("/", "agency-home-phone"), ("/report", "agency-report-phone")):
        page.goto(live_server + path)
        assert "เทศบาลตำบลร่มเย็น" in page.locator("header").inner_text()
        emblem = page.locator("header img.emblem")
        assert emblem.evaluate("img => img.complete && img.naturalWidth > 0")
        assert emblem.get_attribute("src").startswith("/agency/emblem.png?v=")  # type: ignore[union-attr]
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} scrolls sideways ({width}px)"
        shot(page, name)
    page.close()
