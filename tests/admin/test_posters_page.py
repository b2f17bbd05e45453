"""The staff page that makes QR posters (issue 8 §1): administrators for any unit, members for
their own units; every poster registered once, audited, and downloadable as PDF, PNG and SVG."""

import re
from io import BytesIO

import pytest
import zxingcpp
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select

from rongrian.intake.models import AuditAction, AuditEntry, QrPoster
from tests.admin.helpers import login, page, post_form
from tests.conftest import Demo

PLACE = "หน้าห้องกองช่าง ชั้น 2"


def _posters(demo: Demo) -> list[QrPoster]:
    with demo.sessions() as session:
        posters = list(session.scalars(select(QrPoster)))
        for poster in posters:
            _ = poster.unit.code  # loaded while the session is open
        return posters


def _make(client: FlaskClient, unit: str, place: str = PLACE, size: str = "A5"):  # type: ignore[no-untyped-def]
    return post_form(client, "/posters", "/posters", {"unit": unit, "place": place, "size": size})


def test_a_unit_member_makes_a_poster_of_their_unit_once_and_downloads_it(
        staff_client: FlaskClient, demo: Demo) -> None:
    login(staff_client, "works")
    answer = _make(staff_client, "WORKS")
    assert answer.status_code == 303
    [poster] = _posters(demo)
    assert (poster.unit.code, poster.place, poster.size) == ("WORKS", PLACE, "A5")
    assert answer.headers["Location"].endswith(f"/posters#poster-{poster.id}")
    status, html = page(staff_client, "/posters")
    assert status == 200
    assert f'id="poster-{poster.id}"' in html
    assert PLACE in html
    assert f"place={poster.id}" in html
    pdf = staff_client.get(f"/posters/{poster.id}.pdf")
    assert pdf.status_code == 200
    assert pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF")
    png = staff_client.get(f"/posters/{poster.id}.png")
    with Image.open(BytesIO(png.data)) as picture:
        decoded = {found.text for found in zxingcpp.read_barcodes(picture)}
    assert decoded == {f"http://127.0.0.1:8000/report?unit=WORKS&channel=qr&place={poster.id}"}
    assert staff_client.get(f"/posters/{poster.id}.svg").mimetype == "image/svg+xml"
    with demo.sessions() as session:
        entries = session.scalars(select(AuditEntry).where(
            AuditEntry.action == AuditAction.POSTER_MADE)).all()
    assert len(entries) == 1


def test_a_member_cannot_make_or_see_another_units_posters(staff_client: FlaskClient,
                                                           demo: Demo) -> None:
    login(staff_client, "admin")
    assert _make(staff_client, "FINANCE").status_code == 303
    [finance_poster] = _posters(demo)
    staff_client.post("/logout", data={})
    staff_client.delete_cookie("rongrian_staff_session")
    other = staff_client.application.test_client()
    login(other, "works")
    answer = _make(other, "FINANCE")
    assert answer.status_code == 400
    assert "กรุณาเลือกหน่วยงานที่เปิดใช้งานจากรายการ" in answer.get_data(as_text=True)
    assert len(_posters(demo)) == 1
    _status, html = page(other, "/posters")
    assert finance_poster.id not in html
    assert other.get(f"/posters/{finance_poster.id}.pdf").status_code == 404


@pytest.mark.parametrize(("place", "size"), [("ก" * 81, "A4"), ("ชั้น 1\x1b[31m", "A4"),
                                             ("ชั้น 1", "A3")])
def test_bad_input_is_refused_in_thai_and_nothing_is_registered(
        staff_client: FlaskClient, demo: Demo, place: str, size: str) -> None:
    login(staff_client, "admin")
    answer = _make(staff_client, "WORKS", place, size)
    assert answer.status_code == 400
    assert re.search("ไม่เกิน 80 ตัวอักษร|A4, A5 หรือ A6|Not a valid choice|เลือก",
                     answer.get_data(as_text=True))
    assert _posters(demo) == []


def test_executives_have_no_poster_page(staff_client: FlaskClient, demo: Demo) -> None:
    login(staff_client, "executive")
    assert staff_client.get("/posters").status_code == 403
    assert _posters(demo) == []
