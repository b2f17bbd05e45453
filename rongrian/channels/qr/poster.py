"""Printable QR posters (โปสเตอร์คิวอาร์โค้ด): a PDF in Thai, Sarabun embedded and shaped.

fpdf2 draws the page; its text shaping (HarfBuzz, through ``uharfbuzz``) places Thai vowels and
tone marks, which a PDF writer without shaping breaks (floating or overlapping marks). The QR
codes are vector rectangles from :func:`rongrian.channels.qr.codes.modules` (error correction M),
so they stay sharp at any print size. Fonts come from PyPI's ``fontpkg-sarabun``.

A poster holds: the agency's name (and emblem), the call to file, the unit that receives what is
filed through it, a large QR code of the poster's link, the link written out for people who cannot
scan, the LINE Official Account's add-friend code beside it when the agency has one, one line on
anonymity, the hotline and office hours, and where the poster hangs.
"""

import enum
from dataclasses import dataclass
from datetime import date
from io import BytesIO
from urllib.parse import quote

from rongrian.channels.qr.codes import modules
from rongrian.web.thai_pdf import FONT, FONT_DIR, thai_pdf, wrapped
from rongrian.web.thaidates import format_date

__all__ = ["FONT", "FONT_DIR", "PosterContent", "PosterSize", "line_add_friend_link",
           "render_poster"]

#: The call to file, the anonymity line and the scan hint, as printed (Thai only: posters hang
#: in Thai offices; the link leads to a page with English too).
HEADLINE = "แจ้งเรื่องร้องเรียน ร้องทุกข์ แจ้งเบาะแส"
ANONYMITY = ("ไม่ต้องระบุชื่อก็แจ้งได้ ระบบไม่เก็บข้อมูลที่ระบุตัวท่าน "
             "ท่านจะได้รับรหัสติดตามเรื่องไว้ติดตามผลด้วยตนเอง")
SCAN_HINT = "สแกนคิวอาร์โค้ดด้วยกล้องโทรศัพท์"
TYPE_HINT = "หรือพิมพ์ที่อยู่นี้ในเบราว์เซอร์"
LINE_HINT = "เพิ่มเพื่อน LINE"


class PosterSize(enum.StrEnum):
    """ISO 216 paper sizes a poster is printed on (portrait)."""

    A4 = "A4"
    A5 = "A5"
    A6 = "A6"


#: Page width and height in millimetres (ISO 216).
PAGE_MM: dict[PosterSize, tuple[float, float]] = {
    PosterSize.A4: (210.0, 297.0),
    PosterSize.A5: (148.0, 210.0),
    PosterSize.A6: (105.0, 148.0),
}


@dataclass(frozen=True)
class PosterContent:
    """What one poster says.

    ``link`` is the address the main QR code encodes (``<public URL>/report?unit=…&channel=qr
    &place=<poster id>``); ``emblem`` PNG or JPEG bytes or ``None``; ``line_account`` the LINE
    Official Account's basic id (``@tuayang``) or ``""``; ``place`` where the poster hangs (at
    most 80 characters, already checked) or ``""``; ``made_on`` the day printed in the footer.
    """

    agency_name: str
    unit_name: str
    link: str
    hotline: str
    office_hours: str = ""
    place: str = ""
    line_account: str = ""
    emblem: bytes | None = None
    made_on: date | None = None


def line_add_friend_link(account: str) -> str:
    """LINE's add-friend address of an Official Account: ``https://line.me/R/ti/p/%40<id>``.

    ``account`` is the basic id with or without its ``@``.
    """
    return "https://line.me/R/ti/p/" + quote("@" + account.lstrip("@"), safe="")


class _Page:
    """An fpdf2 page scaled from A4: ``s`` multiplies every A4 length in mm, ``t`` every type
    size in points (``s ** 0.7``, so that text on A6 stays readable at arm's length)."""

    def __init__(self, size: PosterSize) -> None:
        width, height = PAGE_MM[size]
        self.width, self.height = width, height
        self.s = width / PAGE_MM[PosterSize.A4][0]
        self.t: float = self.s ** 0.7
        self.margin = 14 * self.s
        pdf = thai_pdf(width, height, margin_mm=self.margin)
        pdf.add_page()
        self.pdf = pdf

    def _set(self, line: "_Line") -> float:
        """Set ``line``'s font; return its line height in mm."""
        size = line.points * self.t
        self.pdf.set_font(FONT, "B" if line.bold else "", size)
        return line.line_mm * self.t if line.line_mm is not None else size * 0.5

    def wrapped(self, text: str) -> str:
        """``text`` broken into lines that fit the text width, at Thai word boundaries
        (:func:`rongrian.web.thai_pdf.wrapped`). Call with the font set."""
        return wrapped(self.pdf, text, self.width - 2 * self.margin - 1.0)

    def height_of(self, line: "_Line") -> float:
        """How tall ``line`` is once wrapped to the text width, its gap above included."""
        step = self._set(line)
        height = self.pdf.multi_cell(self.width - 2 * self.margin, step,
                                     self.wrapped(line.text), align="C", dry_run=True,
                                     output="HEIGHT")
        if not isinstance(height, float | int):  # output="HEIGHT" gives a number
            raise TypeError(f"fpdf2 answered {height!r} for a height")
        return float(height) + line.gap_mm * self.s

    def write(self, y: float, line: "_Line") -> float:
        """Centred, wrapped ``line`` from ``y`` (after its gap); returns the y below it."""
        step = self._set(line)
        self.pdf.set_xy(self.margin, y + line.gap_mm * self.s)
        self.pdf.multi_cell(self.width - 2 * self.margin, step, self.wrapped(line.text),
                            align="C")
        return float(self.pdf.get_y())

    def qr(self, data: str, x: float, y: float, side: float) -> None:
        """A QR code of ``data``, ``side`` mm square (quiet zone included), top-left at x, y."""
        matrix = modules(data)
        unit = side / len(matrix)
        self.pdf.set_fill_color(0, 0, 0)
        for row_index, row in enumerate(matrix):
            start = None
            for col_index, dark in enumerate([*row, False]):
                if dark and start is None:
                    start = col_index
                elif not dark and start is not None:
                    self.pdf.rect(x + start * unit, y + row_index * unit,
                                  (col_index - start) * unit, unit, style="F")
                    start = None


@dataclass(frozen=True)
class _Line:
    """A centred paragraph: type size in A4 points, line height in A4 mm (default half the
    size), and the gap above it in A4 mm."""

    text: str
    points: float
    bold: bool = False
    line_mm: float | None = None
    gap_mm: float = 0.0


def _header_lines(content: PosterContent) -> list[_Line]:
    return [_Line(content.agency_name, 22, bold=True),
            _Line(HEADLINE, 30, bold=True, gap_mm=4),
            _Line(f"ถึง {content.unit_name}", 20, gap_mm=1)]


def _footer_lines(content: PosterContent) -> list[_Line]:
    contact = f"สายด่วน {content.hotline}" if content.hotline else ""
    if content.office_hours:
        contact = f"{contact}  ·  {content.office_hours}" if contact else content.office_hours
    lines = [_Line(SCAN_HINT, 16, bold=True), _Line(TYPE_HINT, 12, gap_mm=1),
             _Line(content.link, 11, line_mm=5.5), _Line(ANONYMITY, 15, line_mm=7.5, gap_mm=4)]
    if contact:
        lines.append(_Line(contact, 16, bold=True, gap_mm=3))
    return lines


def _notes_line(content: PosterContent) -> _Line | None:
    notes = []
    if content.place:
        notes.append(f"จุดติดตั้ง: {content.place}")
    if content.made_on is not None:
        notes.append(f"จัดทำเมื่อ {format_date(content.made_on, 'th')}")
    return _Line("  ·  ".join(notes), 10) if notes else None


def _header(page: _Page, content: PosterContent) -> float:
    y = page.margin
    if content.emblem:
        side = 26 * page.s
        page.pdf.image(BytesIO(content.emblem), x=(page.width - side) / 2, y=y, w=side, h=side,
                       keep_aspect_ratio=True)
        y += side + 3 * page.s
    for line in _header_lines(content):
        y = page.write(y, line)
    return y


def _codes(page: _Page, content: PosterContent, y: float, room: float) -> float:
    """Draw the QR code(s) from ``y`` within ``room`` mm of height; return the y below."""
    if not content.line_account:
        side = min(120 * page.s, room)
        page.qr(content.link, (page.width - side) / 2, y, side)
        return y + side
    gap = 6 * page.s
    main = min(112 * page.s, room)
    side_code = main * 58 / 112
    left = (page.width - main - gap - side_code) / 2
    page.qr(content.link, left, y, main)
    line_x = left + main + gap
    page.qr(line_add_friend_link(content.line_account), line_x, y + (main - side_code) / 2,
            side_code)
    page.pdf.set_font(FONT, "", 13 * page.t)
    page.pdf.set_xy(line_x, y + (main + side_code) / 2)
    page.pdf.multi_cell(side_code, 6 * page.t,
                        f"{LINE_HINT}\n{'@' + content.line_account.lstrip('@')}", align="C")
    return y + main


def render_poster(content: PosterContent, size: PosterSize = PosterSize.A4) -> bytes:
    """The poster as PDF bytes (one page of ``size``, portrait, Sarabun embedded and subset).

    Raises ``fpdf.errors.FPDFException`` only on a programming error (text that cannot fit).
    """
    page = _Page(size)
    page.pdf.set_title(f"{HEADLINE} — {content.unit_name}")
    page.pdf.set_creator("Rongrian")
    y = _header(page, content) + 5 * page.s
    footer = _footer_lines(content)
    notes = _notes_line(content)
    bottom = page.height - page.margin - (page.height_of(notes) if notes else 0.0)
    room = bottom - 4 * page.s - y - sum(page.height_of(line) for line in footer)
    y = _codes(page, content, y, room)
    for line in footer:
        y = page.write(y, line)
    if notes is not None:
        page.write(bottom, notes)
    return bytes(page.pdf.output())
