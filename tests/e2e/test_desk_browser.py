"""The intake desk in a real browser (issue 8): a desk officer takes a telephone complaint, prints
the slip (Chromium's print to PDF, through the print stylesheet), and the citizen tracks the
case with the code read off the printed slip. Screenshots with ``RONGRIAN_E2E_SCREENSHOTS``."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from rongrian.intake.models import StaffAccount
from tests.conftest import PASSWORDS, Demo
from tests.e2e.conftest import require_chromium, shot

require_chromium()
sync_api = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.e2e

TEXT = "ป้าสมศรีโทรมาแจ้งว่าไฟถนนหน้าวัดดับมาสามคืนแล้ว"
CODE = re.compile(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}")


def _printed_text(pdf: Path) -> str:
    words = ["pdftotext", "-layout", str(pdf), "-"]
    return subprocess.run(words, check=True, capture_output=True,  # noqa: S603
                          text=True).stdout


def _info(pdf: Path) -> str:
    return subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True,  # noqa: S603, S607
                          text=True).stdout


def _page_size_mm(pdf: Path) -> tuple[int, int]:
    info = _info(pdf)
    found = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info)
    assert found is not None
    return (round(float(found.group(1)) / 72 * 25.4), round(float(found.group(2)) / 72 * 25.4))


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed")
def test_a_phone_complaint_its_printed_slip_and_the_citizen_tracking_it(
        live_server: str, browser: "sync_api.Browser", demo: Demo, tmp_path: Path) -> None:
    with demo.sessions() as session:
        session.scalars(select(StaffAccount).where(StaffAccount.username == "palad")
                        ).one().intake_desk = True
        session.commit()
    officer = browser.new_context(viewport={"width": 1100, "height": 900}).new_page()
    officer.goto(f"{live_server}/staff/login")
    officer.fill("[name=username]", "palad")
    officer.fill("[name=password]", PASSWORDS["palad"])
    officer.locator("form[method=post] [type=submit]").first.click()
    officer.wait_for_load_state()
    officer.locator("nav a", has_text="รับเรื่องจากช่องทางอื่น").click()
    officer.wait_for_load_state()
    officer.select_option("#channel", "phone")
    officer.select_option("#category", "general")
    officer.select_option("#unit", "WORKS")
    officer.fill("#what_happened", TEXT)
    officer.fill("#where_happened", "หน้าวัดร่มเย็น")
    shot(officer, "desk-01-form")
    officer.locator(".desk-form [type=submit]").click()
    officer.wait_for_load_state()
    shown = officer.inner_text("#desk-tracking-code").strip()
    assert CODE.fullmatch(shown)
    assert "ศูนย์" in officer.inner_text("#phone-spelling") or "(" in officer.inner_text(
        "#phone-spelling")
    shot(officer, "desk-02-receipt")
    slip = tmp_path / "slip.pdf"
    officer.emulate_media(media="print")
    officer.pdf(path=str(slip), prefer_css_page_size=True)
    printed = _printed_text(slip)
    assert "ใบรับเรื่องร้องเรียน" in printed
    assert "รับเรื่องจากช่องทางอื่น" not in printed  # only the slip is printed
    assert _page_size_mm(slip) == (105, 148)  # A6
    assert "Pages:           1" in _info(slip)  # the slip fits one page
    found = CODE.search(printed)
    assert found is not None
    read_off_the_slip = found.group(0)
    assert read_off_the_slip == shown
    officer.emulate_media(media="screen")
    officer.check("#slip-80")
    officer.emulate_media(media="print")
    roll = tmp_path / "roll.pdf"
    officer.pdf(path=str(roll), prefer_css_page_size=True)
    assert _page_size_mm(roll) == (80, 160)
    assert shown in _printed_text(roll)

    citizen = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    citizen.goto(f"{live_server}/track")
    citizen.fill("#code", read_off_the_slip.lower().replace("-", " "))
    citizen.locator("form [type=submit]").first.click()
    citizen.wait_for_load_state()
    shot(citizen, "desk-03-citizen-tracks")
    assert "รับเรื่อง" in citizen.inner_text("main")
    assert citizen.url.endswith("/track")
