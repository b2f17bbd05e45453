"""A case's investigation file (แฟ้มเรื่อง): one PDF of the case and its whole thread, for members
of the handling unit (issue 9 §5), in Thai, Sarabun embedded and shaped
(:mod:`rongrian.web.thai_pdf`), on A4 pages that break by themselves.

It holds what the case page shows a unit member, and nothing more: the clear fields, what the
complainant wrote, the thread (status changes with their internal notes, replies, information the
complainant added), moves between units with their reasons, and the attachments' generic names.
Never the complainant's identity: it is sealed to the identity custodian alone and never opened
here. Every page's footer says who made the file and when, and that it is confidential.
"""

from dataclasses import dataclass
from datetime import date

from rongrian.intake.attachments import AttachmentInfo
from rongrian.intake.casework import CaseDetail
from rongrian.web.labels import label
from rongrian.web.thai_pdf import FONT, thai_pdf, wrapped
from rongrian.web.thaidates import format_date

#: A4 portrait in millimetres, and the margin.
_PAGE = (210.0, 297.0)
_MARGIN = 20.0
_WIDTH = _PAGE[0] - 2 * _MARGIN
#: How each kind of thread entry is named.
_ENTRY_KINDS = {
    "status": "เปลี่ยนสถานะ",
    "reply": "ตอบผู้ร้อง",
    "information": "ผู้ร้องเพิ่มข้อมูล",
    "extension": "ขยายระยะเวลา",
    "reopen": "ผู้ร้องแจ้งว่ายังไม่ได้รับการแก้ไข",
    "assignment": "มอบหมายเจ้าหน้าที่ผู้รับผิดชอบ",
}
CONFIDENTIAL = "เอกสารลับ — ใช้เพื่อการพิจารณาเรื่องร้องเรียนเท่านั้น"


@dataclass(frozen=True)
class CaseFileContent:
    """What the file holds: the opened case, its attachments, the organisation's name, the
    staff member who makes it (name shown in the footer) and the day it is made."""

    case: CaseDetail
    attachments: list[AttachmentInfo]
    organisation: str
    made_by: str
    made_on: date


class _Writer:
    def __init__(self, content: CaseFileContent) -> None:
        self.pdf = thai_pdf(*_PAGE, margin_mm=_MARGIN, auto_page_break=True)
        footer = (f"{CONFIDENTIAL}  ·  จัดทำโดย {content.made_by} "
                  f"เมื่อ {format_date(content.made_on, 'th')}")

        def page_footer() -> None:
            self.pdf.set_y(-_MARGIN + 6)
            self.pdf.set_font(FONT, "", 9)
            self.pdf.cell(_WIDTH, 5, f"{footer}  ·  หน้า {self.pdf.page_no()}", align="C")

        self.pdf.footer = page_footer  # type: ignore[method-assign]
        self.pdf.add_page()

    def paragraph(self, text: str, *, size: float = 13, bold: bool = False,
                  gap: float = 0.0) -> None:
        """Left-aligned text, each of its lines wrapped at Thai word boundaries."""
        self.pdf.set_font(FONT, "B" if bold else "", size)
        if gap:
            self.pdf.ln(gap)
        for line in (text or "-").splitlines() or ["-"]:
            self.pdf.set_x(_MARGIN)
            self.pdf.multi_cell(_WIDTH, size * 0.5, wrapped(self.pdf, line, _WIDTH - 1.0) or " ")

    def field(self, name: str, value: str) -> None:
        self.paragraph(f"{name}: {value}")


def _header(writer: _Writer, content: CaseFileContent) -> None:
    summary = content.case.summary
    writer.paragraph(content.organisation, size=15, bold=True)
    writer.paragraph(f"แฟ้มเรื่อง เลขที่ {summary.case_number}", size=20, bold=True, gap=2)
    writer.field("ประเภทเรื่อง", summary.category_name_th)
    writer.field("ลักษณะเรื่อง", label("kind", summary.kind, "th"))
    writer.field("หน่วยงานผู้รับผิดชอบ", summary.unit_name_th)
    writer.field("ช่องทาง", label("channel", summary.channel, "th"))
    writer.field("สถานะ", label("status", summary.status, "th"))
    writer.field("วันที่รับเรื่อง", format_date(summary.received_on, "th"))
    writer.field("กำหนดแล้วเสร็จ", format_date(summary.due_on, "th"))


def _complaint(writer: _Writer, case: CaseDetail) -> None:
    writer.paragraph("เรื่องที่ร้องเรียน", size=16, bold=True, gap=4)
    for name, text in (("เกิดอะไรขึ้น", case.what_happened), ("เมื่อใด", case.when_happened),
                       ("ที่ใด", case.where_happened), ("ผู้เกี่ยวข้อง", case.who_involved)):
        writer.paragraph(name, bold=True, gap=1)
        writer.paragraph(text)


def _thread(writer: _Writer, case: CaseDetail) -> None:
    writer.paragraph("ลำดับการดำเนินการ", size=16, bold=True, gap=4)
    if not case.entries:
        writer.paragraph("-")
    for entry in case.entries:
        kind = _ENTRY_KINDS.get(entry.kind.value, entry.kind.value)
        status = f" — {label('status', entry.status, 'th')}" if entry.status else ""
        writer.paragraph(f"{format_date(entry.occurred_on, 'th')}  {kind}{status}", bold=True,
                         gap=1)
        if entry.text:
            writer.paragraph(entry.text)


def _moves_and_files(writer: _Writer, content: CaseFileContent) -> None:
    if content.case.transfers:
        writer.paragraph("การส่งต่อระหว่างหน่วยงาน", size=16, bold=True, gap=4)
        for move in content.case.transfers:
            writer.paragraph(f"{format_date(move.occurred_on, 'th')}  {move.from_unit[0]} → "
                             f"{move.to_unit[0]}", bold=True, gap=1)
            writer.paragraph(move.reason)
    writer.paragraph("ไฟล์แนบ", size=16, bold=True, gap=4)
    if not content.attachments:
        writer.paragraph("ไม่มี")
    for item in content.attachments:
        writer.paragraph(f"{item.position}. {item.name} ({item.size:,} ไบต์, "
                         f"{format_date(item.added_on, 'th')})")


def render_case_file(content: CaseFileContent) -> bytes:
    """The investigation file as PDF bytes (A4, as many pages as the thread needs, Sarabun
    embedded and subset). Raises ``fpdf.errors.FPDFException`` only on a programming error."""
    writer = _Writer(content)
    writer.pdf.set_title(f"แฟ้มเรื่อง {content.case.summary.case_number}")
    writer.pdf.set_creator("Rongrian")
    _header(writer, content)
    _complaint(writer, content.case)
    _thread(writer, content.case)
    _moves_and_files(writer, content)
    return bytes(writer.pdf.output())
