"""A case's investigation file (issue 9 §5): a PDF of the case and its thread for the unit's
members only (404 for anyone else, like the case page), audited, Thai text shaped and extractable,
nothing of the complainant's identity in it; and the release of a whistleblower case for
retention from the case page."""

import re
import subprocess
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from rongrian.intake.models import AuditEntry, Complaint, Status
from rongrian.intake.store import Identity
from tests.admin.helpers import WORKS_TEXT, Filer, login, page, post_form
from tests.conftest import Demo

NAME = "สมหญิง ใจกล้าหาญ"
PHONE = "0899998877"
REPLY = "ช่างจะเข้าไปลอกท่อภายในวันศุกร์นี้"


def _text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "file.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", str(path), "-"],  # noqa: S603, S607
                          check=True, capture_output=True, text=True).stdout


def _squeezed(text: str) -> str:
    """Without whitespace: pdftotext may put a space after a shaped SARA AM."""
    return re.sub(r"\s+", "", text)


def _reply(client: FlaskClient, case: str, text: str) -> None:
    assert post_form(client, case, f"{case}/reply", {"text": text}).status_code in (302, 303)


def test_a_unit_member_downloads_the_case_file_audited(
        staff_client: FlaskClient, file: Filer, demo: Demo, tmp_path: Path) -> None:
    receipt = file(identity=Identity(name=NAME, phone=PHONE, email="ying@example.org"))
    login(staff_client, "works")
    case = f"/cases/{receipt.complaint_id}"
    assert 'id="case-file-link"' in page(staff_client, case)[1]
    _reply(staff_client, case, REPLY)
    response = staff_client.get(f"{case}/file.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    assert "attachment" in response.headers["Content-Disposition"]
    pdf = response.get_data()
    assert pdf.startswith(b"%PDF")
    assert b"Sarabun" in pdf
    text = _squeezed(_text(pdf, tmp_path))
    for expected in (WORKS_TEXT, REPLY, receipt.case_number, "ซอย3", "แฟ้มเรื่อง",
                     "รับเรื่อง"):
        assert _squeezed(expected) in text, expected
    for secret in (NAME, PHONE, "ying@example.org", receipt.tracking_code):
        assert _squeezed(secret) not in text
    with demo.sessions() as session:
        actions = [(e.action, e.actor_name, e.case_number) for e in session.scalars(
            select(AuditEntry).where(AuditEntry.action == "case_file_exported"))]
    assert actions == [("case_file_exported", "works", receipt.case_number)]


def test_the_file_renders_as_a_page_image(staff_client: FlaskClient, file: Filer,
                                          tmp_path: Path) -> None:
    receipt = file(what_happened="ท่อระบายน้ำอุดตัน " * 200)  # several pages
    login(staff_client, "works")
    pdf = staff_client.get(f"/cases/{receipt.complaint_id}/file.pdf").get_data()
    (tmp_path / "file.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(tmp_path / "file.pdf"),  # noqa: S603, S607
                    str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 2
    assert all(p.stat().st_size > 1000 for p in pages)


@pytest.mark.parametrize("username", ["finance", "integrity", "admin"])
def test_other_staff_get_404_and_no_audit_entry(staff_client: FlaskClient, file: Filer,
                                                demo: Demo, username: str) -> None:
    receipt = file()
    login(staff_client, username)
    assert staff_client.get(f"/cases/{receipt.complaint_id}/file.pdf").status_code == 404
    with demo.sessions() as session:
        assert session.scalars(select(AuditEntry).where(
            AuditEntry.action == "case_file_exported")).first() is None


def test_an_executive_is_refused(staff_client: FlaskClient, file: Filer) -> None:
    receipt = file()
    login(staff_client, "executive")
    assert staff_client.get(f"/cases/{receipt.complaint_id}/file.pdf").status_code == 403


def test_the_integrity_unit_releases_a_finished_tip_from_the_case_page(
        staff_client: FlaskClient, file: Filer, demo: Demo) -> None:
    receipt = file(kind="tip", category_code="corruption")
    login(staff_client, "integrity")
    case = f"/cases/{receipt.complaint_id}"
    assert 'id="retention-release"' not in page(staff_client, case)[1]  # not finished yet
    refused = post_form(staff_client, case, f"{case}/retention-release", {})
    assert refused.status_code == 303
    with demo.sessions() as session:
        complaint = session.get(Complaint, receipt.complaint_id)
        assert complaint is not None
        assert not complaint.retention_released
        complaint.status = Status.CLOSED
        session.commit()
    assert 'id="retention-release"' in page(staff_client, case)[1]
    done = post_form(staff_client, case, f"{case}/retention-release", {})
    assert done.status_code == 303
    with demo.sessions() as session:
        complaint = session.get(Complaint, receipt.complaint_id)
        assert complaint is not None
        assert complaint.retention_released
        assert session.scalars(select(AuditEntry.actor_name).where(
            AuditEntry.action == "retention_released")).all() == ["integrity"]
    assert 'id="retention-release"' not in page(staff_client, case)[1]
