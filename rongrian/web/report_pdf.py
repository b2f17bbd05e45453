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

import io
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

from fpdf import FPDF
from fpdf.fonts import FontFace
from PIL import Image

from rongrian.intake.audit import ChainHead
from rongrian.intake.period_report import (
    OUTCOME_NAMES,
    OUTCOMES,
    OVERDUE_LISTED,
    Line,
    Report,
    ReportKind,
    Timing,
    UnitOverdue,
    overdue_by_unit,
)
from rongrian.intake.public_tables import TOTAL, Table, tables_of
from rongrian.intake.publication import Published
from rongrian.intake.reporting import Period, parse_period
from rongrian.intake.thaidate import BE_OFFSET, THAI_MONTHS
from rongrian.web.charts import month_label
from rongrian.web.labels import LABELS
from rongrian.web.report_charts import monthly_trend_png, outcome_by_type_png
from rongrian.web.thai_pdf import FONT, thai_pdf, wrapped

#: A4 portrait and the memo's margins in mm (top 2.5 cm, left 3 cm, right 2 cm, bottom 2 cm).
PAGE = (210.0, 297.0)
TOP, LEFT, RIGHT, BOTTOM = 25.0, 30.0, 20.0, 20.0
WIDTH = PAGE[0] - LEFT - RIGHT
#: Point sizes: body (TH Sarabun New 16), tables (14), the memo title (29), labels (20).
BODY, SMALL, TITLE, LABEL = 12.0, 10.5, 22.0, 15.0
INDENT = 25.0
#: Width of a chart on the page.
CHART = WIDTH * 0.92
DOTS = "." * 40
_THAI_DIGITS = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")
KIND_TITLES = {ReportKind.GENERAL: "เรื่องร้องเรียนทั่วไป (การให้บริการ ข้อเสนอแนะ และคำชมเชย)",
               ReportKind.CORRUPTION: "เรื่องร้องเรียนการทุจริตและประพฤติมิชอบ"}
_HEAD = FontFace(emphasis="B", fill_color=(217, 226, 243))
_TOTAL = FontFace(emphasis="B", fill_color=(242, 242, 242))


@dataclass(frozen=True)
class Signature:
    """A name and position in a signature block, and the day it was signed (if shown)."""

    name: str
    position: str
    signed_on: date | None = None


@dataclass(frozen=True)
class CountTable:
    """An extra table of counts (e.g. by QR poster place): a title and ``(name, count)``."""

    title: str
    rows: Sequence[tuple[str, int]]


@dataclass(frozen=True)
class Memo:
    """The memo's frame: ``organisation`` and ``department`` (ส่วนราชการ), ``reference`` (ที่;
    empty: a dotted line to fill), ``issued_on`` (วันที่), ``addressee`` (เรียน), the analysis
    text, the integrity officer who wrote it (``author``), the executive's acknowledgement,
    the audit log's head (footnote), the agency's emblem (PNG), extra count tables, and
    ``thai_digits`` for the page numbers (``- ๒ -``; Arabic by default)."""

    organisation: str
    issued_on: date
    department: str = ""
    reference: str = ""
    addressee: str = "ผู้บริหาร"
    analysis: str = ""
    author: Signature | None = None
    acknowledgement: Signature | None = None
    audit_head: ChainHead | None = None
    emblem_png: bytes | None = None
    counts: Sequence[CountTable] = ()
    thai_digits: bool = False


def long_thai_date(day: date) -> str:
    """``1 ตุลาคม 2568`` (day, full Thai month, พ.ศ.)."""
    return f"{day.day} {THAI_MONTHS[day.month - 1]} {day.year + BE_OFFSET}"


def thai_period_name(period: Period) -> str:
    """``รอบ 6 เดือนแรก ปีงบประมาณ พ.ศ. 2569`` and the like (Thai only: the documents are)."""
    year = f"ปีงบประมาณ พ.ศ. {period.fiscal_year}"
    number = ((period.start.month - 10) % 12) // (3 if period.kind == "quarter" else 6) + 1
    if period.kind == "quarter":
        return f"ไตรมาสที่ {number} {year}"
    if period.kind == "half":
        return f"รอบ 6 เดือน{'แรก' if number == 1 else 'หลัง'} {year}"
    if period.kind == "month":
        month = period.start.month - 1
        return f"เดือน{THAI_MONTHS[month]} พ.ศ. {period.start.year + BE_OFFSET} ({year})"
    return year


def period_days(period: Period) -> str:
    """``1 ตุลาคม 2568 – 31 มีนาคม 2569``."""
    return f"{long_thai_date(period.start)} – {long_thai_date(period.end)}"


def timing_text(timing: Timing) -> str:
    """``มัธยฐาน 3 วันทำการ, เปอร์เซ็นไทล์ที่ 90 7 วันทำการ (12 เรื่อง)``; ``–`` without cases."""
    if timing.n == 0 or timing.median is None or timing.p90 is None:
        return "–"
    return (f"มัธยฐาน {timing.median:g} วันทำการ, เปอร์เซ็นไทล์ที่ 90 {timing.p90:g} วันทำการ "
            f"({timing.n:,} เรื่อง)")


def picture_height(png: bytes, width: float) -> float:
    """The height in mm of the PNG ``png`` drawn ``width`` mm wide."""
    with Image.open(io.BytesIO(png)) as image:
        return width * image.height / image.width


class _Writer:
    """An fpdf2 document laid out as a memo: running page number from page 2."""

    def __init__(self, title: str, made_on: date, *, thai_digits: bool = False) -> None:
        self.pdf: FPDF = thai_pdf(*PAGE, margin_mm=LEFT, auto_page_break=True)
        self.pdf.set_margins(LEFT, TOP, RIGHT)
        self.pdf.c_margin = 1.0
        self.pdf.set_auto_page_break(auto=True, margin=BOTTOM)
        self.pdf.set_title(title)
        self.pdf.set_creator("Rongrian")
        # the day of the memo, not the moment: the same report makes the same bytes
        self.pdf.set_creation_date(datetime(made_on.year, made_on.month, made_on.day,
                                            tzinfo=UTC))

        def page_header() -> None:
            if self.pdf.page_no() > 1:
                self.pdf.set_y(12)
                self.pdf.set_font(FONT, "", BODY)
                number = str(self.pdf.page_no())
                if thai_digits:
                    number = number.translate(_THAI_DIGITS)
                self.pdf.cell(WIDTH, 6, f"- {number} -", align="C")
                self.pdf.set_y(TOP)

        self.pdf.header = page_header  # type: ignore[method-assign]
        self.pdf.add_page()

    def text(self, text: str, *, size: float = BODY, bold: bool = False, indent: float = 0,
             align: str = "L", gap: float = 0.0, width: float = WIDTH, x: float = LEFT) -> None:
        """Paragraphs of ``text`` wrapped at Thai word boundaries; ``indent`` on first lines."""
        self.pdf.set_font(FONT, "B" if bold else "", size)
        if gap:
            self.pdf.ln(gap)
        room = 2 * self.pdf.c_margin + 0.5  # multi_cell's own margins
        for paragraph in (part.strip() for part in text.split("\n")):
            first = wrapped(self.pdf, paragraph, width - indent - room).split("\n")[0]
            # the first line is indented; the following ones fill the width again
            rest = wrapped(self.pdf, paragraph[len(first):].lstrip(), width - room)
            self.pdf.set_x(x + indent)
            self.pdf.multi_cell(width - indent, size * 0.55, first or " ", align=align)
            if rest:
                self.pdf.set_x(x)
                self.pdf.multi_cell(width, size * 0.55, rest, align=align)

    def heading(self, text: str, *, need: float = 35) -> None:
        """A bold section heading kept with the ``need`` mm that follow it (a new page when
        less room is left)."""
        if self.pdf.get_y() + 10 + need > PAGE[1] - BOTTOM:
            self.pdf.add_page()
        self.text(text, bold=True, gap=3)
        self.pdf.ln(1)

    def grid(self, header: Sequence[str], rows: Sequence[Sequence[str]],
             widths: Sequence[float], *, total_last: bool = True) -> None:
        """A bordered table: bold shaded header (repeated on each page), first column left,
        the others right-aligned numbers; the last row shaded as the totals."""
        self.pdf.set_font(FONT, "", SMALL)
        pad = 1.2

        def fit(text: str, width: float) -> str:
            return wrapped(self.pdf, text, width - 2 * pad - 0.5) or " "

        aligns = ["LEFT", *(["RIGHT"] * (len(widths) - 1))]
        with self.pdf.table(width=sum(widths), col_widths=tuple(widths), align="LEFT",
                            line_height=SMALL * 0.5, padding=pad, headings_style=_HEAD,
                            text_align=tuple(aligns), repeat_headings=1) as table:
            self.pdf.set_font(FONT, "B", SMALL)
            head = table.row()
            for text, width in zip(header, widths, strict=True):
                head.cell(fit(text, width), align="CENTER")
            self.pdf.set_font(FONT, "", SMALL)
            for index, values in enumerate(rows):
                style = _TOTAL if total_last and index == len(rows) - 1 else None
                row = table.row()
                for text, width in zip(values, widths, strict=True):
                    row.cell(fit(text, width), style=style)
        self.pdf.ln(2)

    def picture(self, png: bytes, width: float) -> None:
        """A chart centred on the text width (a new page when it does not fit)."""
        if self.pdf.get_y() + picture_height(png, width) > PAGE[1] - BOTTOM:
            self.pdf.add_page()
        self.pdf.image(io.BytesIO(png), x=LEFT + (WIDTH - width) / 2, w=width)
        self.pdf.ln(2)

    def signature(self, lines: Sequence[str], *, gap: float = 8) -> None:
        """A signature block on the right half: the lines centred under a space to sign, kept
        on one page."""
        self.pdf.set_font(FONT, "", BODY)
        room = WIDTH / 2 + 10 - 2 * self.pdf.c_margin - 0.5
        count = sum(len(wrapped(self.pdf, line, room).split("\n")) for line in lines)
        if self.pdf.get_y() + gap + count * BODY * 0.55 + 2 > PAGE[1] - BOTTOM:
            self.pdf.add_page()
        self.pdf.ln(gap)
        for line in lines:
            self.text(line, align="C", width=WIDTH / 2 + 10, x=LEFT + WIDTH / 2 - 10)

    def footnote(self, lines: Sequence[str]) -> None:
        """Small notes at the foot of the last page, under a short rule."""
        self.pdf.set_font(FONT, "", 9)
        height = sum(len(wrapped(self.pdf, line, WIDTH - 2.5).split("\n")) for line in lines) * 4.5
        bottom = PAGE[1] - BOTTOM
        if self.pdf.get_y() + height + 6 > bottom:
            self.pdf.add_page()
        self.pdf.set_y(bottom - height - 2)
        self.pdf.line(LEFT, self.pdf.get_y(), LEFT + 50, self.pdf.get_y())
        self.pdf.ln(1.5)
        for line in lines:
            self.pdf.set_x(LEFT)
            self.pdf.multi_cell(WIDTH, 4.5, wrapped(self.pdf, line, WIDTH - 2.5))

    def output(self) -> bytes:
        return bytes(self.pdf.output())


def _memo_head(writer: _Writer, memo: Memo, subject: str) -> None:
    pdf = writer.pdf
    if memo.emblem_png:
        pdf.image(io.BytesIO(memo.emblem_png), x=LEFT, y=TOP - 8, h=15)
    pdf.set_y(TOP - 4)
    writer.text("บันทึกข้อความ", size=TITLE, bold=True, align="C")
    pdf.ln(3)
    department = memo.department or memo.organisation
    _field(writer, "ส่วนราชการ", department)
    y = pdf.get_y()
    _field(writer, "ที่", memo.reference or "." * 40, width=WIDTH / 2)
    pdf.set_y(y)
    _field(writer, "วันที่", long_thai_date(memo.issued_on), width=WIDTH / 2, x=LEFT + WIDTH / 2)
    _field(writer, "เรื่อง", subject)
    pdf.line(LEFT, pdf.get_y() + 0.5, LEFT + WIDTH, pdf.get_y() + 0.5)  # the head ends here
    pdf.ln(3)
    writer.text(f"เรียน  {memo.addressee}")
    pdf.ln(2)


def _field(writer: _Writer, name: str, value: str, *, width: float = WIDTH,
           x: float = LEFT) -> None:
    pdf = writer.pdf
    pdf.set_font(FONT, "B", LABEL)
    label = pdf.get_string_width(name) + 3
    y = pdf.get_y()
    pdf.set_xy(x, y)
    pdf.cell(label, LABEL * 0.55, name)
    pdf.set_font(FONT, "", BODY)
    pdf.set_xy(x + label, y + (LABEL - BODY) * 0.25)
    pdf.multi_cell(width - label, BODY * 0.55, wrapped(pdf, value, width - label - 2.5))
    pdf.ln(0.5)


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


def _closing(writer: _Writer, memo: Memo, number: int, *, public: bool) -> None:
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


def _footnotes(writer: _Writer, memo: Memo, extra: str) -> None:
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


def _overdue(writer: _Writer, report: Report, number: int) -> None:
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
    writer = _Writer(subject, memo.issued_on, thai_digits=memo.thai_digits)
    _memo_head(writer, memo, subject)
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
    report = Report(period, published.kind, date.fromisoformat(published.snapshot["as_of"]))
    report.types = _shown_lines(outcome, OUTCOMES)
    report.trend = _shown_lines(trend, ("this", "previous"))
    memo = Memo(organisation, published.acknowledged_on, analysis=published.analysis,
                acknowledgement=Signature(published.name, published.position,
                                          published.acknowledged_on), emblem_png=emblem_png)
    subject = _subject(period, published.kind)
    writer = _Writer(subject, memo.issued_on)
    _memo_head(writer, replace(memo, addressee="ผู้สนใจ (เผยแพร่ต่อสาธารณะ)"), subject)
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


__all__ = ["CountTable", "Memo", "Signature", "long_thai_date", "period_days", "public_pdf",
           "staff_pdf", "thai_period_name", "timing_text"]
