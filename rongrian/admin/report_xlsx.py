"""The period reports as an Excel workbook for analysts (issue 10 §2), with openpyxl.

One workbook holds both reports of a period (``general`` and ``corruption``): a cover sheet
(``ปก``: agency, period, the day it was made in พ.ศ., and each report's acknowledgement status),
then one sheet per table and report: type × outcome, unit × outcome, channel, month beside the
previous fiscal year, times, and — ``general`` only, never the corruption report (issue 10 §1) —
overdue cases per unit by case number and age. Counts are numbers (not text), header rows bold,
columns sized to their text; sheet names are Thai and at most 31 characters (Excel's limit).
Written in openpyxl's write-only mode: a fiscal year's overdue list of 70,000 cases costs
seconds, not tens of seconds.
Staff only: exact counts, never case content.
"""

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from rongrian.intake.models import PeriodReport
from rongrian.intake.period_report import OUTCOME_NAMES, OUTCOMES, Line, Report, ReportKind
from rongrian.web.charts import month_label
from rongrian.web.labels import LABELS
from rongrian.web.memo_pdf import KIND_TITLES, period_days, thai_period_name
from rongrian.web.thaidates import long_thai_date

#: A cell's value.
Value = str | int | float | None
#: Excel's longest sheet name.
SHEET_NAME_LIMIT = 31
#: The sheet-name prefix of each report.
KIND_PREFIX = {ReportKind.GENERAL: "ทั่วไป", ReportKind.CORRUPTION: "ทุจริต"}
_BOLD = Font(bold=True)
_FILL = PatternFill("solid", fgColor="D9E2F3")
_TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
_COUNT = "#,##0"
#: How many rows of a sheet set its column widths (the overdue list may hold tens of thousands).
WIDTH_SAMPLE = 2000


@dataclass(frozen=True)
class KindReport:
    """One report of the workbook and its stored analysis/acknowledgement record, if any."""

    report: Report
    record: PeriodReport | None


def sheet_name(prefix: str, title: str) -> str:
    """``prefix title`` cut to Excel's 31 characters, without the characters Excel refuses."""
    name = f"{prefix} {title}".strip()
    for character in "[]:*?/\\":
        name = name.replace(character, " ")
    return name[:SHEET_NAME_LIMIT]


def _width(value: object) -> float:
    text = f"{value:,}" if isinstance(value, int) else str(value)
    # Thai combining vowels and tone marks take no width of their own
    visible = sum(1 for c in text if not ("\u0e31" <= c <= "\u0e3a" or "\u0e47" <= c <= "\u0e4e"))
    return min(60.0, visible * 1.15 + 2)


def _set_widths(sheet: WriteOnlyWorksheet, widths: Sequence[float]) -> None:
    """Column widths in characters (set before the first row of a write-only sheet)."""
    dimensions = sheet.column_dimensions  # type: ignore[attr-defined]  # missing from the stubs
    for index, width in enumerate(widths, start=1):
        dimensions[get_column_letter(index)].width = width


def _cell(sheet: WriteOnlyWorksheet, value: Value, *, font: Font | None = None,
          fill: PatternFill | None = None) -> object:
    """``value`` as written: a styled cell, or the bare value when it needs no style (a long
    sheet is written fast: write-only workbook, bare values)."""
    counted = isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 1000
    if font is None and fill is None and not counted:
        return value
    cell = WriteOnlyCell(sheet, value=value)
    if font is not None:
        cell.font = font
    if fill is not None:
        cell.fill = fill
    if counted or isinstance(value, int):
        cell.number_format = _COUNT
    return cell


def _sheet(book: Workbook, name: str, header: Sequence[str],
           rows: Sequence[Sequence[Value]], *, total_last: bool = False) -> None:
    """A sheet: bold shaded header row (frozen), rows below; counts formatted ``1,234``;
    columns as wide as the header and the first :data:`WIDTH_SAMPLE` rows need."""
    sheet: WriteOnlyWorksheet = book.create_sheet(name)
    widths = [_width(value) for value in header]
    for row in rows[:WIDTH_SAMPLE]:
        for index, value in enumerate(row):
            widths[index] = max(widths[index], _width("" if value is None else value))
    _set_widths(sheet, widths)
    sheet.freeze_panes = "B2"
    heading = []
    for value in header:
        cell = WriteOnlyCell(sheet, value=value)
        cell.font, cell.fill = _BOLD, _FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        heading.append(cell)
    sheet.append(heading)
    last = len(rows) - 1 if total_last else -1
    for number, row in enumerate(rows):
        if number == last:
            sheet.append([_cell(sheet, value, font=_BOLD, fill=_TOTAL_FILL) for value in row])
        else:
            sheet.append([_cell(sheet, value) for value in row])


def _outcome_rows(lines: Sequence[Line]) -> list[list[Value]]:
    rows: list[list[Value]] = [[line.code, line.name_th, *(line.counts[k] for k in OUTCOMES),
                                 line.total] for line in lines]
    totals = [sum(line.counts[key] for line in lines) for key in OUTCOMES]
    rows.append(["", "รวม", *totals, sum(totals)])
    return rows


def _add_report(book: Workbook, item: KindReport) -> None:
    report, prefix = item.report, KIND_PREFIX[item.report.kind]
    outcome_header = ["รหัส", "ประเภทเรื่อง", *(OUTCOME_NAMES[key][0] for key in OUTCOMES), "รวม"]
    _sheet(book, sheet_name(prefix, "ผลการดำเนินการตามประเภท"), outcome_header,
           _outcome_rows(report.types), total_last=True)
    _sheet(book, sheet_name(prefix, "ผลการดำเนินการตามหน่วย"),
           ["รหัส", "หน่วยงาน", *outcome_header[2:]], _outcome_rows(report.units),
           total_last=True)
    channels: list[list[Value]] = [
        [code, LABELS["channel"].get(code, (code, code))[0], n]
        for code, n in sorted(report.channels.items(), key=lambda item: (-item[1], item[0]))]
    channels.append(["", "รวม", sum(report.channels.values())])
    _sheet(book, sheet_name(prefix, "ช่องทาง"), ["รหัส", "ช่องทาง", "จำนวนเรื่อง"], channels,
           total_last=True)
    months: list[list[Value]] = [[line.code, month_label(line.code, "th"),
                                   line.counts["this"], line.counts["previous"]]
                                  for line in report.trend]
    months.append(["", "รวม", sum(line.counts["this"] for line in report.trend),
                   sum(line.counts["previous"] for line in report.trend)])
    _sheet(book, sheet_name(prefix, "รายเดือน"),
           ["เดือน (พ.ศ.)", "ชื่อเดือน", "ปีงบประมาณนี้", "ปีงบประมาณก่อน"], months,
           total_last=True)
    times: list[list[Value]] = [
        [name, timing.n, timing.median, timing.p90]
        for name, timing in (("ตอบรับครั้งแรก", report.first_answer),
                             ("ดำเนินการแล้วเสร็จ", report.finish))]
    times.append(["เรื่องที่ผู้ร้องขอเปิดใหม่", report.reopened, None, None])
    times.append(["ความพึงพอใจ (คะแนนเฉลี่ยจาก 5)", report.ratings, report.rating_mean, None])
    _sheet(book, sheet_name(prefix, "ระยะเวลา"),
           ["รายการ", "จำนวนเรื่อง", "มัธยฐาน (วันทำการ) / ค่าเฉลี่ย",
            "เปอร์เซ็นไทล์ที่ 90 (วันทำการ)"], times)
    if report.kind is ReportKind.GENERAL:
        _sheet(book, sheet_name(prefix, "เรื่องเกินกำหนด"),
               ["หน่วยงาน", "เลขที่เรื่อง", "อายุเรื่อง (วัน)"],
               [[case.unit_code, case.case_number, case.age_days] for case in report.overdue])


def _status(record: PeriodReport | None) -> str:
    if record is None or record.acknowledged_on is None:
        return "ผู้บริหารยังไม่ได้รับทราบ (ยังไม่เผยแพร่)"
    return (f"ได้รับทราบแล้ว โดย {record.acknowledged_name} ตำแหน่ง "
            f"{record.acknowledged_position} เมื่อวันที่ {long_thai_date(record.acknowledged_on)}")


def _cover(book: Workbook, reports: Sequence[KindReport], organisation: str,
           made_on: date) -> None:
    sheet: WriteOnlyWorksheet = book.create_sheet("ปก")
    period = reports[0].report.period
    rows: list[tuple[str, Value]] = [
        ("หน่วยงาน", organisation),
        ("รอบรายงาน", thai_period_name(period)),
        ("ระหว่างวันที่", period_days(period)),
        ("รหัสรอบรายงาน", period.label),
        ("จัดทำเมื่อ", long_thai_date(made_on)),
        ("สถานะ ณ วันที่", long_thai_date(reports[0].report.as_of)),
    ]
    for item in reports:
        rows.append((f"รายงาน{KIND_TITLES[item.report.kind]}: จำนวนเรื่อง", item.report.total))
        rows.append((f"รายงาน{KIND_TITLES[item.report.kind]}: การรับทราบ", _status(item.record)))
    rows.append(("หมายเหตุ", "แสดงเฉพาะจำนวนเรื่อง ไม่มีเนื้อหาของเรื่องร้องเรียน"
                             "และไม่มีข้อมูลที่ระบุตัวผู้ร้องเรียน"))
    _set_widths(sheet, [max(_width(name) for name, _ in rows), 70])
    title = WriteOnlyCell(sheet, value="สรุปสถิติเรื่องร้องเรียน")
    title.font = Font(bold=True, size=14)
    sheet.append([title])
    for name, value in rows:
        label = WriteOnlyCell(sheet, value=name)
        label.font = _BOLD
        text = WriteOnlyCell(sheet, value=value)
        text.alignment = Alignment(horizontal="left", wrap_text=True)
        if isinstance(value, int):
            text.number_format = _COUNT
        sheet.append([label, text])


def xlsx_bytes(reports: Sequence[KindReport], *, organisation: str, made_on: date) -> bytes:
    """The workbook of ``reports`` (the same period; ``general`` then ``corruption``) as bytes.

    Raises ``ValueError`` when ``reports`` is empty.
    """
    if not reports:
        raise ValueError("no report")
    book = Workbook(write_only=True)
    _cover(book, reports, organisation, made_on)
    for item in reports:
        _add_report(book, item)
    book.properties.creator = "Rongrian"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


__all__ = ["KIND_PREFIX", "SHEET_NAME_LIMIT", "KindReport", "sheet_name", "xlsx_bytes"]
