"""Files on the citizen pages: filing with photos and documents, refusals in Thai (and
English), limits, and files added later with the tracking code."""

import dataclasses
import io
import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, func, select
from werkzeug.test import TestResponse

from rongrian.channels.web.app import create_public_app
from rongrian.intake.models import Attachment
from rongrian.settings import Settings
from tests.channels import samples
from tests.channels.web.helpers import CASE_NUMBER, TRACKING_CODE, VALID, count_complaints
from tests.conftest import Demo, csrf_token

Upload = tuple[bytes, str]


def post(client: FlaskClient, files: list[Upload], changes: dict[str, str] | None = None,
         *, path: str = "/report", lang: str | None = None) -> TestResponse:
    """POST the complaint form (fresh CSRF token) with ``files`` as ``attachments``."""
    page = "/report" + (f"?lang={lang}" if lang else "")
    data: dict[str, object] = {**VALID, **(changes or {}),
                               "csrf_token": csrf_token(client.get(page).get_data(as_text=True))}
    data["attachments"] = [(io.BytesIO(content), name) for content, name in files]
    return client.post(path, data=data, content_type="multipart/form-data")


def stored_files(settings: Settings) -> list[Path]:
    folder = settings.attachments_dir
    return sorted(folder.iterdir()) if folder.exists() else []


def attachment_rows(demo: Demo) -> int:
    with demo.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(Attachment)) or 0)


def test_a_complaint_is_filed_with_a_photo_and_a_pdf(public_client: FlaskClient, demo: Demo,
                                                     settings: Settings) -> None:
    response = post(public_client, [(samples.jpeg_with_gps(), "IMG_2041 บ้านนายสมชาย.jpg"),
                                    (samples.pdf_with_author(), "หลักฐาน.pdf")])
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    number = CASE_NUMBER.search(page)
    assert number
    generic = number.group(1).replace("/", "-")
    assert f"{generic}-attachment-1.jpg" in page
    assert f"{generic}-attachment-2.pdf" in page
    assert "ระบบได้ลบข้อมูลที่อาจระบุตัวท่านได้แล้ว" in page  # metadata removed, said plainly
    assert "บ้านนายสมชาย" not in page  # the original name is not kept, not even on the receipt
    assert len(stored_files(settings)) == 2
    assert attachment_rows(demo) == 2


@pytest.mark.parametrize(("content", "name", "what"), [
    (samples.executable(), "photo.jpg", "โปรแกรม"),
    (samples.html_page(), "scan.pdf", "หน้าเว็บหรือสคริปต์"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "report.docx", "ไฟล์ Office รูปแบบเก่า"),
    (samples.xlsx_with_author(macro=True), "budget.xlsx", "ไฟล์ Office ที่มีมาโคร"),
])
def test_a_disguised_file_is_refused_in_thai_and_nothing_is_lost(
        public_client: FlaskClient, demo: Demo, settings: Settings, content: bytes, name: str,
        what: str) -> None:
    response = post(public_client, [(samples.jpeg_with_gps(), "good.jpg"), (content, name)])
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f"รับไฟล์ “{name}” ไม่ได้ เนื้อหาของไฟล์เป็น{what}" in page
    assert "กรุณาเลือกไฟล์อีกครั้ง" in page  # the files must be chosen again, said plainly
    assert VALID["what_happened"] in page  # what was typed is kept
    assert 'aria-invalid="true"' in page
    assert count_complaints(demo) == 0
    assert stored_files(settings) == []


def test_the_refusal_is_in_english_when_english_was_chosen(public_client: FlaskClient) -> None:
    response = post(public_client, [(samples.html_page(), "scan.pdf")], lang="en")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "“scan.pdf” cannot be accepted: its content is a web page or script" in page
    assert "Please choose them again" in page


def test_a_corrupt_photo_is_refused(public_client: FlaskClient, demo: Demo) -> None:
    response = post(public_client, [(samples.jpeg_with_gps()[:400], "ภาพ.jpg")])
    assert response.status_code == 400
    assert "ไฟล์ “ภาพ.jpg” อาจเสียหาย ระบบอ่านไม่ได้" in response.get_data(as_text=True)
    assert count_complaints(demo) == 0


def test_a_password_protected_pdf_is_refused(public_client: FlaskClient, demo: Demo) -> None:
    response = post(public_client, [(samples.encrypted_pdf(), "locked.pdf")])
    assert response.status_code == 400
    assert "ตั้งรหัสผ่านไว้" in response.get_data(as_text=True)
    assert count_complaints(demo) == 0


def test_too_many_files(public_client: FlaskClient, demo: Demo, settings: Settings) -> None:
    photo = samples.jpeg_with_gps()
    response = post(public_client, [(photo, f"{n}.jpg") for n in range(6)])
    assert response.status_code == 400
    assert "ท่านเลือกไว้ 6 ไฟล์ แต่ส่งได้ครั้งละไม่เกิน 5 ไฟล์" in response.get_data(as_text=True)
    assert count_complaints(demo) == 0
    assert post(public_client, [(photo, f"{n}.jpg") for n in range(5)]).status_code == 200
    assert len(stored_files(settings)) == 5


@pytest.fixture
def small_limits(settings: Settings, engine: Engine, demo: Demo, tmp_path: Path
                 ) -> tuple[FlaskClient, Settings]:
    """The public app with 1 MB per file, 2 files, and its own spool folder."""
    spool = tmp_path / "spool"
    spool.mkdir()
    limited = dataclasses.replace(settings, attachment_max_mb=1, attachment_max_files=2,
                                  spool_dir=spool)
    app: Flask = create_public_app(limited, engine=engine)
    app.config["TESTING"] = True
    return app.test_client(), limited


def test_a_file_over_the_size_limit_is_refused_with_the_form_kept(
        small_limits: tuple[FlaskClient, Settings], demo: Demo) -> None:
    client, settings = small_limits
    big = samples.pdf_with_author() + b"%" + b"x" * (1024 * 1024)
    response = post(client, [(big, "big.pdf")])
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "ไฟล์ “big.pdf” มีขนาดเกิน 1 MB" in page
    assert VALID["what_happened"] in page
    assert count_complaints(demo) == 0
    assert stored_files(settings) == []


def test_an_oversized_body_gets_a_clear_413_page(small_limits: tuple[FlaskClient, Settings],
                                                 demo: Demo) -> None:
    client, settings = small_limits
    chunk = b"x" * (1024 * 1024)
    response = post(client, [(chunk, "a.pdf"), (chunk, "b.pdf"), (chunk, "c.pdf")])
    page = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "ข้อมูลใหญ่เกินกว่าจะส่งได้" in page
    assert "ส่งได้ครั้งละไม่เกิน 2 ไฟล์ ไฟล์ละไม่เกิน 1 MB" in page
    assert "ย้อนกลับ" in page
    assert count_complaints(demo) == 0
    assert stored_files(settings) == []


def test_other_pages_keep_the_small_body_limit(small_limits: tuple[FlaskClient, Settings]
                                               ) -> None:
    client, _settings = small_limits
    token = csrf_token(client.get("/track").get_data(as_text=True))
    response = client.post("/track", data={"csrf_token": token, "code": "x" * 300_000})
    assert response.status_code == 413


def test_no_plaintext_temporary_file_is_left_in_the_spool(
        small_limits: tuple[FlaskClient, Settings]) -> None:
    """Uploads over 500 KB go to the spool folder as anonymous files: nothing is named there
    during or after the request, whether the file was accepted or refused."""
    client, settings = small_limits
    photo = samples.jpeg_with_gps(size=(1200, 900))
    padded = samples.pdf_with_author() + b"%" + bytes(600 * 1024)
    assert post(client, [(padded, "big.pdf"), (photo, "p.jpg")]).status_code == 200
    assert post(client, [(samples.executable() + bytes(600 * 1024), "x.jpg")]).status_code == 400
    assert settings.spool_dir is not None
    assert list(settings.spool_dir.iterdir()) == []


def test_a_form_error_says_the_files_must_be_chosen_again(public_client: FlaskClient,
                                                          demo: Demo) -> None:
    response = post(public_client, [(samples.jpeg_with_gps(), "p.jpg")], {"what_happened": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "กรุณาเลือกไฟล์อีกครั้งก่อนกดส่ง" in page
    assert VALID["where_happened"] in page
    without_files = post(public_client, [], {"what_happened": ""}).get_data(as_text=True)
    assert "กรุณาเลือกไฟล์อีกครั้งก่อนกดส่ง" not in without_files
    assert count_complaints(demo) == 0


def test_the_form_offers_the_file_field_with_limits(public_client: FlaskClient) -> None:
    page = public_client.get("/report").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page
    tag = re.search(r'<input[^>]*type="file"[^>]*>', page)
    assert tag
    assert " multiple " in tag.group(0)
    assert "แนบได้ไม่เกิน 5 ไฟล์ ไฟล์ละไม่เกิน 20 MB" in page
    assert "สถานที่และเวลาที่ถ่ายภาพ" in page


def _thread(client: FlaskClient, code: str) -> str:
    token = csrf_token(client.get("/track").get_data(as_text=True))
    return client.post("/track", data={"code": code, "csrf_token": token}).get_data(as_text=True)


def test_files_are_added_later_with_the_tracking_code(public_client: FlaskClient,
                                                      demo: Demo, settings: Settings) -> None:
    receipt = post(public_client, []).get_data(as_text=True)
    code_match = TRACKING_CODE.search(receipt)
    assert code_match
    code = code_match.group(1)
    page = _thread(public_client, code)
    assert 'enctype="multipart/form-data"' in page
    added = public_client.post("/track/information", data={
        "csrf_token": csrf_token(page), "code": code, "information": "",
        "attachments": [(io.BytesIO(samples.docx_with_author()), "บันทึก.docx")],
    }, content_type="multipart/form-data")
    body = added.get_data(as_text=True)
    assert added.status_code == 200, body
    assert "ไฟล์ที่ท่านส่งมา" in body
    assert "-attachment-1.docx" in body
    assert "แนบไฟล์เท่านั้น" in body  # the entry with no text
    assert len(stored_files(settings)) == 1
    refused = public_client.post("/track/information", data={
        "csrf_token": csrf_token(body), "code": code, "information": "ข้อความเพิ่มเติม",
        "attachments": [(io.BytesIO(samples.executable()), "scan.jpg")],
    }, content_type="multipart/form-data")
    text = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "รับไฟล์ “scan.jpg” ไม่ได้" in text
    assert "ข้อความเพิ่มเติม" in text  # kept in the form
    assert attachment_rows(demo) == 1
