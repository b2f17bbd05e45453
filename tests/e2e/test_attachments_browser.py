"""Attachments through a real browser (Debian's Chromium, JavaScript off for the citizen): a
photo with GPS and a PDF with an author are filed from the Thai form; a disguised file is refused
with the typed text kept; the unit's staff member downloads the photo, which has no EXIF left.
Screenshots go to ``RONGRIAN_E2E_SCREENSHOTS`` when it is set."""

import dataclasses
import io
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import Engine
from werkzeug.serving import make_server

from rongrian.admin.server import QuietRequestHandler, combined_app
from rongrian.settings import Settings
from tests.channels import samples
from tests.conftest import PASSWORDS, Demo
from tests.e2e.conftest import require_chromium, shot

require_chromium()
sync_api = pytest.importorskip("playwright.sync_api")


pytestmark = pytest.mark.e2e


def _fill(page: "sync_api.Page", text: str) -> None:
    page.locator("details.others > summary").click()  # "อื่น ๆ": every other category
    page.check("input[name=category][value=general]")
    page.fill("textarea[name=what_happened]", text)


def _send(page: "sync_api.Page") -> None:
    page.locator("form.report-form [type=submit]").first.click()
    page.wait_for_load_state()


def test_file_with_photos_and_download_them_cleaned(live_server: str,
                                                    browser: "sync_api.Browser",
                                                    tmp_path: Path) -> None:
    text = "ถนนหน้าตลาดเป็นหลุมลึก แนบภาพถ่ายและเอกสารมาด้วย"
    photo, paper, fake = tmp_path / "IMG_2041.jpg", tmp_path / "หลักฐาน.pdf", tmp_path / "scan.jpg"
    photo.write_bytes(samples.jpeg_with_gps(size=(640, 480)))
    paper.write_bytes(samples.pdf_with_author())
    fake.write_bytes(samples.html_page())

    citizen = browser.new_context(java_script_enabled=False, viewport={"width": 390,
                                                                       "height": 844})
    page = citizen.new_page()
    page.goto(f"{live_server}/report?unit=WORKS")
    _fill(page, text)
    page.set_input_files("input[name=attachments]", [str(photo), str(fake)])
    _send(page)
    body = page.content()
    assert "รับไฟล์ “scan.jpg” ไม่ได้" in body
    assert text in body
    shot(page, "attachments-01-refused")

    page.set_input_files("input[name=attachments]", [str(photo), str(paper)])
    _send(page)
    assert page.locator("#tracking-code").count() == 1
    case_number = page.inner_text("#case-number").strip()
    assert "ระบบได้ลบข้อมูลที่อาจระบุตัวท่านได้แล้ว" in page.content()
    shot(page, "attachments-02-receipt")
    page.goto(f"{live_server}/report")
    shot(page, "attachments-00-report-form")

    staff = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    desk = staff.new_page()
    desk.goto(f"{live_server}/staff/login")
    desk.fill("[name=username]", "works")
    desk.fill("[name=password]", PASSWORDS["works"])
    desk.locator("form[method=post] [type=submit]").first.click()
    desk.wait_for_load_state()
    desk.goto(f"{live_server}/staff/cases")
    desk.get_by_text(case_number).first.click()
    desk.wait_for_load_state()
    assert desk.locator("#attachments li").count() == 2
    shot(desk, "attachments-03-staff-case")
    generic = case_number.replace("/", "-") + "-attachment-1.jpg"
    with desk.expect_download() as waiting:
        desk.get_by_text(generic).click()
    download = waiting.value
    assert download.suggested_filename == generic
    saved = tmp_path / "downloaded.jpg"
    download.save_as(saved)
    image = Image.open(io.BytesIO(saved.read_bytes()))
    assert image.size == (640, 480)
    assert dict(image.getexif()) == {}
    citizen.close()
    staff.close()


@pytest.fixture
def small_limits_server(settings: Settings, engine: Engine, demo: Demo) -> Iterator[str]:
    """The combined app with 1 MB per file and 2 files, on a loopback port."""
    limited = dataclasses.replace(settings, attachment_max_mb=1, attachment_max_files=2)
    server = make_server("127.0.0.1", 0, combined_app(limited, engine=engine), threaded=True,
                         request_handler=QuietRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


def test_an_oversized_upload_shows_the_limits_page(small_limits_server: str,
                                                   browser: "sync_api.Browser",
                                                   tmp_path: Path) -> None:
    """The browser gets the app's 413 page (not a reset connection) through the real server."""
    big = tmp_path / "big.pdf"
    big.write_bytes(os.urandom(4 * 1024 * 1024))
    page = browser.new_context(java_script_enabled=False).new_page()
    page.goto(f"{small_limits_server}/report")
    _fill(page, "ทดสอบไฟล์ใหญ่")
    page.set_input_files("input[name=attachments]", [str(big)])
    _send(page)
    body = page.content()
    assert "ข้อมูลใหญ่เกินกว่าจะส่งได้" in body
    assert "ส่งได้ครั้งละไม่เกิน 2 ไฟล์ ไฟล์ละไม่เกิน 1 MB" in body
    shot(page, "attachments-04-too-large")
