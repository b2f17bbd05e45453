"""``rongrian report send``: the report documents by e-mail, against a real SMTP server
(issue 10 §4)."""

import io
import shutil
import subprocess
from datetime import UTC, date, datetime
from email.message import EmailMessage

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlalchemy import Engine, select, update

from rongrian.admin.cli import main
from rongrian.admin.report_send import last_quarter
from rongrian.intake.audit import verify_chain
from rongrian.intake.models import AuditEntry, StaffAccount
from rongrian.intake.store import Receipt
from rongrian.settings import Settings
from tests.admin.helpers import TIP_TEXT, WORKS_TEXT, Filer
from tests.conftest import Demo, SmtpSink, free_port

FILED = datetime(2026, 8, 3, 3, 0, tzinfo=UTC)  # 2569-Q4 (July–September 2026)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def mail_env(monkeypatch: pytest.MonkeyPatch, settings: Settings, engine: Engine,
             smtp_server: SmtpSink, installed_before: None) -> SmtpSink:
    monkeypatch.setenv("RONGRIAN_INSTANCE", str(settings.instance_path))
    monkeypatch.setenv("RONGRIAN_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("RONGRIAN_SMTP_HOST", smtp_server.host)
    monkeypatch.setenv("RONGRIAN_SMTP_PORT", str(smtp_server.port))
    monkeypatch.setenv("RONGRIAN_SMTP_SECURITY", "none")
    monkeypatch.setenv("RONGRIAN_SMTP_FROM", "Rongrian <rongrian@example.go.th>")
    return smtp_server


@pytest.fixture
def filed(demo: Demo, file: Filer) -> list[Receipt]:
    """Two service complaints and a tip in 2569-Q4; the executive has an address."""
    with demo.sessions() as session:
        session.execute(update(StaffAccount).where(StaffAccount.username == "executive")
                        .values(email="mayor@example.go.th"))
        session.commit()
    return [file(now=FILED), file(now=FILED, category_code="road"),
            file(now=FILED, kind="tip", category_code="corruption", what_happened=TIP_TEXT)]


def docx_text(content: bytes) -> str:
    document = Document(io.BytesIO(content))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([paragraph.text for paragraph in document.paragraphs] + cells)


def attachments(message: EmailMessage) -> dict[str, tuple[str, bytes]]:
    return {str(part.get_filename()): (part.get_content_type(), part.get_content())
            for part in message.iter_attachments()}


def pdf_text(content: bytes) -> str:
    """The text of a PDF (poppler's pdftotext)."""
    tool = shutil.which("pdftotext")
    assert tool, "poppler-utils (pdftotext) is needed"
    return subprocess.run([tool, "-", "-"], input=content, capture_output=True,  # noqa: S603
                          check=True).stdout.decode()


def body(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def sent_entries(demo: Demo) -> list[AuditEntry]:
    with demo.sessions() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == "report_sent")))


def test_executives_get_both_reports_that_open(
        filed: list[Receipt], demo: Demo, mail_env: SmtpSink,
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "send", "--period", "2569-Q4", "--to", "executives"]) == 0
    [message] = mail_env.messages
    assert message["To"].addresses[0].addr_spec == "mayor@example.go.th"
    assert "2569-Q4" in message["Subject"]
    files = attachments(message)
    assert {name: kind for name, (kind, _) in files.items()} == {
        "rongrian-summary-2569-Q4.docx": DOCX, "rongrian-summary-2569-Q4.pdf": PDF,
        "rongrian-summary-2569-Q4-corruption.docx": DOCX,
        "rongrian-summary-2569-Q4-corruption.pdf": PDF, "rongrian-summary-2569-Q4.xlsx": XLSX}
    general = docx_text(files["rongrian-summary-2569-Q4.docx"][1])
    corruption = docx_text(files["rongrian-summary-2569-Q4-corruption.docx"][1])
    assert files["rongrian-summary-2569-Q4.pdf"][1].startswith(b"%PDF-")
    book = load_workbook(io.BytesIO(files["rongrian-summary-2569-Q4.xlsx"][1]), read_only=True)
    assert len(book.sheetnames) > 2
    sheets = "\n".join(str(value) for sheet in book.worksheets
                       for row in sheet.iter_rows(values_only=True) for value in row)
    assert "ไตรมาสที่ 4 ปีงบประมาณ พ.ศ. 2569" in general
    assert "รวมทั้งสิ้น 3 เรื่อง" in general.replace("\n", "")
    assert "การทุจริตและประพฤติมิชอบ" in corruption
    pdfs = [pdf_text(files[name][1]) for name in files if name.endswith(".pdf")]
    for text in (general, corruption, sheets, body(message), *pdfs):
        assert WORKS_TEXT not in text
        assert TIP_TEXT not in text
        for receipt in filed:
            assert receipt.tracking_code not in text
    assert filed[2].case_number not in corruption  # a tip's number: never in a report
    assert filed[2].case_number not in pdfs[1]
    assert filed[0].case_number in pdfs[0]  # overdue, listed in the general report…
    assert filed[0].case_number not in pdfs[1]  # …never in the corruption one: counts only
    [entry] = sent_entries(demo)
    assert '"to":"executives"' in entry.detail
    assert f"รายการที่ {entry.seq:,}" in general  # the documents name the audit entry
    with demo.sessions() as session:
        assert verify_chain(session).ok
    assert "1 message(s) sent (executives)" in capsys.readouterr().out


def test_one_kind_to_an_address(filed: list[Receipt], mail_env: SmtpSink) -> None:
    assert main(["report-send", "--period", "2569-Q4", "--kind", "corruption",
                 "--to", "nacc-desk@example.org"]) == 0
    [message] = mail_env.messages
    assert message["To"].addresses[0].addr_spec == "nacc-desk@example.org"
    assert sorted(attachments(message)) == ["rongrian-summary-2569-Q4-corruption.docx",
                                            "rongrian-summary-2569-Q4-corruption.pdf"]


def test_last_quarter_is_the_fiscal_quarter_before_today(
        filed: list[Receipt], mail_env: SmtpSink) -> None:
    assert main(["report", "send", "--period", "last-quarter", "--kind", "general",
                 "--to", "executives"]) == 0
    label = last_quarter(datetime.now(UTC).date())
    assert sorted(attachments(mail_env.messages[0])) == [f"rongrian-summary-{label}.docx",
                                                         f"rongrian-summary-{label}.pdf"]


@pytest.mark.parametrize(("today", "label"), [
    (date(2026, 12, 1), "2569-Q4"), (date(2026, 10, 1), "2569-Q4"),
    (date(2027, 1, 15), "2570-Q1"), (date(2026, 9, 30), "2569-Q3"),
    (date(2026, 4, 1), "2569-Q2"), (date(2026, 3, 31), "2569-Q1"),
])
def test_last_quarter_crosses_the_fiscal_year(today: date, label: str) -> None:
    assert last_quarter(today) == label


@pytest.mark.parametrize(("argv", "words"), [
    (["--period", "2569-Q5", "--to", "executives"], "2569-Q5"),
    (["--period", "last-month", "--to", "executives"], "last-month"),
    (["--period", "2560", "--to", "executives"], "first fiscal year"),
    (["--period", "2569-Q4", "--to", "mayor"], "executives or one e-mail address"),
    (["--period", "2569-Q4", "--to", "a@b.go.th, c@d.go.th"], "one e-mail address"),
    (["--period", "2569-Q4", "--to", "Mayor <a@b.go.th>"], "one e-mail address"),
])
def test_bad_input_is_refused(filed: list[Receipt], demo: Demo, mail_env: SmtpSink,
                              capsys: pytest.CaptureFixture[str], argv: list[str],
                              words: str) -> None:
    assert main(["report", "send", *argv]) == 2
    error = capsys.readouterr().err
    assert error.startswith("ข้อผิดพลาด: ")
    assert words in error
    assert mail_env.messages == []
    assert sent_entries(demo) == []


def test_no_executive_with_an_address(demo: Demo, mail_env: SmtpSink,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "send", "--period", "2569-Q4", "--to", "executives"]) == 2
    assert "no executive has an e-mail address" in capsys.readouterr().err
    assert sent_entries(demo) == []


def test_a_relay_that_is_down_records_nothing(
        filed: list[Receipt], demo: Demo, mail_env: SmtpSink, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("RONGRIAN_SMTP_PORT", str(free_port()))
    assert main(["report", "send", "--period", "2569-Q4", "--to", "executives"]) == 1
    error = capsys.readouterr().err
    assert "ส่งรายงานไม่สำเร็จ (ส่งแล้ว 0 จาก 1 ฉบับ)" in error
    assert "could not send mail" in error
    assert sent_entries(demo) == []


def test_mail_off_is_an_error(filed: list[Receipt], demo: Demo, mail_env: SmtpSink,
                              monkeypatch: pytest.MonkeyPatch,
                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("RONGRIAN_SMTP_HOST")
    assert main(["report", "send", "--period", "2569-Q4", "--to", "executives"]) == 1
    assert "RONGRIAN_SMTP_HOST" in capsys.readouterr().err
    assert sent_entries(demo) == []


def test_the_report_command_still_writes_a_file(filed: list[Receipt], mail_env: SmtpSink,
                                                tmp_path: object) -> None:
    out = f"{tmp_path}/r.docx"
    assert main(["report", "--period", "2569-Q4", "--out", out]) == 0
    assert mail_env.messages == []
