"""The frame of a PDF Thai official memo (บันทึกข้อความ; issue 10 §2): A4 with the memo's margins,
Sarabun embedded and Thai shaped (:mod:`rongrian.web.thai_pdf`), the memo header (ส่วนราชการ, ที่,
วันที่, เรื่อง, เรียน), headings, paragraphs, tables, pictures and page numbers from page 2, and the
Thai dates and period names the reports print. :mod:`rongrian.web.report_pdf` writes the
period report in it."""

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from fpdf import FPDF
from fpdf.fonts import FontFace
from PIL import Image

from rongrian.intake.audit import ChainHead
from rongrian.intake.period_report import (
    ReportKind,
    Timing,
)
from rongrian.intake.reporting import Period
from rongrian.intake.thaidate import BE_OFFSET, THAI_MONTHS
from rongrian.web.thai_pdf import FONT, thai_pdf, wrapped
from rongrian.web.thaidates import long_thai_date

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
THAI_DIGITS = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")
KIND_TITLES = {ReportKind.GENERAL: "เรื่องร้องเรียนทั่วไป (การให้บริการ ข้อเสนอแนะ และคำชมเชย)",
               ReportKind.CORRUPTION: "เรื่องร้องเรียนการทุจริตและประพฤติมิชอบ"}
HEAD_FACE = FontFace(emphasis="B", fill_color=(217, 226, 243))
TOTAL_FACE = FontFace(emphasis="B", fill_color=(242, 242, 242))


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


class MemoWriter:
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
                    number = number.translate(THAI_DIGITS)
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
                            line_height=SMALL * 0.5, padding=pad, headings_style=HEAD_FACE,
                            text_align=tuple(aligns), repeat_headings=1) as table:
            self.pdf.set_font(FONT, "B", SMALL)
            head = table.row()
            for text, width in zip(header, widths, strict=True):
                head.cell(fit(text, width), align="CENTER")
            self.pdf.set_font(FONT, "", SMALL)
            for index, values in enumerate(rows):
                style = TOTAL_FACE if total_last and index == len(rows) - 1 else None
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


def memo_head(writer: MemoWriter, memo: Memo, subject: str) -> None:
    pdf = writer.pdf
    if memo.emblem_png:
        pdf.image(io.BytesIO(memo.emblem_png), x=LEFT, y=TOP - 8, h=15)
    pdf.set_y(TOP - 4)
    writer.text("บันทึกข้อความ", size=TITLE, bold=True, align="C")
    pdf.ln(3)
    department = memo.department or memo.organisation
    memo_field(writer, "ส่วนราชการ", department)
    y = pdf.get_y()
    memo_field(writer, "ที่", memo.reference or "." * 40, width=WIDTH / 2)
    pdf.set_y(y)
    memo_field(writer, "วันที่", long_thai_date(memo.issued_on), width=WIDTH / 2, x=LEFT + WIDTH / 2)
    memo_field(writer, "เรื่อง", subject)
    pdf.line(LEFT, pdf.get_y() + 0.5, LEFT + WIDTH, pdf.get_y() + 0.5)  # the head ends here
    pdf.ln(3)
    writer.text(f"เรียน  {memo.addressee}")
    pdf.ln(2)


def memo_field(writer: MemoWriter, name: str, value: str, *, width: float = WIDTH,
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
