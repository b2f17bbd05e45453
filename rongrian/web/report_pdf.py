"""The period report as a PDF Thai official memo (บันทึกข้อความ; issue 10 §2), for staff and for
the public statistics page.

The same content as the memo Word file, on A4 with Sarabun embedded and Thai shaped
(:mod:`rongrian.web.thai_pdf`), so a PC without TH Sarabun New shows Thai, not boxes: the memo
header (ส่วนราชการ, ที่, วันที่, เรื่อง, เรียน), the type × outcome table and its chart, the
monthly trend beside the previous year (chart and table), cases by unit and by channel, times,
overdue cases per unit (staff ``general`` report only: a count per unit, then each unit's
oldest :data:`OVERDUE_LISTED` by case number and age, never content),
the integrity officer's analysis, the signature block with the executive's "ได้รับทราบ", page
numbers from page 2 ("- 2 -"), and the audit log's head in a footnote on the last page.

:func:`staff_pdf` prints exact counts from :class:`rongrian.intake.period_report.Report`;
:func:`public_pdf` prints only an acknowledged report's published tables
(:func:`rongrian.intake.public_tables.tables_of`: small counts "น้อยกว่า 5", complements
"ปกปิด"), never a case number or a staff member's name other than the acknowledging
executive's. Sizes: Sarabun 12 pt is the size of TH Sarabun New 16 pt (the agencies' standard;
the two fonts share a design, Sarabun drawn larger on its body).
"""

from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from rongrian.intake.period_report import (
    OUTCOME_NAMES,
    OUTCOMES,
    OVERDUE_LISTED,
    Line,
    Report,
    ReportKind,
    UnitOverdue,
    overdue_by_unit,
)
from rongrian.intake.public_tables import TOTAL, Table, tables_of
from rongrian.intake.publication import Published
from rongrian.intake.reporting import Period, parse_period
from rongrian.web.charts import month_label
from rongrian.web.labels import LABELS
from rongrian.web.memo_pdf import (
    CHART,
    DOTS,
    INDENT,
    KIND_TITLES,
    LEFT,
    SMALL,
    WIDTH,
    Memo,
    MemoWriter,
    Signature,
    memo_head,
    period_days,
    picture_height,
    thai_period_name,
    timing_text,
)
from rongrian.web.report_charts import monthly_trend_png, outcome_by_type_png
from rongrian.web.thaidates import long_thai_date


def _outcome_header(first: str) -> list[str]:
    return [first, *(OUTCOME_NAMES[key][0] for key in OUTCOMES), "รวม"]


_OUTCOME_WIDTHS = (32.0, 21.0, 21.0, 21.0, 21.0, 21.0, 23.0)


def _outcome_rows(lines: Sequence[Line]) -> list[list[str]]:
    rows = [[line.name_th,
             *(f"{line.counts[key]:,}" for key in OUTCOMES), f"{line.total:,}"]
            for line in lines]
    totals = {key: sum(line.counts[key] for line in lines) for key in OUTCOMES}
    rows.append(["รวม", *(f"{totals[key]:,}" for key in OUTCOMES), f"{sum(totals.values()):,}"])
    return rows


def _intro(report: Report, total: str, previous: str | None) -> str:
    noun = "เรื่องร้องเรียนการทุจริตและประพฤติมิชอบ" if report.kind is ReportKind.CORRUPTION \
        else "เรื่องร้องเรียน ร้องทุกข์ ข้อเสนอแนะ และคำชมเชย"
    text = (f"ในช่วง{thai_period_name(report.period)} ({period_days(report.period)}) "
            f"หน่วยงานได้รับ{noun} ทุกช่องทาง รวมทั้งสิ้น {total} เรื่อง")
    if previous is not None:
        text += f" (ช่วงเวลาเดียวกันของปีก่อน {previous} เรื่อง)"
    return text + " สถานะเป็นข้อมูล ณ วันที่ " + long_thai_date(report.as_of) + " มีรายละเอียดดังนี้"


def _subject(period: Period, kind: ReportKind) -> str:
    return f"รายงานสรุปผลการดำเนินการ{KIND_TITLES[kind]} {thai_period_name(period)}"


def _closing(writer: MemoWriter, memo: Memo, number: int, *, public: bool) -> None:
    writer.heading(f"{number}. ผลการวิเคราะห์ปัญหาและแนวทางการปรับปรุง")
    writer.text(memo.analysis or "(ยังไม่ได้จัดทำ)", indent=INDENT)
    if not public:
        writer.text("จึงเรียนมาเพื่อโปรดทราบและพิจารณาอนุญาตให้เผยแพร่บนเว็บไซต์ของหน่วยงาน",
                    indent=INDENT, gap=4)
        author = memo.author
        writer.signature([DOTS, f"({author.name})" if author else f"({DOTS})",
                          author.position if author else f"ตำแหน่ง {DOTS[:32]}"], gap=14)
    ack = memo.acknowledgement
    if ack is None:  # lines to sign by hand, as the Word memo has
        writer.signature(["ได้รับทราบ", "", DOTS, f"({DOTS})", f"ตำแหน่ง {DOTS[:32]}",
                          f"วันที่ {DOTS[:32]}"])
        return
    when = f"วันที่ {long_thai_date(ack.signed_on)}" if ack.signed_on else ""
    writer.signature(["ได้รับทราบ และอนุญาตให้เผยแพร่", "", f"({ack.name})",
                      f"ตำแหน่ง {ack.position}", when])


def _footnotes(writer: MemoWriter, memo: Memo, extra: str) -> None:
    notes = ["หมายเหตุ: รายงานนี้แสดงเฉพาะจำนวนเรื่อง ไม่มีเนื้อหาของเรื่องร้องเรียน"
             f"และไม่มีข้อมูลที่ระบุตัวผู้ร้องเรียน{extra}"]
    if memo.audit_head is not None:
        head = memo.audit_head
        notes.append(f"บันทึกการใช้งาน (audit log) ณ เวลาออกรายงาน: รายการที่ {head.seq:,} "
                     f"ค่าแฮช SHA-256 {head.entry_hash}")
    writer.footnote(notes)


def _trend_rows(lines: Sequence[Line]) -> list[list[str]]:
    rows = [[month_label(line.code, "th"), f"{line.counts['this']:,}",
             f"{line.counts['previous']:,}"] for line in lines]
    rows.append(["รวม", f"{sum(line.counts['this'] for line in lines):,}",
                 f"{sum(line.counts['previous'] for line in lines):,}"])
    return rows


def _overdue(writer: MemoWriter, report: Report, number: int) -> None:
    """Overdue cases per unit: a count per unit, then each unit's oldest
    :data:`OVERDUE_LISTED` by case number and age (the workbook lists them all)."""
    writer.heading(f"{number}. เรื่องที่เกินกำหนดจำแนกตามหน่วยงาน (เลขที่เรื่องและอายุเรื่อง)")
    if not report.overdue:
        writer.text("ไม่มีเรื่องที่เกินกำหนด", indent=INDENT)
        return
    units = overdue_by_unit(report)
    writer.grid(["หน่วยงาน", "จำนวนเรื่องที่เกินกำหนด", "อายุเรื่องสูงสุด (วัน)"],
                [*([group.unit, f"{group.count:,}", f"{group.oldest_days:,}"]
                   for group in units),
                 ["รวม", f"{len(report.overdue):,}", ""]], (50.0, 50.0, 40.0))
    rows = overdue_rows(units)
    writer.grid(["หน่วยงาน", "เลขที่เรื่อง", "อายุเรื่อง (วัน)"], rows, (50.0, 50.0, 40.0),
                total_last=False)
    if any(group.count > len(group.listed) for group in units):
        writer.text(OVERDUE_NOTE, size=SMALL)


#: Said under a capped overdue list (DOCX and PDF).
OVERDUE_NOTE = (f"แสดงเฉพาะเรื่องที่ค้างนานที่สุด {OVERDUE_LISTED} เรื่องของแต่ละหน่วยงาน "
                "รายการทั้งหมดอยู่ในไฟล์ Excel (.xlsx) ของรายงานนี้")


def overdue_rows(units: list[UnitOverdue]) -> list[list[str]]:
    """Rows (unit, case number, age in days) of each unit's listed overdue cases, and a row
    "และอีก N เรื่อง" where a unit has more."""
    rows: list[list[str]] = []
    for group in units:
        rows += [[group.unit, case.case_number, f"{case.age_days:,}"] for case in group.listed]
        if group.count > len(group.listed):
            rows.append([group.unit, f"และอีก {group.count - len(group.listed):,} เรื่อง", ""])
    return rows


def staff_pdf(report: Report, memo: Memo) -> bytes:
    """The memo PDF of ``report`` with exact counts, for staff and executives (bytes).

    The overdue cases per unit (case numbers and age) are printed for the ``general`` report
    only (never for the corruption report, issue 10 §1).
    """
    subject = _subject(report.period, report.kind)
    writer = MemoWriter(subject, memo.issued_on, thai_digits=memo.thai_digits)
    memo_head(writer, memo, subject)
    writer.text(_intro(report, f"{report.total:,}", f"{report.previous_total:,}"),
                indent=INDENT)
    number = iter(range(1, 100))
    writer.heading(f"{next(number)}. ผลการดำเนินการจำแนกตามประเภทเรื่อง")
    writer.grid(_outcome_header("ประเภทเรื่อง"), _outcome_rows(report.types), _OUTCOME_WIDTHS)
    writer.picture(outcome_by_type_png(report), CHART)
    trend_png = monthly_trend_png(report)
    writer.heading(f"{next(number)}. จำนวนเรื่องรายเดือน เทียบกับปีงบประมาณก่อน",
                   need=picture_height(trend_png, CHART))
    writer.picture(trend_png, CHART)
    writer.grid(["เดือน", "ปีงบประมาณนี้", "ปีงบประมาณก่อน"], _trend_rows(report.trend),
                (50.0, 40.0, 40.0))
    writer.heading(f"{next(number)}. ผลการดำเนินการจำแนกตามหน่วยงานผู้รับผิดชอบ")
    writer.grid(_outcome_header("หน่วยงาน"), _outcome_rows(report.units), _OUTCOME_WIDTHS)
    writer.heading(f"{next(number)}. จำแนกตามช่องทางการร้องเรียน")
    channels = [[LABELS["channel"].get(code, (code, code))[0], f"{n:,}"]
                for code, n in sorted(report.channels.items(), key=lambda item: -item[1])]
    writer.grid(["ช่องทาง", "จำนวนเรื่อง"],
                [*channels, ["รวม", f"{sum(report.channels.values()):,}"]], (70.0, 40.0))
    for table in memo.counts:
        writer.heading(f"{next(number)}. {table.title}")
        writer.grid(["รายการ", "จำนวนเรื่อง"],
                    [*([name, f"{n:,}"] for name, n in table.rows),
                     ["รวม", f"{sum(n for _, n in table.rows):,}"]], (100.0, 40.0))
    writer.heading(f"{next(number)}. ระยะเวลาการดำเนินการ")
    items = [f"ตอบรับครั้งแรก: {timing_text(report.first_answer)}",
             f"ดำเนินการแล้วเสร็จ: {timing_text(report.finish)}",
             f"เรื่องที่ผู้ร้องขอเปิดใหม่: {report.reopened:,} เรื่อง"]
    if report.ratings:
        items.append(f"ความพึงพอใจ: เฉลี่ย {report.rating_mean:g} จาก 5 "
                     f"({report.ratings:,} เรื่องที่ให้คะแนน)")
    for item in items:  # a list set in from the margin
        writer.text(f"- {item}", x=LEFT + INDENT / 2, width=WIDTH - INDENT / 2)
    if report.kind is ReportKind.GENERAL:
        _overdue(writer, report, next(number))
    _closing(writer, memo, next(number), public=False)
    _footnotes(writer, memo, " สถานะเป็นข้อมูล ณ วันที่ออกรายงาน")
    return writer.output()


def _shown_lines(table: Table, keys: Sequence[str]) -> list[Line]:
    """The table's rows (totals left out) as report lines with hidden cells as 0: the charts
    of the public PDF draw only what is shown."""
    lines = []
    for row in table.rows:
        if row.code == TOTAL:
            continue
        counts = {key: cell.value or 0 for key, cell in zip(keys, row.cells, strict=False)}
        lines.append(Line(row.code, row.name_th, row.name_en, counts))
    return lines


def shown_report(published: Published, threshold: int) -> Report:
    """A report holding only what the public sees of ``published``: its types and months with
    every hidden cell as 0, so a chart drawn from it shows nothing the tables hide."""
    outcome, trend = tables_of(published, threshold)
    report = Report(parse_period(published.label), published.kind,
                    date.fromisoformat(published.snapshot["as_of"]))
    report.types = _shown_lines(outcome, OUTCOMES)
    report.trend = _shown_lines(trend, ("this", "previous"))
    return report


def _public_rows(table: Table) -> list[list[str]]:
    return [["รวม" if row.code == TOTAL else
             (month_label(row.code, "th") if table.key == "trend" else row.name_th),
             *(cell.text_th(table.threshold) for cell in row.cells)] for row in table.rows]


def public_pdf(published: Published, *, organisation: str, threshold: int,
               emblem_png: bytes | None = None) -> bytes:
    """The memo PDF of an acknowledged report as the public sees it (bytes): only its published
    tables, small counts suppressed, no case numbers; the charts draw shown counts only."""
    period = parse_period(published.label)
    outcome, trend = tables_of(published, threshold)
    report = shown_report(published, threshold)
    memo = Memo(organisation, published.acknowledged_on, analysis=published.analysis,
                acknowledgement=Signature(published.name, published.position,
                                          published.acknowledged_on), emblem_png=emblem_png)
    subject = _subject(period, published.kind)
    writer = MemoWriter(subject, memo.issued_on)
    memo_head(writer, replace(memo, addressee="ผู้สนใจ (เผยแพร่ต่อสาธารณะ)"), subject)
    grand = outcome.rows[-1].cells[-1].text_th(threshold)
    writer.text(_intro(report, grand, None), indent=INDENT)
    writer.text(f"จำนวนตั้งแต่ 1 ถึง {threshold - 1} แสดงเป็น \"น้อยกว่า {threshold}\" "
                "และบางช่องแสดงเป็น \"ปกปิด\" เพื่อไม่ให้คำนวณย้อนกลับได้ "
                "แผนภูมิแสดงเฉพาะจำนวนที่เปิดเผย", indent=INDENT, size=SMALL)
    writer.heading("1. ผลการดำเนินการจำแนกตามประเภทเรื่อง")
    writer.grid(_outcome_header("ประเภทเรื่อง"), _public_rows(outcome), _OUTCOME_WIDTHS)
    writer.picture(outcome_by_type_png(report), CHART)
    trend_png = monthly_trend_png(report)
    writer.heading("2. จำนวนเรื่องรายเดือน เทียบกับปีงบประมาณก่อน",
                   need=picture_height(trend_png, CHART))
    writer.picture(trend_png, CHART)
    writer.grid(["เดือน", "ปีงบประมาณนี้", "ปีงบประมาณก่อน", "รวม"], _public_rows(trend),
                (45.0, 35.0, 35.0, 30.0))
    _closing(writer, memo, 3, public=True)
    _footnotes(writer, memo, "")
    return writer.output()


__all__ = ["OVERDUE_NOTE", "overdue_rows", "public_pdf", "shown_report", "staff_pdf"]
