"""The executive summary as a Thai official memo in Word (บันทึกข้อความ เสนอผู้บริหาร, issue 10 §2).

ITA asks agencies to summarise complaint statistics for their executives monthly, quarterly, every
six months and yearly, by fiscal year in พ.ศ., with an analysis, the executive's acknowledgement
and permission to publish; the summaries are exchanged as Word files. The file carries counts
only, never case content. The page ``/summary`` of the staff app shows the same sections
(:func:`sections`) and the same title (:func:`period_title`).

The memo's frame (header, signatures, page numbers, notes) is :mod:`rongrian.admin.memo_docx`,
the period report's items :mod:`rongrian.admin.period_docx`, fonts, sizes and page set-up of a
Thai official document :mod:`rongrian.admin.docx_thai`.
"""

import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from pythainlp.util import thai_strftime

from rongrian.admin.docx_thai import (
    add_paragraph,
    add_run,
    set_up_a4,
)
from rongrian.admin.memo_docx import (
    MemoDetails,
    add_annex,
    add_memo_header,
    add_page_numbers,
    add_signatures,
    body_paragraph,
)
from rongrian.admin.period_docx import KIND_TITLES, add_period_report
from rongrian.intake.audit import ChainHead
from rongrian.intake.models import Channel, Kind, PeriodReport, Status
from rongrian.intake.period_report import Report, ReportKind
from rongrian.intake.reporting import Period, Summary
from rongrian.intake.thaidate import BE_OFFSET, THAI_MONTHS
from rongrian.web.labels import LABELS
from rongrian.web.thaidates import format_date

TABLE_SIZE = Pt(14)
#: Columns: number, item, count, percentage (16 cm of text width on A4 with 3 + 2 cm margins).
COLUMN_WIDTHS = (Cm(1.2), Cm(9.6), Cm(3.2), Cm(2.0))
#: Rows at the top of a table kept on the page of its heading (the rest may flow on).
KEPT_ROWS = 3

_MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December")


# --- what a summary says (shared with the web page) -------------------------------------------

@dataclass(frozen=True)
class Row:
    """One line of a summary table: a code, its Thai and English names and its count."""

    code: str
    name_th: str
    name_en: str
    count: int

    def name(self, locale: str) -> str:
        """The name in ``locale`` (``th`` or ``en``)."""
        return self.name_en if locale == "en" else self.name_th


@dataclass(frozen=True)
class Section:
    """A summary table: ``key`` is ``category``, ``unit``, ``channel``, ``status``, ``kind``,
    ``timeliness``, ``place`` or ``box``; ``title`` is ``(Thai, English)``. The rows of every
    table but ``place`` and ``box`` add up to the summary's total; those two count only what came
    through a registered QR poster or a suggestion box."""

    key: str
    title: tuple[str, str]
    rows: list[Row] = field(default_factory=list)

    @property
    def total(self) -> int:
        """Sum of the rows (the summary's total, except for ``place`` and ``box``)."""
        return sum(row.count for row in self.rows)


def percent(count: int, total: int) -> str:
    """``count`` as a percentage of ``total`` with one decimal (``"–"`` when total is 0)."""
    return f"{100 * count / total:.1f}" if total else "–"


def _named_rows(counts: Mapping[str, int], names: Mapping[str, tuple[str, str]]) -> list[Row]:
    codes = list(names) + sorted(code for code in counts if code not in names)
    return [Row(code, *names.get(code, (code, code)), counts.get(code, 0)) for code in codes]


def _label_rows(group: str, values: list[str], counts: Mapping[str, int]) -> list[Row]:
    names = {value: LABELS[group].get(value, (value, value)) for value in values}
    return _named_rows(counts, names)


def timeliness_rows(summary: Summary) -> list[Row]:
    """Cases against the service standard: finished in time, finished late, open past due, and
    open not yet due (the rest)."""
    open_in_time = summary.total - summary.within_standard - summary.late - summary.open_overdue
    return [
        Row("within_standard", "ดำเนินการแล้วเสร็จภายในระยะเวลาตามมาตรฐาน",
            "Finished within the service standard", summary.within_standard),
        Row("late", "ดำเนินการแล้วเสร็จเกินระยะเวลาตามมาตรฐาน",
            "Finished later than the service standard", summary.late),
        Row("open_overdue", "ยังไม่แล้วเสร็จและเกินกำหนด", "Open and past due",
            summary.open_overdue),
        Row("open_in_time", "ยังไม่แล้วเสร็จ อยู่ในกำหนด", "Open, not yet due", open_in_time),
    ]


def sections(summary: Summary) -> list[Section]:
    """The tables of a summary, in report order. Every known category, channel, status and kind
    gets a row (zero included) so that readers see what did not happen as well."""
    return [
        Section("category", ("จำแนกตามประเภทเรื่อง", "By category"),
                _named_rows(summary.by_category, summary.category_names)),
        Section("unit", ("จำแนกตามหน่วยงานผู้รับผิดชอบ", "By responsible unit"),
                _named_rows(summary.by_unit, summary.unit_names)),
        Section("channel", ("จำแนกตามช่องทางการร้องเรียน", "By channel"),
                _label_rows("channel", [c.value for c in Channel], summary.by_channel)),
        Section("kind", ("จำแนกตามลักษณะเรื่อง", "By kind"),
                _label_rows("kind", [k.value for k in Kind], summary.by_kind)),
        Section("status", ("จำแนกตามสถานะการดำเนินการ", "By status"),
                _label_rows("status", [s.value for s in Status], summary.by_status)),
        Section("timeliness", ("การดำเนินการตามมาตรฐานระยะเวลาการให้บริการ",
                               "Against the service standard"), timeliness_rows(summary)),
        *_place_sections(summary),
        *_box_sections(summary),
    ]


def _place_sections(summary: Summary) -> list[Section]:
    """The QR-poster table, only when some complaint of the period came through a poster: one
    row per poster, named by its place and unit (issue 8)."""
    if not summary.by_place:
        return []
    rows = []
    for poster_id, count in sorted(summary.by_place.items(), key=lambda item: -item[1]):
        place, unit_code = summary.place_names.get(poster_id, ("", ""))
        where = place or poster_id
        rows.append(Row(poster_id, f"{where} ({unit_code})", f"{where} ({unit_code})", count))
    return [Section("place", ("จำแนกตามจุดติดตั้งคิวอาร์โค้ด", "By QR poster place"), rows)]


def _box_sections(summary: Summary) -> list[Section]:
    """Complaints found in each suggestion box, when any were (issue 8)."""
    if not summary.by_box:
        return []
    rows = [Row(place, place, place, count) for place, count in
            sorted(summary.by_box.items(), key=lambda item: (-item[1], item[0]))]
    return [Section("box", ("จำแนกตามตู้รับฟังความคิดเห็น", "By suggestion box"), rows)]


def _part_number(period: Period, size: int) -> int:
    return ((period.start.month - 10) % 12) // size + 1


def period_name(period: Period, locale: str = "th") -> str:
    """``ไตรมาสที่ 1 ปีงบประมาณ พ.ศ. 2568`` / ``quarter 1 of fiscal year 2568 BE`` and the like."""
    fiscal_th, fiscal_en = f"ปีงบประมาณ พ.ศ. {period.fiscal_year}", \
        f"fiscal year {period.fiscal_year} BE"
    if period.kind == "quarter":
        number = _part_number(period, 3)
        th, en = f"ไตรมาสที่ {number} {fiscal_th}", f"quarter {number} of {fiscal_en}"
    elif period.kind == "half":
        first = _part_number(period, 6) == 1
        th = f"รอบ 6 เดือน{'แรก' if first else 'หลัง'} {fiscal_th}"
        en = f"{'first' if first else 'second'} half of {fiscal_en}"
    elif period.kind == "month":
        month = period.start.month - 1
        th = f"เดือน{THAI_MONTHS[month]} พ.ศ. {period.start.year + BE_OFFSET} ({fiscal_th})"
        en = f"{_MONTHS_EN[month]} {period.start.year} ({fiscal_en})"
    else:
        th, en = fiscal_th, fiscal_en
    return en if locale == "en" else th


def period_range(period: Period, locale: str = "th") -> str:
    """``1 ต.ค. 2567 – 31 ธ.ค. 2567`` (พ.ศ.) or ``1 Oct 2024 – 31 Dec 2024``."""
    return f"{format_date(period.start, locale)} – {format_date(period.end, locale)}"


def period_heading(period: Period, locale: str = "th") -> str:
    """``สรุปสถิติเรื่องร้องเรียน ไตรมาสที่ 1 ปีงบประมาณ พ.ศ. 2568`` (the title without its days)."""
    lead = "Complaint statistics," if locale == "en" else "สรุปสถิติเรื่องร้องเรียน"
    return f"{lead} {period_name(period, locale)}"


def period_title(period: Period, locale: str = "th") -> str:
    """The report title, e.g. ``สรุปสถิติเรื่องร้องเรียน ไตรมาสที่ 1 ปีงบประมาณ พ.ศ. 2568
    (1 ต.ค. 2567 – 31 ธ.ค. 2567)``."""
    return f"{period_heading(period, locale)} ({period_range(period, locale)})"


def canonical_label(period: Period) -> str:
    """The period's label in ASCII as links and file names use it (``2568-Q1``), however it was
    typed (lower case, Thai digits)."""
    if period.kind == "quarter":
        return f"{period.fiscal_year}-Q{_part_number(period, 3)}"
    if period.kind == "half":
        return f"{period.fiscal_year}-H{_part_number(period, 6)}"
    if period.kind == "month":
        return f"{period.start.year + BE_OFFSET}-{period.start.month:02d}"
    return str(period.fiscal_year)


# --- the Word file -----------------------------------------------------------------------------

def _shade(cell: Any, fill: str) -> None:
    properties = cell._tc.get_or_add_tcPr()  # cell shading has no python-docx API
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    properties.append(shading)


def _cell(cell: Any, text: str, *, bold: bool = False, align: Any = None) -> None:
    paragraph = cell.paragraphs[0]
    add_run(paragraph, text, bold=bold, size=TABLE_SIZE)
    if align is not None:
        paragraph.alignment = align


def _repeat_header(row: Any) -> None:
    properties = row._tr.get_or_add_trPr()  # "repeat as header row" has no python-docx API
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)


def _table(document: Any, section: Section) -> None:
    right, centre = WD_ALIGN_PARAGRAPH.RIGHT, WD_ALIGN_PARAGRAPH.CENTER
    table = document.add_table(rows=1, cols=4)
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, ("ที่", "รายการ", "จำนวนเรื่อง", "ร้อยละ"),
                          strict=True):
        _cell(cell, text, bold=True, align=centre)
        _shade(cell, "D9E2F3")
    _repeat_header(table.rows[0])
    total = section.total
    for number, row in enumerate(section.rows, start=1):
        cells = table.add_row().cells
        _cell(cells[0], str(number), align=centre)
        _cell(cells[1], row.name_th)
        _cell(cells[2], f"{row.count:,}", align=right)
        _cell(cells[3], percent(row.count, total), align=right)
    cells = table.add_row().cells
    merged = cells[0].merge(cells[1])
    _cell(merged, "รวม", bold=True, align=centre)
    _cell(cells[2], f"{total:,}", bold=True, align=right)
    _cell(cells[3], "100.0" if total else "–", bold=True, align=right)
    for cell in cells:
        _shade(cell, "F2F2F2")
    for row in table.rows[:KEPT_ROWS]:  # a heading never ends a page alone; long tables split
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                paragraph.paragraph_format.keep_with_next = True
    table.autofit = False
    for index, width in enumerate(COLUMN_WIDTHS):
        table.columns[index].width = width  # the grid, which LibreOffice follows
        for cell in table.columns[index].cells:
            cell.width = width  # each cell, which Word follows


def memo_subject(period: Period, kind: ReportKind | None) -> str:
    """The memo's ``เรื่อง``: ``รายงานสรุปผลการดำเนินการเรื่องร้องเรียนทั่วไป (…) ไตรมาสที่ 1
    ปีงบประมาณ พ.ศ. 2569`` with a period report of ``kind``, ``รายงานสรุปสถิติเรื่องร้องเรียน …``
    for the summary alone (``kind`` ``None``)."""
    if kind is None:
        return f"รายงานสรุปสถิติเรื่องร้องเรียน {period_name(period)}"
    return f"รายงานสรุปผลการดำเนินการ{KIND_TITLES[kind]} {period_name(period)}"


def _overview(document: Any, summary: Summary, *, numbered: bool) -> None:
    """The summary's tables, as item 1 with sub-items (1.1…) or as items 1… alone."""
    if numbered:
        heading = add_paragraph(document, "1. สรุปสถิติเรื่องร้องเรียนที่ได้รับทุกประเภท", bold=True,
                                before=10, after=4)
        heading.paragraph_format.left_indent = Cm(1.25)
        heading.paragraph_format.keep_with_next = True
    for number, section in enumerate(sections(summary), start=1):
        label = f"1.{number}" if numbered else f"{number}."
        heading = add_paragraph(document, f"{label} {section.title[0]}", bold=True, before=10,
                                after=4)
        heading.paragraph_format.left_indent = Cm(1.25)
        heading.paragraph_format.keep_with_next = True
        _table(document, section)


def build_document(summary: Summary, *, organisation: str, issued_on: date | None = None,
                   audit_head: ChainHead | None = None, report: Report | None = None,
                   record: PeriodReport | None = None, memo: MemoDetails | None = None) -> Any:
    """The summary as a Thai official memo (บันทึกข้อความ, :mod:`rongrian.admin.memo_docx`) in a
    ``docx.Document``: A4, TH Sarabun New 16 pt (Sarabun as its fallback), page numbers from
    page 2. The body: the period and total, the summary's tables, then — with ``report`` — the
    period report's items (:func:`rongrian.admin.period_docx.add_period_report`: cross-tables,
    the two charts, times, overdue cases, ``record``'s analysis); then the integrity officer's
    signature and the executive's acknowledgement (``ได้รับทราบ`` once ``record`` is
    acknowledged). ``memo`` (:func:`rongrian.admin.memo_docx.memo_details`) names the agency,
    the document number, the addressee and the signer; without it ``organisation`` alone.

    ``audit_head`` (the audit log's latest entry when the file was made) is printed in the
    notes after the signatures, not in the body, so that a later, shorter audit log is visible
    against the file (DESIGN.md promise 7).
    """
    issued_on = issued_on or datetime.now(UTC).date()
    memo = memo or MemoDetails(department=organisation)
    period = summary.period
    subject = memo_subject(period, report.kind if report is not None else None)
    document = Document()
    set_up_a4(document, f"บันทึกข้อความ {subject}")
    add_page_numbers(document, thai=memo.thai_digits)
    add_memo_header(document, memo, subject=subject, dated=issued_on)
    body_paragraph(document, "ตามที่หน่วยงานต้องรายงานผลการดำเนินการเรื่องร้องเรียนต่อผู้บริหาร"
                             "และเผยแพร่ต่อสาธารณะตามเกณฑ์การประเมินคุณธรรมและความโปร่งใสในการ"
                             "ดำเนินงานของหน่วยงานภาครัฐ (ITA) นั้น")
    intro = body_paragraph(document, before=6)
    add_run(intro, f"ในช่วง{period_name(period)} ({period_range(period)}) หน่วยงานได้รับเรื่องร้องเรียน "
                   "ร้องทุกข์ แจ้งเบาะแส ข้อเสนอแนะ และคำชมเชย ทุกช่องทาง รวมทั้งสิ้น ")
    add_run(intro, f"{summary.total:,} เรื่อง", bold=True)
    add_run(intro, " มีรายละเอียดดังนี้")
    _overview(document, summary, numbered=report is not None)
    if report is not None:
        add_period_report(document, report, record, first=2)
    closing = body_paragraph(document, "จึงเรียนมาเพื่อโปรดทราบ" + (
        " และพิจารณาอนุญาตให้เผยแพร่รายงานนี้บนเว็บไซต์ของหน่วยงาน" if report is not None else ""),
        before=12)
    closing.paragraph_format.keep_with_next = True  # with the signature under it
    add_signatures(document, memo, record if report is not None else None)
    notes = ["รายงานนี้แสดงเฉพาะจำนวนเรื่อง ไม่มีเนื้อหาของเรื่องร้องเรียนและไม่มีข้อมูลที่ระบุตัว"
             f"ผู้ร้องเรียน สถานะเป็นข้อมูล ณ วันที่ {_long_thai_date(issued_on)}"]
    if audit_head is not None:  # the hash on a line of its own: it cannot break
        line = audit_head_line(audit_head)
        notes.append(line.replace(f" {audit_head.entry_hash}", f"\n{audit_head.entry_hash}"))
    add_annex(document, notes)
    return document


def _long_thai_date(day: date) -> str:
    return str(thai_strftime(datetime(day.year, day.month, day.day), "%-d %B พ.ศ. %Y"))


def audit_head_line(head: ChainHead) -> str:
    """The Thai line that names the audit log's latest entry and its SHA-256 hash."""
    return (f"บันทึกการใช้งาน (audit log) ณ เวลาออกรายงาน: รายการที่ {head.seq:,} "
            f"ค่าแฮช SHA-256 {head.entry_hash}")


def docx_bytes(summary: Summary, *, organisation: str, issued_on: date | None = None,
               audit_head: ChainHead | None = None, report: Report | None = None,
               record: PeriodReport | None = None, memo: MemoDetails | None = None) -> bytes:
    """The Word file of :func:`build_document` as bytes (for a download)."""
    buffer = io.BytesIO()
    build_document(summary, organisation=organisation, issued_on=issued_on,
                   audit_head=audit_head, report=report, record=record, memo=memo).save(buffer)
    return buffer.getvalue()


def write_docx(summary: Summary, path: Path, *, organisation: str,
               issued_on: date | None = None, audit_head: ChainHead | None = None,
               report: Report | None = None, record: PeriodReport | None = None,
               memo: MemoDetails | None = None) -> None:
    """Write the summary of ``summary`` to ``path`` as a Word (.docx) file (the memo of
    :func:`build_document`).

    Raises ``OSError`` if ``path`` cannot be written.
    """
    path.write_bytes(docx_bytes(summary, organisation=organisation, issued_on=issued_on,
                                audit_head=audit_head, report=report, record=record, memo=memo))


__all__ = [
    "Row",
    "Section",
    "audit_head_line",
    "build_document",
    "canonical_label",
    "docx_bytes",
    "memo_subject",
    "percent",
    "period_heading",
    "period_name",
    "period_range",
    "period_title",
    "sections",
    "write_docx",
]
