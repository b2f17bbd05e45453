"""The period report's part of the memo's body (issue 10 §1, §2): numbered items with the type ×
outcome cross-table and its chart, the monthly trend beside the previous year and its chart,
counts by channel and by unit, times, reopened cases and satisfaction, overdue cases per unit
(``general`` only: case numbers and age, never content), and the integrity officer's analysis
and proposed improvements. The figures are those of
:func:`rongrian.intake.period_report.build_report`, the same the executive page shows; the
charts are :mod:`rongrian.web.report_charts`.
"""

import io
from typing import Any

from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Emu, Pt

from rongrian.admin.docx_thai import add_paragraph, add_run
from rongrian.admin.memo_docx import TEXT_WIDTH, body_paragraph
from rongrian.intake.models import PeriodReport
from rongrian.intake.period_report import OUTCOMES, Report, ReportKind, Timing, overdue_by_unit
from rongrian.web.charts import month_label
from rongrian.web.labels import LABELS
from rongrian.web.report_charts import monthly_trend_png, outcome_by_type_png
from rongrian.web.report_pdf import OVERDUE_NOTE, overdue_rows

TABLE_SIZE = Pt(14)
WIDE_TABLE_SIZE = Pt(13)
HEADER_SIZE = Pt(11)
#: Rows at the top of a table kept on the page of its heading (the rest may flow on).
KEPT_ROWS = 3
KIND_TITLES = {ReportKind.GENERAL: "เรื่องร้องเรียนทั่วไป (การให้บริการ ข้อเสนอแนะ และคำชมเชย)",
               ReportKind.CORRUPTION: "เรื่องร้องเรียนการทุจริตและประพฤติมิชอบ"}
#: Short column names of the outcomes for the cross-tables (full names: ``OUTCOME_NAMES``).
#: Lines break where a 2 cm column would break them anyway, between words.
OUTCOME_COLUMNS = {"within": "แล้วเสร็จ\nในกำหนด", "late": "แล้วเสร็จ\nเกินกำหนด",
                   "open_in_time": "ระหว่าง\nดำเนินการ\nในกำหนด",
                   "open_overdue": "ระหว่าง\nดำเนินการ\nเกินกำหนด", "rejected": "ไม่รับ\nพิจารณา"}
#: Widths of the cross-tables' columns: name, the five outcomes, total (16 cm in all).
CROSS_WIDTHS = (Cm(4.05), *(Cm(1.95),) * 5, Cm(2.2))


def _cell(cell: Any, text: str, *, bold: bool, size: Pt, align: Any, keep: bool) -> None:
    paragraph = cell.paragraphs[0]
    add_run(paragraph, text, bold=bold, size=size)
    paragraph.alignment = align
    paragraph.paragraph_format.keep_with_next = keep


def grid(document: Any, header: list[str], rows: list[list[str]], *,
         widths: tuple[Any, ...] | None = None, size: Pt = TABLE_SIZE,
         total_row: bool = False) -> Any:
    """A bordered table: bold centred ``header``, the first column left and the others right
    aligned (numbers), the last row bold with ``total_row``; ``widths`` per column."""
    table = document.add_table(rows=1, cols=len(header))
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    centre, right, left = (WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.RIGHT,
                           WD_ALIGN_PARAGRAPH.LEFT)
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        _cell(cell, text, bold=True, size=HEADER_SIZE, align=centre, keep=True)
    _repeat_header(table.rows[0])
    for number, values in enumerate(rows, start=1):
        bold = total_row and number == len(rows)
        for index, (cell, text) in enumerate(zip(table.add_row().cells, values, strict=True)):
            _cell(cell, text, bold=bold, size=size, align=right if index else left,
                  keep=number < KEPT_ROWS)
    if widths is not None:
        table.autofit = False
        for index, width in enumerate(widths):
            table.columns[index].width = width  # the grid, which LibreOffice follows
            for cell in table.columns[index].cells:
                cell.width = width  # each cell, which Word follows
    return table


def _repeat_header(row: Any) -> None:
    properties = row._tr.get_or_add_trPr()  # "repeat as header row" has no python-docx API
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)


def timing_text(timing: Timing) -> str:
    """``มัธยฐาน 3 วันทำการ, เปอร์เซ็นไทล์ที่ 90 7 วันทำการ (12 เรื่อง)`` or ``–`` without cases."""
    if timing.n == 0 or timing.median is None or timing.p90 is None:
        return "–"
    return (f"มัธยฐาน {timing.median:g} วันทำการ, เปอร์เซ็นไทล์ที่ 90 {timing.p90:g} วันทำการ "
            f"({timing.n:,} เรื่อง)")


def _item(document: Any, text: str) -> None:
    heading = add_paragraph(document, text, bold=True, before=10, after=4)
    heading.paragraph_format.left_indent = Cm(1.25)
    heading.paragraph_format.keep_with_next = True


def _picture(document: Any, png: bytes, caption: str) -> None:
    paragraph = add_paragraph(document, align=WD_ALIGN_PARAGRAPH.CENTER, before=6)
    paragraph.paragraph_format.keep_with_next = True
    paragraph.add_run().add_picture(io.BytesIO(png), width=Emu(TEXT_WIDTH))
    add_paragraph(document, caption, size=TABLE_SIZE, align=WD_ALIGN_PARAGRAPH.CENTER, after=6)


def _cross_rows(report: Report) -> list[list[str]]:
    rows = [[line.name_th, *(f"{line.counts[key]:,}" for key in OUTCOMES), f"{line.total:,}"]
            for line in report.types]
    totals = report.outcome_totals()
    rows.append(["รวม", *(f"{totals[key]:,}" for key in OUTCOMES), f"{report.total:,}"])
    return rows


def add_period_report(document: Any, report: Report, record: PeriodReport | None, *,
                      first: int = 1) -> int:
    """Append the numbered items of ``report`` (from ``first``) and ``record``'s analysis;
    returns the next item number."""
    number = first
    header = ["ประเภทเรื่อง", *(OUTCOME_COLUMNS[key] for key in OUTCOMES), "รวม"]
    _item(document, f"{number}. ผลการดำเนินการจำแนกตามประเภทเรื่อง")
    grid(document, header, _cross_rows(report), widths=CROSS_WIDTHS, size=WIDE_TABLE_SIZE,
         total_row=True)
    _picture(document, outcome_by_type_png(report), "แผนภูมิที่ 1 ผลการดำเนินการจำแนกตามประเภทเรื่อง")
    number += 1
    _item(document, f"{number}. จำนวนเรื่องรายเดือน เทียบกับปีงบประมาณก่อน")
    year = report.period.fiscal_year
    grid(document, ["เดือน", f"ปีงบประมาณ {year}", f"ปีงบประมาณ {year - 1}"],
         [[month_label(line.code, "th"), f"{line.counts['this']:,}",
           f"{line.counts['previous']:,}"] for line in report.trend],
         widths=(Cm(5.0), Cm(4.0), Cm(4.0)))
    _picture(document, monthly_trend_png(report),
             "แผนภูมิที่ 2 จำนวนเรื่องที่ได้รับรายเดือน เทียบกับปีงบประมาณก่อน")
    body_paragraph(document, f"ช่วงเวลาเดียวกันของปีก่อนได้รับ {report.previous_total:,} เรื่อง "
                             f"ช่วงนี้ได้รับ {report.total:,} เรื่อง")
    number += 1
    _item(document, f"{number}. จำแนกตามช่องทางและหน่วยงานผู้รับผิดชอบ")
    channels = LABELS["channel"]
    grid(document, ["ช่องทาง", "จำนวนเรื่อง"],
         [[channels.get(code, (code, code))[0], f"{count:,}"]
          for code, count in sorted(report.channels.items(), key=lambda item: -item[1])]
         + [["รวม", f"{report.total:,}"]], widths=(Cm(9.0), Cm(4.0)), total_row=True)
    add_paragraph(document, after=4)
    grid(document, ["หน่วยงาน", *(OUTCOME_COLUMNS[key] for key in OUTCOMES), "รวม"],
         [[line.name_th, *(f"{line.counts[key]:,}" for key in OUTCOMES), f"{line.total:,}"]
          for line in report.units], widths=CROSS_WIDTHS, size=WIDE_TABLE_SIZE)
    number += 1
    _item(document, f"{number}. ระยะเวลาการดำเนินการ")
    for text in _time_lines(report):
        body_paragraph(document, text)
    number += 1
    if report.kind is ReportKind.GENERAL and report.overdue:
        _item(document, f"{number}. เรื่องที่เกินกำหนดจำแนกตามหน่วยงาน (เลขที่เรื่องและอายุเรื่อง)")
        units = overdue_by_unit(report)
        grid(document, ["หน่วยงาน", "จำนวนเรื่องที่เกินกำหนด", "อายุเรื่องสูงสุด (วัน)"],
             [*([group.unit, f"{group.count:,}", f"{group.oldest_days:,}"] for group in units),
              ["รวม", f"{len(report.overdue):,}", ""]], widths=(Cm(5.0), Cm(4.0), Cm(4.0)),
             total_row=True)
        add_paragraph(document, after=4)
        grid(document, ["หน่วยงาน", "เลขที่เรื่อง", "อายุเรื่อง (วัน)"], overdue_rows(units),
             widths=(Cm(5.0), Cm(4.0), Cm(4.0)))
        if any(group.count > len(group.listed) for group in units):
            body_paragraph(document, OVERDUE_NOTE)
        number += 1
    _item(document, f"{number}. ผลการวิเคราะห์ปัญหาและแนวทางการปรับปรุง")
    analysis = record.analysis if record and record.analysis else "(ยังไม่ได้จัดทำ)"
    for text in analysis.split("\n"):
        body_paragraph(document, text)
    return number + 1


def _time_lines(report: Report) -> list[str]:
    lines = [f"ตอบรับครั้งแรก: {timing_text(report.first_answer)}",
             f"ดำเนินการแล้วเสร็จ: {timing_text(report.finish)}",
             f"เรื่องที่ผู้ร้องขอเปิดใหม่: {report.reopened:,} เรื่อง"]
    if report.ratings and report.rating_mean is not None:
        lines.append(f"ความพึงพอใจ: เฉลี่ย {report.rating_mean:g} จาก 5 "
                     f"({report.ratings:,} เรื่องที่ให้คะแนน)")
    return lines


__all__ = ["KIND_TITLES", "add_period_report", "grid", "timing_text"]
