"""Reloading the receipt in a real browser files nothing twice (issue 7 §4).

Chromium (Playwright) files a complaint, then reloads the receipt page: the browser sends the
same POST again (were it not to, the test goes back and sends the form with the same token).
Then the very same fields are posted raw. Each time exactly one complaint exists and the 409
page says, in Thai and English, that it was already received, without the code.

Going back to the form and sending it again is a new submission: pages are ``no-store``, so
the browser fetches the form afresh, with a fresh token.
"""

import pytest

from tests.channels.web.helpers import count_complaints
from tests.conftest import Demo
from tests.e2e.conftest import require_chromium, shot

require_chromium()
sync_api = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.e2e
ALREADY_TH = "เราได้รับเรื่องร้องเรียนนี้แล้ว"
ALREADY_EN = "We already received this complaint"


def _already_received(page: "sync_api.Page", code: str) -> None:
    body = page.inner_text("body")
    assert page.locator("#already-received").count() == 1
    assert ALREADY_TH in body
    assert ALREADY_EN in body
    assert code not in body


def test_reloading_the_receipt_files_once(live_server: str, browser: "sync_api.Browser",
                                          demo: Demo) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server}/report")
    page.check("input[name=category][value=street_light]")
    page.fill("textarea[name=what_happened]", "ไฟส่องสว่างในซอย 4 ดับทั้งซอยมาหนึ่งสัปดาห์")
    fields = {name: page.locator(f"form.report-form [name={name}]").first.input_value()
              for name in ("csrf_token", "submission_token")}
    page.locator("form.report-form [type=submit]").first.click()
    page.wait_for_load_state()
    code = page.inner_text("#tracking-code").strip()
    assert count_complaints(demo) == 1

    answer = page.reload()  # Chromium sends the same POST again to reload its result
    shot(page, "resubmit-01-reload")
    assert answer is not None
    if answer.request.method != "POST":  # a browser that did not re-post: back, send again
        page.go_back()
        page.wait_for_load_state()
        page.locator("form.report-form [name=submission_token]").first.evaluate(
            "(field, token) => { field.value = token; }", fields["submission_token"])
        page.locator("form.report-form [type=submit]").first.click()
        page.wait_for_load_state()
    assert page.url.endswith("/report")
    _already_received(page, code)
    assert count_complaints(demo) == 1

    raw = page.request.post(f"{live_server}/report", form={
        **fields, "kind": "complaint", "category": "general", "channel": "web",
        "identity": "anonymous", "what_happened": "ไฟส่องสว่างในซอย 4 ดับทั้งซอยมาหนึ่งสัปดาห์"})
    assert raw.status == 409
    assert ALREADY_TH in raw.text()
    assert count_complaints(demo) == 1
    context.close()
