"""The period report's part of the Word file (issue 10 §1): the type × outcome cross-table, the
monthly trend beside the previous year, times, reopened cases and satisfaction, overdue cases per
unit (``general`` only, case numbers and age), the integrity officer's analysis and the
executive's acknowledgement block ("ได้รับทราบ", name, position, date). The figures are those of
:func:`rongrian.intake.period_report.build_report`, the same the executive page shows.
"""

from typing import Any

from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

from rongrian.admin.docx_thai import add_paragraph, add_run
from rongrian.intake.models import PeriodReport
from rongrian.intake.period_report import OUTCOME_NAMES, OUTCOMES, Report, ReportKind, Timing
from rongrian.web.charts import month_label
from rongrian.web.thaidates import format_date

TABLE_SIZE = Pt(14)
KIND_TITLES = {ReportKind.GENERAL: "เรื่องร้องเรียนทั่วไป (การให้บริการ ข้อเสนอแนะ และคำชมเชย)",
               ReportKind.CORRUPTION: "เรื่องร้องเรียนการทุจริตและประพฤติมิชอบ"}


def _grid(document: Any, header: list[str], rows: list[list[str]]) -> None:
    table = document.add_table(rows=1, cols=len(header))
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        add_run(cell.paragraphs[0], text, bold=True, size=TABLE_SIZE)
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    for values in rows:
        cells = table.add_row().cells
        for index, (cell, text) in enumerate(zip(cells, values, strict=True)):
            add_run(cell.paragraphs[0], text, size=TABLE_SIZE)
            if index:
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT


def timing_text(timing: Timing) -> str:
    """``มัธยฐาน 3 วัน, เปอร์เซ็นไทล์ที่ 90 7 วัน (12 เรื่อง)`` or ``–`` without cases."""
    if timing.n == 0 or timing.median is None or timing.p90 is None:
        return "–"
    return (f"มัธยฐาน {timing.median:g} วันทำการ, เปอร์เซ็นไทล์ที่ 90 {timing.p90:g} วันทำการ "
            f"({timing.n:,} เรื่อง)")


def _heading(document: Any, text: str) -> None:
    heading = add_paragraph(document, text, bold=True, before=10, after=4)
    heading.paragraph_format.keep_with_next = True


def add_period_report(document: Any, report: Report, record: PeriodReport | None) -> None:
    """Append the ``report`` part (and the analysis and acknowledgement of ``record``)."""
    _heading(document, f"รายงาน{KIND_TITLES[report.kind]}")
    header = ["ประเภทเรื่อง", *(OUTCOME_NAMES[key][0] for key in OUTCOMES), "รวม"]
    rows = [[line.name_th, *(f"{line.counts[key]:,}" for key in OUTCOMES), f"{line.total:,}"]
            for line in report.types]
    totals = report.outcome_totals()
    rows.append(["รวม", *(f"{totals[key]:,}" for key in OUTCOMES), f"{report.total:,}"])
    _heading(document, "ผลการดำเนินการจำแนกตามประเภทเรื่อง")
    _grid(document, header, rows)
    _heading(document, "จำนวนเรื่องรายเดือน เทียบกับปีงบประมาณก่อน")
    _grid(document, ["เดือน", "ปีงบประมาณนี้", "ปีงบประมาณก่อน"],
          [[month_label(line.code, "th"), f"{line.counts['this']:,}",
            f"{line.counts['previous']:,}"] for line in report.trend])
    add_paragraph(document, f"ช่วงเวลาเดียวกันของปีก่อน: {report.previous_total:,} เรื่อง", before=4)
    _heading(document, "ระยะเวลาการดำเนินการ")
    add_paragraph(document, f"ตอบรับครั้งแรก: {timing_text(report.first_answer)}")
    add_paragraph(document, f"ดำเนินการแล้วเสร็จ: {timing_text(report.finish)}")
    add_paragraph(document, f"เรื่องที่ผู้ร้องขอเปิดใหม่: {report.reopened:,} เรื่อง")
    if report.ratings:
        add_paragraph(document, f"ความพึงพอใจ: เฉลี่ย {report.rating_mean:g} จาก 5 "
                                f"({report.ratings:,} เรื่องที่ให้คะแนน)")
    if report.kind is ReportKind.GENERAL and report.overdue:
        _heading(document, "เรื่องที่เกินกำหนดจำแนกตามหน่วยงาน (เลขที่เรื่องและอายุเรื่อง)")
        _grid(document, ["หน่วยงาน", "เลขที่เรื่อง", "อายุเรื่อง (วัน)"],
              [[case.unit_code, case.case_number, f"{case.age_days:,}"]
               for case in report.overdue])
    _heading(document, "ผลการวิเคราะห์ปัญหาและแนวทางการปรับปรุง")
    analysis = record.analysis if record and record.analysis else "(ยังไม่ได้จัดทำ)"
    for paragraph in analysis.split("\n"):
        add_paragraph(document, paragraph)
    _acknowledgement(document, record)


def _acknowledgement(document: Any, record: PeriodReport | None) -> None:
    centre = WD_ALIGN_PARAGRAPH.CENTER
    block = add_paragraph(document, before=18)
    block.paragraph_format.keep_with_next = True
    if record is None or record.acknowledged_on is None:
        add_paragraph(document, "ผู้บริหารยังไม่ได้รับทราบรายงานนี้ (ยังไม่เผยแพร่)", align=centre)
        return
    add_paragraph(document, "ได้รับทราบ", bold=True, align=centre)
    add_paragraph(document, f"({record.acknowledged_name})", align=centre, before=12)
    add_paragraph(document, f"ตำแหน่ง {record.acknowledged_position}", align=centre)
    add_paragraph(document, f"วันที่ {format_date(record.acknowledged_on, 'th')}", align=centre)


__all__ = ["add_period_report", "timing_text"]
