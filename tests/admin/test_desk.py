"""The intake desk (issue 8 §2): complaints by telephone, letter, in person, suggestion box and
referral, taken down by a desk officer, land in the handling unit's queue with their channel and
received day, count in the summary and the Word report, open at ``/track`` with the code read
off the slip, and stay closed to the officer who took them down."""

import io
import json
import re
from datetime import UTC, date, datetime, timedelta
from io import BytesIO

import pytest
from docx import Document
from flask.testing import FlaskClient
from sqlalchemy import Engine, select

from rongrian.admin.cli import main
from rongrian.admin.report_docx import docx_bytes
from rongrian.intake.desk import earliest_received_on
from rongrian.intake.models import AuditAction, AuditEntry, Complaint, StaffAccount
from rongrian.intake.reporting import parse_period, summarise
from rongrian.intake.thaidate import fiscal_year_of
from rongrian.settings import Settings
from tests.admin.helpers import login, page, post_form
from tests.channels import samples
from tests.channels.web.helpers import complaint_by_number, count_complaints, track
from tests.conftest import Demo, csrf_token
from tests.test_threats import NOTHING, attempt, staff_holdings

TEXT = "โทรมาแจ้งว่าไฟถนนซอย 4 ดับมาสามคืนแล้ว"
RECEIPT_NUMBER = re.compile(r"บันทึกเรื่องเลขที่ (\d{4}/\d{6}) แล้ว")
CODE = re.compile(r'id="slip-code">([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})<')


def _today() -> date:
    return datetime.now(UTC).date()



def _form(**changes: str) -> dict[str, str]:
    data = {"channel": "phone", "received_on": _today().isoformat(), "backdating_reason": "",
            "referral_body": "", "referral_reference": "", "referral_agency": "",
            "kind": "grievance", "category": "general", "unit": "WORKS",
            "what_happened": TEXT, "when_happened": "", "where_happened": "ซอย 4",
            "who_involved": "", "name": "", "phone": "", "email": ""}
    return {**data, **changes}


def _take_down(client: FlaskClient, **changes: str):  # type: ignore[no-untyped-def]
    return post_form(client, "/desk", "/desk", _form(**changes))


CHANNELS = [
    ("phone", {}),
    ("letter", {}),
    ("walk_in", {}),
    ("suggestion_box", {}),
    ("referral", {"referral_body": "damrongdham", "referral_reference": "ชม 0017/2569"}),
    ("referral", {"referral_body": "other_agency", "referral_reference": "ศธ 04/123",
                  "referral_agency": "สำนักงานเขตพื้นที่การศึกษา"}),
]


@pytest.mark.parametrize(("channel", "extra"), CHANNELS)
def test_each_channel_lands_in_the_units_queue_summary_and_report_and_tracks(
        staff_client: FlaskClient, public_client: FlaskClient, demo: Demo, desk_officer: str,
        channel: str, extra: dict[str, str]) -> None:
    login(staff_client, desk_officer)
    received = _today() - timedelta(days=2)
    answer = _take_down(staff_client, channel=channel, received_on=received.isoformat(),
                        backdating_reason="จดหมายมาถึงวันศุกร์ บันทึกวันจันทร์", **extra)
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200, html
    number = RECEIPT_NUMBER.search(html)
    code = CODE.search(html)
    assert number is not None
    assert code is not None
    assert "ศูนย์" in html or "(" in html  # the code spelled for the telephone
    complaint = complaint_by_number(demo, number.group(1))
    assert complaint.channel.value == channel
    assert complaint.received_on == received
    assert complaint.referral_body == (extra.get("referral_body") or None)
    assert complaint.referral_reference == (extra.get("referral_reference") or None)
    # The unit's queue.
    works = staff_client.application.test_client()
    login(works, "works")
    assert number.group(1) in page(works, "/cases")[1]
    # The summary and the Word report count it under its channel.
    with demo.sessions() as session:
        summary = summarise(session, parse_period(str(fiscal_year_of(received))))
    assert summary.by_channel[channel] == 1
    document = Document(BytesIO(docx_bytes(summary, organisation="ทต.ร่มเย็น")))
    rows = [[cell.text for cell in row.cells] for table in document.tables for row in table.rows]
    channel_rows = [row for row in rows if any("ส่งต่อ" in c or "โทรศัพท์" in c or "จดหมาย" in c
                                                or "ยื่นด้วยตนเอง" in c or "ตู้รับฟัง" in c
                                                for c in row)]
    assert any(row[2].strip() == "1" for row in channel_rows)
    # The complainant tracks it with the code read off the slip.
    thread = track(public_client, code.group(1))
    assert thread.status_code == 200
    assert number.group(1) in thread.get_data(as_text=True)


def test_the_desk_officer_cannot_open_what_they_took_down(
        staff_client: FlaskClient, demo: Demo, desk_officer: str) -> None:
    login(staff_client, desk_officer)
    html = _take_down(staff_client).get_data(as_text=True)
    number = RECEIPT_NUMBER.search(html)
    assert number is not None
    complaint = complaint_by_number(demo, number.group(1))
    assert staff_client.get(f"/cases/{complaint.id}").status_code == 404
    with demo.sessions() as session:
        stored = session.get_one(Complaint, complaint.id)
        assert attempt(session, staff_holdings(session, desk_officer), stored) == NOTHING


def test_a_back_dated_complaint_needs_a_reason_and_is_audited(
        staff_client: FlaskClient, demo: Demo, desk_officer: str) -> None:
    login(staff_client, desk_officer)
    yesterday = (_today() - timedelta(days=1)).isoformat()
    refused = _take_down(staff_client, received_on=yesterday)
    assert refused.status_code == 400
    assert "กรุณาระบุเหตุผลที่บันทึกหลังวันที่รับเรื่อง" in refused.get_data(as_text=True)
    assert count_complaints(demo) == 0
    accepted = _take_down(staff_client, received_on=yesterday, backdating_reason="ไฟดับทั้งวัน")
    assert accepted.status_code == 200
    with demo.sessions() as session:
        entry = session.scalars(select(AuditEntry).where(
            AuditEntry.action == AuditAction.DESK_INTAKE)).one()
    assert entry.detail is not None
    detail = json.loads(entry.detail)
    assert detail["backdated_because"] == "ไฟดับทั้งวัน"
    assert detail["received_on"] == yesterday


@pytest.mark.parametrize(("changes", "message"), [
    ({"received_on": (datetime.now(UTC).date() + timedelta(days=1)).isoformat()},
     "ต้องไม่เป็นวันในอนาคต"),
    ({"received_on": (earliest_received_on(datetime.now(UTC).date())
                      - timedelta(days=1)).isoformat(), "backdating_reason": "เก่า"},
     "ต้องไม่ก่อนวันที่"),
    ({"received_on": "31/13/2569"}, "กรุณาระบุวันที่รับเรื่องเป็นวันที่"),
    ({"channel": "referral", "referral_body": "nacc"}, "กรุณาระบุเลขที่อ้างอิง"),
    ({"channel": "referral", "referral_reference": "123"}, "กรุณาเลือกหน่วยงานที่ส่งต่อ"),
    ({"channel": "referral", "referral_body": "other_agency", "referral_reference": "1"},
     "กรุณาระบุชื่อหน่วยงานที่ส่งต่อ"),
    ({"channel": "web"}, "กรุณาตรวจสอบช่องนี้"),
    ({"what_happened": ""}, "กรุณาบันทึกสิ่งที่ผู้ร้องแจ้ง"),
    ({"category": ""}, "กรุณาเลือกประเภทเรื่อง"),
])
def test_bad_input_gets_a_clear_message_and_nothing_is_stored(
        staff_client: FlaskClient, demo: Demo, desk_officer: str, changes: dict[str, str],
        message: str) -> None:
    login(staff_client, desk_officer)
    answer = _take_down(staff_client, **changes)
    assert answer.status_code == 400
    assert message in answer.get_data(as_text=True)
    assert count_complaints(demo) == 0


def test_an_anonymous_letter_with_no_contact_gets_no_code_but_counts(
        staff_client: FlaskClient, demo: Demo, desk_officer: str) -> None:
    login(staff_client, desk_officer)
    answer = _take_down(staff_client, channel="letter", no_contact="y")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert CODE.search(html) is None
    assert 'id="desk-tracking-code"' not in html
    assert 'id="no-contact"' in html
    with demo.sessions() as session:
        complaint = session.scalars(select(Complaint)).one()
        summary = summarise(session, parse_period(str(fiscal_year_of(complaint.received_on))))
    assert summary.by_channel["letter"] == 1


def test_only_desk_officers_have_the_desk(staff_client: FlaskClient, demo: Demo) -> None:
    login(staff_client, "works")
    assert staff_client.get("/desk").status_code == 403
    assert "/desk" not in page(staff_client, "/cases")[1]


def test_the_desk_role_is_given_and_taken_away_from_the_command_line_audited(
        demo: Demo, settings: Settings, engine: Engine, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("RONGRIAN_INSTANCE", str(settings.instance_path))
    monkeypatch.setenv("RONGRIAN_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    assert main(["staff", "desk", "finance", "--on"]) == 0
    assert main(["staff", "desk", "finance", "--off"]) == 0
    assert main(["staff", "desk", "nobody", "--on"]) == 2
    _out, err = capsys.readouterr()
    assert "ไม่พบบัญชีผู้ใช้" in err
    with demo.sessions() as session:
        actions = session.scalars(select(AuditEntry.detail).where(
            AuditEntry.action == AuditAction.DESK_ROLE_CHANGED)).all()
        account = session.scalars(select(StaffAccount).where(
            StaffAccount.username == "finance")).one()
    assert [json.loads(detail or "{}")["intake_desk"] for detail in actions] == [True, False]
    assert account.intake_desk is False


def _with_files(client: FlaskClient, files: list[tuple[bytes, str]], **changes: str):  # type: ignore[no-untyped-def]
    token = csrf_token(client.get("/desk").get_data(as_text=True))
    data: dict[str, object] = {**_form(**changes), "csrf_token": token,
                               "attachments": [(io.BytesIO(raw), name) for raw, name in files]}
    return client.post("/desk", data=data, content_type="multipart/form-data")


def test_a_scanned_letter_is_cleaned_encrypted_and_read_by_the_unit(
        staff_client: FlaskClient, demo: Demo, desk_officer: str, settings: Settings) -> None:
    login(staff_client, desk_officer)
    answer = _with_files(staff_client, [(samples.jpeg_with_gps(), "letter-scan.jpg"),
                                        (samples.pdf_with_author(), "letter.pdf")],
                         channel="letter")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200, html
    number = RECEIPT_NUMBER.search(html)
    assert number is not None
    complaint = complaint_by_number(demo, number.group(1))
    stored = list(settings.attachments_dir.iterdir())
    assert len(stored) == 2
    for blob in (path.read_bytes() for path in stored):
        assert samples.CAMERA.encode() not in blob
        assert not blob.startswith((b"\xff\xd8", b"%PDF"))
    works = staff_client.application.test_client()
    login(works, "works")
    case_page = page(works, f"/cases/{complaint.id}")[1]
    links = re.findall(r'href="(/cases/[0-9a-f-]+/attachments/[0-9a-f-]+)"', case_page)
    assert len(links) == 2
    downloads = [works.get(link).data for link in links]
    assert any(data.startswith(b"\xff\xd8") for data in downloads)
    assert all(samples.CAMERA.encode() not in data and samples.AUTHOR.encode() not in data
               for data in downloads)


def test_a_30_mb_scan_is_refused_and_nothing_is_stored(
        staff_client: FlaskClient, demo: Demo, desk_officer: str, settings: Settings) -> None:
    login(staff_client, desk_officer)
    scan = b"%PDF-1.4\n" + b"0" * (30 * 1024 * 1024)
    answer = _with_files(staff_client, [(scan, "big-scan.pdf")], channel="letter")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 400
    assert "big-scan.pdf" in html
    assert "ใหญ่หรือซับซ้อนเกินไป" in html
    assert TEXT in html  # what the officer typed is kept
    assert count_complaints(demo) == 0
    assert not settings.attachments_dir.exists() or list(settings.attachments_dir.iterdir()) == []


def test_an_administrator_gives_and_takes_away_the_desk_role_on_the_account_page(
        staff_client: FlaskClient, demo: Demo) -> None:
    with demo.sessions() as session:
        finance_id = session.scalars(select(StaffAccount.id).where(
            StaffAccount.username == "finance")).one()
    login(staff_client, "admin")
    account_page = f"/admin/staff/{finance_id}"
    given = post_form(staff_client, account_page, f"{account_page}/desk", {"on": "1"})
    assert given.status_code == 302
    assert "รับเรื่องจากช่องทางอื่นได้แล้ว" in page(staff_client, account_page)[1]
    finance = staff_client.application.test_client()
    login(finance, "finance")
    assert finance.get("/desk").status_code == 200
    post_form(staff_client, account_page, f"{account_page}/desk", {"on": "0"})
    assert finance.get("/desk").status_code == 403
    with demo.sessions() as session:
        changes = session.scalars(select(AuditEntry).where(
            AuditEntry.action == AuditAction.DESK_ROLE_CHANGED)).all()
    assert len(changes) == 2
    works = staff_client.application.test_client()
    login(works, "works")
    assert post_form(works, "/cases", f"{account_page}/desk", {"on": "1"}).status_code == 403
