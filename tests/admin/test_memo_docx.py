"""The period report as a Thai official memo in Word (issue 10 §2): on a seeded year with known
outcomes the memo holds the expected figures, its header fields, the charts, the signature block
and the acknowledgement; rendered by LibreOffice with Sarabun only (no TH Sarabun New) it shows
Thai, the figures, the charts and the page numbers."""

import io
import re
import shutil
import subprocess
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from rongrian.admin.memo_docx import MemoDetails, memo_details
from rongrian.admin.report_docx import audit_head_line, docx_bytes
from rongrian.intake.audit import ChainHead
from rongrian.intake.models import PeriodReport, StaffAccount
from rongrian.intake.period_report import OUTCOMES, ReportKind, build_report
from rongrian.intake.publication import acknowledge, write_analysis
from rongrian.intake.reporting import parse_period, summarise
from rongrian.web.report_charts import monthly_trend_png, outcome_by_type_png
from rongrian.web.thai_pdf import FONT_DIR
from tests.conftest import Demo
from tests.intake.report_seed import AS_OF, Seeded, expected

ISSUED = date(2025, 10, 15)
HEAD = ChainHead(4321, "ab" * 32)
ANALYSIS = "เรื่องถนนชำรุดมีมากที่สุด ควรเพิ่มรอบการตรวจถนนทุกเดือน\nเรื่องล่าช้า: ปรับขั้นตอนการส่งต่อ"
EXECUTIVE = ("นายสมชาย ใจดี", "นายกเทศมนตรีตำบลร่มเย็น")
CASE_NUMBER = re.compile(r"\d{4}/\d{6}")
#: Spaces, and Thai vowels and tone marks above or below a consonant, which pdftotext may put
#: out of order (``นี้ได้`` read back as ``นีไ้ด้``): the rendered text is compared without them.
_LOOSE = re.compile(r"[\s\u0e31\u0e34-\u0e3a\u0e47-\u0e4e]")


def _plain(text: str) -> str:
    return _LOOSE.sub("", text)


def _account(session: Session, username: str) -> StaffAccount:
    return session.scalars(select(StaffAccount).where(StaffAccount.username == username)).one()


def _memo(demo: Demo, label: str, kind: ReportKind, *, acknowledged: bool,
          thai_digits: bool = False) -> bytes:
    """The memo of ``label``/``kind`` with the integrity officer's analysis (and the
    executive's acknowledgement), as the executive page makes it."""
    period = parse_period(label)
    with demo.sessions() as session:
        write_analysis(session, _account(session, "integrity"), label, kind, ANALYSIS,
                       today=ISSUED)
        if acknowledged:
            acknowledge(session, _account(session, "executive"), period, label, kind,
                        name=EXECUTIVE[0], position=EXECUTIVE[1], today=ISSUED)
        session.commit()
        record = session.get(PeriodReport, (label, kind.value))
        report = build_report(session, period, kind, as_of=AS_OF)
        summary = summarise(session, period, as_of=AS_OF)
        return docx_bytes(summary, organisation="เทศบาลตำบลร่มเย็น", issued_on=ISSUED,
                          audit_head=HEAD, report=report, record=record,
                          memo=memo_details(session, record, thai_digits=thai_digits))


def _paragraphs(data: bytes) -> list[str]:
    return [paragraph.text for paragraph in Document(io.BytesIO(data)).paragraphs]


def _cross_table(data: bytes) -> dict[str, Counter[str]]:
    """Type name → outcome counts (non-zero) of the memo's type × outcome table."""
    document = Document(io.BytesIO(data))
    table = next(t for t in document.tables if t.rows[0].cells[0].text == "ประเภทเรื่อง")
    found = {}
    for row in table.rows[1:-1]:
        cells = [cell.text for cell in row.cells]
        counts = Counter({key: int(value.replace(",", "")) for key, value
                          in zip(OUTCOMES, cells[1:6], strict=True) if value != "0"})
        if counts:
            found[cells[0]] = counts
    return found


@pytest.mark.parametrize("label", ["2568", "2568-H1", "2568-H2", "2568-Q2", "2568-03"])
@pytest.mark.parametrize("kind", list(ReportKind))
def test_the_memo_holds_the_known_figures(demo: Demo, seeded: list[Seeded], label: str,
                                          kind: ReportKind) -> None:
    data = _memo(demo, label, kind, acknowledged=False)
    period = parse_period(label)
    wanted = expected(seeded, period.start, period.end, kind is ReportKind.CORRUPTION)
    with demo.sessions() as session:
        names = {line.name_th: line.code
                 for line in build_report(session, period, kind, as_of=AS_OF).types}
    assert {names[name]: counts for name, counts in _cross_table(data).items()} == wanted
    text = "\n".join(_paragraphs(data))
    total = sum(sum(counts.values()) for counts in wanted.values())
    assert f"ช่วงนี้ได้รับ {total:,} เรื่อง" in text
    cells = [cell.text for table in Document(io.BytesIO(data)).tables for row in table.rows
             for cell in row.cells]
    overdue = {c.case_number for c in seeded if not c.whistleblower
               and period.start <= c.received <= period.end and c.finished is None
               and c.due < min(AS_OF, period.end)}
    if kind is ReportKind.CORRUPTION:  # counts and outcomes only: never a case number
        assert not any(CASE_NUMBER.search(cell) for cell in cells)
        assert not CASE_NUMBER.search(text)
    else:
        assert {cell for cell in cells if CASE_NUMBER.fullmatch(cell)} == overdue


def test_the_memo_header_signature_and_acknowledgement(demo: Demo,
                                                       seeded: list[Seeded]) -> None:
    data = _memo(demo, "2568-H1", ReportKind.GENERAL, acknowledged=True)
    paragraphs = _paragraphs(data)
    assert paragraphs[0].strip() == "บันทึกข้อความ"
    text = "\n".join(paragraphs)
    for expected_text in (
            "ส่วนราชการ\u00a0\u00a0เทศบาลตำบลร่มเย็น หน่วยตรวจสอบภายใน",
            "วันที่\u00a0\u00a015 ตุลาคม 2568",
            "เรื่อง\u00a0\u00a0รายงานสรุปผลการดำเนินการเรื่องร้องเรียนทั่วไป",
            "รอบ 6 เดือนแรก ปีงบประมาณ พ.ศ. 2568",
            f"เรียน\u00a0\u00a0{EXECUTIVE[1]}",
            "เรื่องถนนชำรุดมีมากที่สุด ควรเพิ่มรอบการตรวจถนนทุกเดือน",
            "เรื่องล่าช้า: ปรับขั้นตอนการส่งต่อ",
            "จึงเรียนมาเพื่อโปรดทราบ และพิจารณาอนุญาตให้เผยแพร่",
            "(วิไล ซื่อตรง (ผู้ดูแลข้อมูลผู้ร้อง))",
            "ได้รับทราบ และอนุญาตให้เผยแพร่", f"({EXECUTIVE[0]})", f"ตำแหน่ง {EXECUTIVE[1]}",
            "วันที่ 15 ตุลาคม 2568"):
        assert expected_text in text, expected_text
    assert paragraphs[1].startswith("ส่วนราชการ")
    assert re.match(r"ที่\u00a0\u00a0\S.*\tวันที่", paragraphs[2])
    # the audit head is a note after the signatures, not in the body
    signed = paragraphs.index(f"({EXECUTIVE[0]})")
    audit = next(n for n, p in enumerate(paragraphs) if HEAD.entry_hash in p)
    assert paragraphs[audit].replace("\n", " ") == f"2. {audit_head_line(HEAD)}"
    assert audit > signed
    assert not any(HEAD.entry_hash in p for p in paragraphs[:signed])


def test_an_unacknowledged_memo_leaves_the_acknowledgement_to_sign(
        demo: Demo, seeded: list[Seeded]) -> None:
    text = "\n".join(_paragraphs(_memo(demo, "2568-Q1", ReportKind.CORRUPTION,
                                       acknowledged=False)))
    assert "ได้รับทราบ" in text
    assert "อนุญาตให้เผยแพร่รายงานนี้" in text  # the request, not the permission
    assert "ได้รับทราบ และอนุญาตให้เผยแพร่" not in text
    assert EXECUTIVE[0] not in text
    assert "เรียน\u00a0\u00a0หัวหน้าหน่วยงาน" in text
    assert "เรื่องร้องเรียนการทุจริตและประพฤติมิชอบ" in text


@pytest.mark.parametrize(("thai", "shown"), [(False, "2"), (True, "๒")])
def test_page_numbers_from_the_second_page(demo: Demo, seeded: list[Seeded], thai: bool,
                                           shown: str) -> None:
    document = Document(io.BytesIO(_memo(demo, "2568", ReportKind.GENERAL,
                                         acknowledged=False, thai_digits=thai)))
    section = document.sections[0]
    assert section.different_first_page_header_footer
    assert not "".join(p.text for p in section.first_page_header.paragraphs).strip()
    header = section.header._element
    instructions = "".join(node.text for node in header.iter(qn("w:instrText")))
    assert "PAGE" in instructions
    assert "".join(p.text for p in section.header.paragraphs) == f"- {shown} -"
    number_type = section._sectPr.find(qn("w:pgNumType"))
    assert (number_type is not None and number_type.get(qn("w:fmt")) == "thaiNumbers") is thai
    assert (section.page_width, section.page_height) == (7560310, 10692130)  # A4
    margins = (section.top_margin, section.left_margin, section.right_margin)
    assert tuple(m.cm if m is not None else None for m in margins) == (
        pytest.approx(2.5, abs=0.01), pytest.approx(3.0, abs=0.01), pytest.approx(2.0, abs=0.01))
    assert len(document.inline_shapes) == 2  # the two charts


def test_the_charts_are_deterministic_pngs(demo: Demo, seeded: list[Seeded]) -> None:
    with demo.sessions() as session:
        report = build_report(session, parse_period("2568"), ReportKind.GENERAL, as_of=AS_OF)
    for draw in (monthly_trend_png, outcome_by_type_png):
        first, second = draw(report), draw(report)
        assert first == second
        assert b"Software" not in first
        with Image.open(io.BytesIO(first)) as image:
            assert image.format == "PNG"
            assert image.size[0] == 1260  # 6.3 in at 200 dpi: the memo's text width
            colours = image.convert("RGB").getcolors(1_000_000) or []
        assert len(colours) > 20  # bars, text and grid were drawn
    with Image.open(io.BytesIO(monthly_trend_png(report, dpi=100))) as small:
        assert small.size[0] == 630


def test_memo_details_without_a_record() -> None:
    details = MemoDetails(department="เทศบาลตำบลทดสอบ")
    assert details.addressee == "หัวหน้าหน่วยงาน"
    assert details.number.startswith("ที่ ")
    assert not details.thai_digits


def sarabun_only_fontconfig(folder: Path) -> Path:
    """A fontconfig file whose only fonts are the Sarabun files of ``fontpkg-sarabun``: a PC
    without TH Sarabun New (nor the system's Thai fonts, which alias it to Laksaman)."""
    config = folder / "fonts.conf"
    config.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
        f"<dir>{FONT_DIR}</dir><cachedir>{folder / 'fc-cache'}</cachedir></fontconfig>",
        encoding="utf-8")
    return config


def _render(data: bytes, folder: Path) -> Path:
    """The memo converted to PDF by LibreOffice with Sarabun as the only font."""
    if shutil.which("soffice") is None or shutil.which("pdftotext") is None:
        pytest.skip("LibreOffice (soffice) or poppler (pdftotext) is not installed")
    source = folder / "memo.docx"
    source.write_bytes(data)
    convert = ["soffice", "--headless", f"-env:UserInstallation=file://{folder}/lo",
               "--convert-to", "pdf", "--outdir", str(folder), str(source)]
    subprocess.run(convert, check=True, capture_output=True, timeout=180,  # noqa: S603
                   env={"PATH": "/usr/bin:/bin", "HOME": str(folder),
                        "FONTCONFIG_FILE": str(sarabun_only_fontconfig(folder))})
    return folder / "memo.pdf"


def _run(*command: str) -> str:
    return subprocess.run(command, check=True, capture_output=True,  # noqa: S603
                          text=True).stdout


@pytest.mark.slow
@pytest.mark.e2e
def test_the_rendered_memo_shows_thai_figures_charts_and_page_numbers(
        demo: Demo, seeded: list[Seeded], tmp_path: Path) -> None:
    data = _memo(demo, "2568", ReportKind.GENERAL, acknowledged=True)
    pdf = _render(data, tmp_path)
    pages = _run("pdftotext", "-layout", str(pdf), "-").split("\f")
    squeezed = _plain("".join(pages))
    for words in ("บันทึกข้อความ", "ส่วนราชการ", "เรื่อง", "เรียน", "ผลการดำเนินการจำแนกตามประเภทเรื่อง",
                  "ได้รับทราบ และอนุญาตให้เผยแพร่", EXECUTIVE[0], "เรื่องถนนชำรุดมีมากที่สุด",
                  "15 ตุลาคม 2568"):
        assert _plain(words) in squeezed, words
    with demo.sessions() as session:
        report = build_report(session, parse_period("2568"), ReportKind.GENERAL, as_of=AS_OF)
    assert _plain(f"ช่วงนี้ได้รับ {report.total:,} เรื่อง") in squeezed
    totals = report.outcome_totals()
    rows = [("รวม", [totals[k] for k in OUTCOMES], report.total)]
    rows += [(line.name_th, [line.counts[k] for k in OUTCOMES], line.total)
             for line in report.types if len(line.name_th) <= 18]  # a name on one line
    assert len(rows) > 3
    for name, counts, total in rows:
        row = " ".join([name, *(f"{n:,}" for n in counts), f"{total:,}"])
        assert _plain(row) in squeezed, name
    printed = [page for page in pages if page.strip()]
    assert len(printed) >= 3
    assert not re.match(r"\s*-\s*1\s*-", printed[0])
    for number, page in enumerate(printed[1:], start=2):
        assert re.match(rf"\s*-\s*{number}\s*-\n", page), number
    fonts = _run("pdffonts", str(pdf))
    assert "Sarabun" in fonts
    assert "TH Sarabun New" not in fonts  # not on this machine: Sarabun stood in
    images = _run("pdfimages", "-list", str(pdf)).splitlines()[2:]
    assert len(images) >= 2  # the two charts
    _run("pdftoppm", "-r", "60", "-png", str(pdf), str(tmp_path / "page"))
    assert len(list(tmp_path.glob("page-*.png"))) == len(printed)


def test_a_year_with_many_overdue_cases_prints_the_oldest_thirty_a_unit(
        demo: Demo, seeded: list[Seeded]) -> None:
    """Tens of thousands of overdue cases must not make a memo of thousands of pages (issue 10
    §5): each unit's oldest 30 by number, then "และอีก N เรื่อง"; the totals stay whole."""
    from dataclasses import replace

    from rongrian.intake.period_report import OVERDUE_LISTED, Line, OverdueCase

    period = parse_period("2568")
    with demo.sessions() as session:
        report = build_report(session, period, ReportKind.GENERAL, as_of=AS_OF)
        summary = summarise(session, period, as_of=AS_OF)
    works = Line("WORKS", "กองช่าง", "Works", {key: 0 for key in OUTCOMES})
    many = [OverdueCase("WORKS", f"2569/{n:06d}", 400 - n) for n in range(1, 36)]
    assert not report.overdue or len(report.overdue) < OVERDUE_LISTED
    data = docx_bytes(summary, organisation="เทศบาลตำบลร่มเย็น", issued_on=ISSUED,
                      report=replace(report, units=[works], overdue=many))
    cells = [cell.text for table in Document(io.BytesIO(data)).tables
             for row in table.rows for cell in row.cells]
    listed = [f"2569/{n:06d}" for n in range(1, 36) if f"2569/{n:06d}" in cells]
    assert listed == [f"2569/{n:06d}" for n in range(1, OVERDUE_LISTED + 1)]
    assert "และอีก 5 เรื่อง" in cells
    assert "35" in cells  # the unit's whole count
    assert any("Excel" in text for text in _paragraphs(data))
