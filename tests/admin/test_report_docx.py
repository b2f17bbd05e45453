"""The Word report: Thai-ready fonts, the same tables as the page, and ``rongrian report``."""

import zipfile
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn

from rongrian.admin.cli import main
from rongrian.admin.docx_thai import FALLBACK_FONT, FONT
from rongrian.admin.report_docx import build_document, sections, write_docx
from rongrian.intake.reporting import Summary, parse_period
from rongrian.settings import Settings
from tests.admin.helpers import TIP_TEXT, WORKS_TEXT, Filer


def _summary() -> Summary:
    return Summary(
        parse_period("2568-Q1"),
        total=7,
        by_category=Counter({"general": 5, "corruption": 2}),
        by_unit=Counter({"WORKS": 5, "AUDIT": 2}),
        by_channel=Counter({"web": 4, "qr": 2, "line": 1}),
        by_status=Counter({"received": 4, "resolved": 3}),
        by_kind=Counter({"complaint": 5, "tip": 2}),
        within_standard=2, late=1, open_overdue=3,
        category_names={"general": ("เรื่องร้องทุกข์ทั่วไป", "General grievance"),
                        "corruption": ("ทุจริตและประพฤติมิชอบ", "Corruption"),
                        "suggestion": ("ข้อเสนอแนะ", "Suggestion")},
        unit_names={"WORKS": ("กองช่าง", "Public Works"), "AUDIT": ("หน่วยตรวจสอบภายใน", "Audit")},
    )


def test_every_table_adds_up_to_the_total() -> None:
    built = sections(_summary())
    assert [section.key for section in built] == [
        "category", "unit", "channel", "kind", "status", "timeliness"]
    for section in built:
        assert section.total == 7, section.key
    timeliness = {row.code: row.count for row in built[-1].rows}
    assert timeliness == {"within_standard": 2, "late": 1, "open_overdue": 3, "open_in_time": 1}
    categories = {row.code: row.count for row in built[0].rows}
    assert categories == {"general": 5, "corruption": 2, "suggestion": 0}


def test_every_run_names_the_thai_font_for_latin_and_complex_script() -> None:
    document = build_document(_summary(), organisation="เทศบาลตำบลทดสอบ",
                              issued_on=date(2025, 1, 15))
    runs = [run for paragraph in document.paragraphs for run in paragraph.runs]
    runs += [run for table in document.tables for row in table.rows for cell in row.cells
             for paragraph in cell.paragraphs for run in paragraph.runs]
    assert len(runs) > 50
    for run in runs:
        fonts = run._element.rPr.find(qn("w:rFonts"))
        for script in ("ascii", "hAnsi", "cs", "eastAsia"):
            assert fonts.get(qn(f"w:{script}")) == FONT
        if run.bold:
            assert run._element.rPr.find(qn("w:bCs")) is not None  # Thai bold
    normal = document.styles["Normal"].element.rPr.find(qn("w:rFonts"))
    assert normal.get(qn("w:cs")) == FONT
    text = "\n".join(paragraph.text for paragraph in document.paragraphs)
    assert "บันทึกข้อความ" in text  # a memo, dated in its header
    assert "วันที่\u00a0\u00a015 มกราคม 2568" in text
    assert "สรุปสถิติเรื่องร้องเรียน" in text


def test_font_table_names_sarabun_as_the_fallback(tmp_path: Path) -> None:
    path = tmp_path / "report.docx"
    write_docx(_summary(), path, organisation="เทศบาลตำบลทดสอบ")
    with zipfile.ZipFile(path) as archive:
        fonts = archive.read("word/fontTable.xml").decode("utf-8")
    assert f'w:name="{FONT}"' in fonts
    assert f'<w:altName w:val="{FALLBACK_FONT}"/>' in fonts
    assert Document(str(path)).tables[0].rows[-1].cells[2].text == "7"


@pytest.fixture
def cli_environment(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    """Point ``rongrian`` at the test instance folder and database."""
    monkeypatch.setenv("RONGRIAN_INSTANCE", str(settings.instance_path))
    monkeypatch.setenv("RONGRIAN_DATABASE_URL", settings.database_url)


@pytest.mark.usefixtures("cli_environment")
def test_report_command_writes_the_word_file(file: Filer, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    filed = datetime(2025, 11, 3, tzinfo=UTC)
    file(now=filed)
    file(now=filed, kind="tip", category_code="corruption", what_happened=TIP_TEXT)
    file(now=datetime(2026, 1, 5, tzinfo=UTC))  # quarter 2: not counted
    out = tmp_path / "q1.docx"
    assert main(["report", "--period", "2569-Q1", "--out", str(out)]) == 0
    assert "2 complaints" in capsys.readouterr().out
    document = Document(str(out))
    text = "\n".join(paragraph.text for paragraph in document.paragraphs)
    assert "ไตรมาสที่ 1 ปีงบประมาณ พ.ศ. 2569" in text
    assert "เทศบาลตำบลร่มเย็น" in text
    assert "รวมทั้งสิ้น 2 เรื่อง" in text
    assert [cell.text for cell in document.tables[0].rows[-1].cells][2] == "2"
    cells = "\n".join(cell.text for table in document.tables for row in table.rows
                      for cell in row.cells)
    assert WORKS_TEXT not in cells + text
    assert TIP_TEXT not in cells + text


@pytest.mark.usefixtures("cli_environment", "demo")
@pytest.mark.parametrize("period", ["2568-Q5", "Q1", "last year"])
def test_report_command_refuses_a_bad_period(tmp_path: Path, period: str,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "bad.docx"
    assert main(["report", "--period", period, "--out", str(out)]) == 2
    error = capsys.readouterr().err
    assert "รอบรายงาน" in error
    assert "2568-Q1" in error
    assert not out.exists()
