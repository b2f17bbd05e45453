"""The intake desk's letters (issue 8): the acknowledgement of a written complaint with its code,
and the draft reply to a referring body, as official external letters in Word, rendered by
LibreOffice to check what a reader sees."""

import io
import os
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from docx import Document
from flask.testing import FlaskClient

from rongrian.admin.letters import Letterhead, acknowledgement_letter, referral_reply
from rongrian.channels.qr.poster import FONT_DIR
from tests.admin.helpers import login, page, post_form
from tests.channels.web.helpers import complaint_by_number
from tests.conftest import Demo, csrf_token

HEAD = Letterhead("เทศบาลตำบลร่มเย็น", "99 หมู่ 1 ตำบลร่มเย็น\nอำเภอเมือง จังหวัดเชียงใหม่ 50000",
                  "0 5300 0000", "https://romyen.go.th")
RECEIPT_NUMBER = re.compile(r"บันทึกเรื่องเลขที่ (\d{4}/\d{6}) แล้ว")


def _rendered_text(docx: bytes, folder: Path) -> str:
    """What LibreOffice shows of the letter: converted to PDF, then read back by poppler."""
    if shutil.which("soffice") is None or shutil.which("pdftotext") is None:
        pytest.skip("LibreOffice (soffice) or poppler (pdftotext) is not installed")
    source = folder / "letter.docx"
    source.write_bytes(docx)
    convert = ["soffice", "--headless", f"-env:UserInstallation=file://{folder}/lo",
               "--convert-to", "pdf", "--outdir", str(folder), str(source)]
    subprocess.run(convert, check=True, capture_output=True, timeout=180,  # noqa: S603
                   env={**os.environ, "FONTCONFIG_FILE": str(sarabun_fontconfig(folder))})
    words = ["pdftotext", "-layout", str(folder / "letter.pdf"), "-"]
    return subprocess.run(words, check=True, capture_output=True,  # noqa: S603
                          text=True).stdout


def sarabun_fontconfig(folder: Path) -> Path:
    """A fontconfig file adding the Sarabun fonts shipped by ``fontpkg-sarabun`` to the system's,
    so LibreOffice renders Thai as a PC with Sarabun (the letters' declared fallback) would."""
    config = folder / "fonts.conf"
    config.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
        '<include ignore_missing="yes">/etc/fonts/fonts.conf</include>'
        f"<dir>{FONT_DIR}</dir><cachedir>{folder / 'fc-cache'}</cachedir></fontconfig>",
        encoding="utf-8")
    return config


def _squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.e2e
def test_the_acknowledgement_letter_reads_as_an_official_letter(tmp_path: Path) -> None:
    data = acknowledgement_letter(HEAD, addressee="นางสมศรี ใจงาม", case_number="2570/000012",
                                  code="ABCD-EFGH-JKMN-PQRS", received_on=date(2026, 11, 30),
                                  track_url="https://report.romyen.go.th/track",
                                  today=date(2026, 12, 1))
    text = _squeezed(_rendered_text(data, tmp_path))
    for expected in ("เทศบาลตำบลร่มเย็น", "1 ธันวาคม 2569", "เรื่อง แจ้งการรับเรื่องร้องเรียน",
                     "เรียน นางสมศรี ใจงาม", "30 พฤศจิกายน 2569", "2570/000012",
                     "ABCD-EFGH-JKMN-PQRS", "https://report.romyen.go.th/track",
                     "ขอแสดงความนับถือ", "โทร. 0 5300 0000"):
        assert _squeezed(expected) in text, expected
    fonts = {run.font.name for p in Document(io.BytesIO(data)).paragraphs
             for run in p.runs}
    assert fonts <= {"TH Sarabun New", None}


def test_the_referral_reply_cites_their_reference() -> None:
    data = referral_reply(HEAD, body="damrongdham", agency="", reference="ชม 0017/2569",
                          case_number="2570/000013", received_on=date(2026, 11, 28),
                          status="อยู่ระหว่างดำเนินการ", today=date(2026, 12, 1))
    text = "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)
    assert "เรียน\u00a0\u00a0หัวหน้าศูนย์ดำรงธรรม" in text
    assert "อ้างถึง\u00a0\u00a0หนังสือศูนย์ดำรงธรรม ที่ ชม 0017/2569" in text
    assert "2570/000013" in text
    assert "“อยู่ระหว่างดำเนินการ”" in text



def test_a_letter_taken_down_gets_its_acknowledgement_from_the_receipt_page(
        staff_client: FlaskClient, demo: Demo, desk_officer: str) -> None:
    login(staff_client, desk_officer)
    today = date.today().isoformat()
    answer = post_form(staff_client, "/desk", "/desk", {
        "channel": "letter", "received_on": today, "kind": "complaint", "category": "general",
        "unit": "WORKS", "what_happened": "จดหมายร้องเรียนเรื่องน้ำประปาไหลอ่อน"})
    html = answer.get_data(as_text=True)
    assert 'id="letter"' in html
    code = re.search(r'name="code" type="hidden" value="([^"]+)"|value="([^"]+)"[^>]*name="code"',
                     html)
    number = RECEIPT_NUMBER.search(html)
    assert code is not None
    assert number is not None
    letter = staff_client.post("/desk/letter.docx", data={
        "csrf_token": csrf_token(html), "code": code.group(1) or code.group(2),
        "case_number": number.group(1), "received_on": today, "addressee": "นายสมชาย"})
    assert letter.status_code == 200
    text = "\n".join(p.text for p in Document(io.BytesIO(letter.data)).paragraphs)
    assert (code.group(1) or code.group(2)) in text
    assert number.group(1) in text
    forged = staff_client.post("/desk/letter.docx", data={
        "csrf_token": csrf_token(html), "code": "not a code", "case_number": number.group(1),
        "received_on": today})
    assert forged.status_code == 400


def test_a_referred_case_shows_its_referral_and_its_unit_drafts_the_reply(
        staff_client: FlaskClient, demo: Demo, desk_officer: str) -> None:
    login(staff_client, desk_officer)
    html = post_form(staff_client, "/desk", "/desk", {
        "channel": "referral", "referral_body": "nacc", "referral_reference": "ปช 0004/123",
        "received_on": date.today().isoformat(), "kind": "complaint", "category": "general",
        "unit": "WORKS", "what_happened": "ส่งต่อเรื่องถนนชำรุด"}).get_data(as_text=True)
    number = RECEIPT_NUMBER.search(html)
    assert number is not None
    complaint = complaint_by_number(demo, number.group(1))
    works = staff_client.application.test_client()
    login(works, "works")
    status, case_page = page(works, f"/cases/{complaint.id}")
    assert status == 200
    assert "ส่งต่อจากสำนักงาน ป.ป.ช. เลขที่อ้างอิง ปช 0004/123" in case_page
    reply = works.get(f"/cases/{complaint.id}/referral-reply.docx")
    assert reply.status_code == 200
    text = "\n".join(p.text for p in Document(io.BytesIO(reply.data)).paragraphs)
    assert "ปช 0004/123" in text
    assert staff_client.get(f"/cases/{complaint.id}/referral-reply.docx").status_code == 404
