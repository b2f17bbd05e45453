"""Staff of the case's unit see and download attachments, cleaned of their metadata; nobody
else can; and the stored files hold neither the file's bytes nor its metadata."""

import io
import re
import uuid

import pikepdf
import pytest
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select

from rongrian.intake.audit import verify_chain
from rongrian.intake.models import AuditAction, AuditEntry
from rongrian.settings import Settings
from tests.admin.helpers import login, page
from tests.channels import samples
from tests.channels.web.helpers import CASE_NUMBER, VALID
from tests.conftest import Demo, csrf_token

ATTACHMENT_LINK = re.compile(r'href="(/cases/([0-9a-f-]{36})/attachments/[0-9a-f-]{36})"')


def file_with(public_client: FlaskClient, files: list[tuple[bytes, str]]) -> str:
    """File a complaint for WORKS with ``files`` through the public form; return its number."""
    token = csrf_token(public_client.get("/report").get_data(as_text=True))
    response = public_client.post("/report", data={
        **VALID, "csrf_token": token,
        "attachments": [(io.BytesIO(content), name) for content, name in files],
    }, content_type="multipart/form-data")
    body = response.get_data(as_text=True)
    assert response.status_code == 200, body
    number = CASE_NUMBER.search(body)
    assert number
    return number.group(1)


@pytest.fixture
def filed(public_client: FlaskClient) -> str:
    """A complaint for WORKS with a photo carrying GPS and a PDF with an author."""
    return file_with(public_client, [(samples.jpeg_with_gps(), "IMG_0001.jpg"),
                                     (samples.pdf_with_author(), "evidence.pdf")])


def links(staff_client: FlaskClient) -> list[str]:
    status, cases = page(staff_client, "/cases")
    assert status == 200
    case_path = re.search(r'href="(/cases/[0-9a-f-]{36})"', cases)
    assert case_path
    status, body = page(staff_client, case_path.group(1))
    assert status == 200
    return [match.group(1) for match in ATTACHMENT_LINK.finditer(body)]


def test_the_unit_downloads_the_cleaned_files(staff_client: FlaskClient, filed: str) -> None:
    login(staff_client, "works")
    status, cases = page(staff_client, "/cases")
    case_path = re.search(r'href="(/cases/[0-9a-f-]{36})"', cases)
    assert case_path
    _status, body = page(staff_client, case_path.group(1))
    generic = filed.replace("/", "-")
    assert f"{generic}-attachment-1.jpg" in body
    assert "ส่งมาพร้อมเรื่องร้องเรียน" in body
    assert "IMG_0001" not in body
    photo_link, pdf_link = links(staff_client)

    photo = staff_client.get(photo_link)
    assert photo.status_code == 200
    assert photo.mimetype == "image/jpeg"
    disposition = f"attachment; filename={generic}-attachment-1.jpg"
    assert photo.headers["Content-Disposition"] == disposition
    assert photo.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in photo.headers["Cache-Control"]
    image = Image.open(io.BytesIO(photo.data))
    assert image.size == (64, 48)
    assert dict(image.getexif()) == {}
    assert samples.CAMERA.encode() not in photo.data

    document = staff_client.get(pdf_link)
    assert document.mimetype == "application/pdf"
    assert int(document.headers["Content-Length"]) == len(document.data)
    with pikepdf.open(io.BytesIO(document.data)) as pdf:
        assert not dict(pdf.docinfo)
        assert "/Metadata" not in pdf.Root
    text = samples.every_text_of(document.data)
    for marker in (samples.AUTHOR, samples.XMP_AUTHOR, samples.COMPANY, samples.CAMERA):
        assert marker.encode() not in text
    assert samples.BODY_TEXT.encode() in text


def test_stored_files_hold_no_plaintext_and_no_metadata(staff_client: FlaskClient,
                                                        filed: str, settings: Settings) -> None:
    login(staff_client, "works")
    downloads = [staff_client.get(link).data for link in links(staff_client)]
    originals = [samples.jpeg_with_gps(), samples.pdf_with_author()]
    stored = [path.read_bytes() for path in sorted(settings.attachments_dir.iterdir())]
    assert len(stored) == 2
    # Distinctive pieces: 48-byte windows of what staff receive and of what was uploaded,
    # and the planted metadata. The same search finds them in the plaintext (it can fail).
    needles = [data[i:i + 48] for data in downloads + originals
               for i in range(0, len(data) - 48, max(1, len(data) // 40))]
    needles += [marker.encode() for marker in (samples.CAMERA, samples.ARTIST, samples.AUTHOR,
                                               samples.XMP_AUTHOR, samples.BODY_TEXT)]
    assert any(needle in downloads[1] for needle in needles)
    for blob in stored:
        assert [needle for needle in needles if needle in blob] == []
        assert not blob.startswith((b"\xff\xd8", b"%PDF"))


def test_other_units_get_not_found_and_executives_are_refused(
        staff_client: FlaskClient, filed: str) -> None:
    login(staff_client, "works")
    link = links(staff_client)[0]
    finance = staff_client.application.test_client()
    login(finance, "finance")
    assert finance.get(link).status_code == 404
    case_id = link.split("/")[2]
    assert finance.get(f"/cases/{case_id}/attachments/{uuid.uuid4()}").status_code == 404
    executive = staff_client.application.test_client()
    login(executive, "executive")
    assert executive.get(link).status_code == 403
    anonymous = staff_client.application.test_client()
    assert anonymous.get(link).status_code in (302, 303, 401)


def test_an_attachment_of_another_case_is_not_found_under_this_case(
        staff_client: FlaskClient, public_client: FlaskClient, filed: str) -> None:
    second = file_with(public_client, [(samples.jpeg_with_gps(), "b.jpg")])
    assert second != filed
    login(staff_client, "works")
    _status, cases = page(staff_client, "/cases")
    case_ids = re.findall(r'href="/cases/([0-9a-f-]{36})"', cases)
    assert len(set(case_ids)) == 2
    own = {case_id: [m.group(1) for m in ATTACHMENT_LINK.finditer(
        page(staff_client, f"/cases/{case_id}")[1])] for case_id in set(case_ids)}
    first_id, second_id = list(own)
    foreign = own[second_id][0].split("/")[-1]
    assert staff_client.get(f"/cases/{first_id}/attachments/{foreign}").status_code == 404


def test_a_tampered_file_is_never_served(staff_client: FlaskClient, filed: str,
                                         settings: Settings) -> None:
    login(staff_client, "works")
    link = links(staff_client)[0]
    for path in settings.attachments_dir.iterdir():
        data = bytearray(path.read_bytes())
        data[-1] ^= 0x01  # the last chunk's tag: only a whole-file check sees it
        path.write_bytes(bytes(data))
    response = staff_client.get(link)
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "ไฟล์แนบเสียหายหรือสูญหาย" in body
    assert response.mimetype == "text/html"


def test_files_added_later_are_marked_as_such(staff_client: FlaskClient,
                                              public_client: FlaskClient) -> None:
    token = csrf_token(public_client.get("/report").get_data(as_text=True))
    receipt = public_client.post("/report", data={**VALID, "csrf_token": token}
                                 ).get_data(as_text=True)
    code = re.search(r'id="tracking-code">([0-9A-Z-]{19})<', receipt)
    assert code
    thread = public_client.post("/track", data={
        "code": code.group(1),
        "csrf_token": csrf_token(public_client.get("/track").get_data(as_text=True))})
    added = public_client.post("/track/information", data={
        "csrf_token": csrf_token(thread.get_data(as_text=True)), "code": code.group(1),
        "information": "", "attachments": [(io.BytesIO(samples.png_with_metadata()), "a.png")],
    }, content_type="multipart/form-data")
    assert added.status_code == 200
    login(staff_client, "works")
    case_path = re.search(r'href="(/cases/[0-9a-f-]{36})"', page(staff_client, "/cases")[1])
    assert case_path
    body = page(staff_client, case_path.group(1))[1]
    assert "ผู้ร้องส่งเพิ่มภายหลัง" in body
    assert "แนบไฟล์เท่านั้น ดูที่ไฟล์แนบ" in body
    image = Image.open(io.BytesIO(staff_client.get(links(staff_client)[0]).data))
    assert image.format == "PNG"
    assert "Author" not in image.info


def test_each_download_is_an_audit_entry(staff_client: FlaskClient, filed: str,
                                         demo: Demo) -> None:
    login(staff_client, "works")
    first = links(staff_client)[0]

    def downloads() -> list[AuditEntry]:
        with demo.sessions() as session:
            return list(session.scalars(select(AuditEntry).where(
                AuditEntry.action == AuditAction.ATTACHMENT_DOWNLOADED)))

    assert downloads() == []
    assert staff_client.get(first).status_code == 200
    assert staff_client.get(first).status_code == 200
    entries = downloads()
    assert len(entries) == 2
    assert {entry.actor_name for entry in entries} == {"works"}
    with demo.sessions() as session:
        assert verify_chain(session).ok
