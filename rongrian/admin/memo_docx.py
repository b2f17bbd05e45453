"""The frame of a Thai official memo (บันทึกข้อความ) in Word: header, signatures, page numbers.

The layout follows the memo form of ระเบียบสำนักนายกรัฐมนตรีว่าด้วยงานสารบรรณ พ.ศ. 2526 (แบบที่ 3
บันทึกข้อความ) as offices type it today: the Garuda (the agency's emblem, 1.5 cm high) at the top
left and ``บันทึกข้อความ`` bold at the centre (29 pt); the field names ``ส่วนราชการ``, ``ที่``,
``วันที่`` and ``เรื่อง`` bold (20 pt) with their values in 16 pt, ``ที่`` and ``วันที่`` on one line;
``เรียน`` and the body with its paragraphs' first lines indented 2.5 cm; the signer's name in
parentheses with the position under it, right of the centre; page numbers centred at the top
from the second page (``- 2 -``). Margins and fonts: :mod:`rongrian.admin.docx_thai`.

The executive's acknowledgement (``ได้รับทราบ``, name, position, date) comes from the report's
record (:class:`rongrian.intake.models.PeriodReport`); before it, lines are left to sign by hand.
"""

import io
from dataclasses import dataclass
from datetime import date
from typing import Any

from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from sqlalchemy import select
from sqlalchemy.orm import Session

from rongrian.admin.docx_thai import add_paragraph, add_run
from rongrian.intake.models import Agency, Installation, PeriodReport, StaffAccount, Unit
from rongrian.web.thaidates import long_thai_date

TITLE_SIZE = Pt(29)
FIELD_SIZE = Pt(20)
NOTE_SIZE = Pt(12)
#: Height of the emblem at the top left of the form.
EMBLEM_HEIGHT = Cm(1.5)
#: Where ``วันที่`` starts on the ``ที่`` line, and where the signature blocks start.
DATE_TAB = Cm(7.5)
SIGNATURE_INDENT = Cm(7.0)
#: First-line indent of the body paragraphs (2.5 cm in the form).
BODY_INDENT = Cm(2.5)
#: Text width of the A4 page (21 cm less 3 cm left and 2 cm right margins).
TEXT_WIDTH = Cm(16.0)
DOTS = "...................................................."
_THAI_DIGITS = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")


@dataclass(frozen=True)
class MemoDetails:
    """What the memo's frame says besides the report: ``department`` (ส่วนราชการ: the agency and
    its integrity unit), ``number`` (ที่: the agency's prefix and a blank for the registry to fill),
    ``addressee`` (เรียน: the executive's position), the integrity officer who signs
    (``signer_name``, ``signer_position``; empty: lines to fill by hand), the agency's
    ``emblem`` (PNG) and ``thai_digits`` for the page numbers (Arabic by default)."""

    department: str
    number: str = f"ที่ {DOTS[:20]}/{DOTS[:12]}"
    addressee: str = "หัวหน้าหน่วยงาน"
    signer_name: str = ""
    signer_position: str = ""
    emblem: bytes | None = None
    thai_digits: bool = False


def memo_details(session: Session, record: PeriodReport | None, *,
                 thai_digits: bool = False) -> MemoDetails:
    """The memo details from the database: the agency's profile (or the installation's name),
    its integrity unit, the analysis author's display name (position: the integrity unit's
    officer), and the acknowledging executive's position as the addressee."""
    agency = session.scalars(select(Agency)).first()
    installation = session.scalars(select(Installation)).first()
    name = agency.name_th if agency else (installation.organisation_name if installation else "")
    unit = session.scalars(select(Unit).where(Unit.is_integrity.is_(True)).order_by(Unit.id)
                           ).first()
    department = f"{name} {unit.name_th}".strip() if unit else name
    prefix = agency.short_name if agency and agency.short_name else ""
    signer_name = signer_position = ""
    if record is not None and record.analysis_by_id is not None:
        author = session.get(StaffAccount, record.analysis_by_id)
        if author is not None:
            signer_name = author.display_name
            signer_position = f"เจ้าหน้าที่{unit.name_th}" if unit else "ผู้รับผิดชอบงานเรื่องร้องเรียน"
    addressee = (record.acknowledged_position if record and record.acknowledged_position
                 else "หัวหน้าหน่วยงาน")
    return MemoDetails(
        department=department,
        number=f"ที่ {prefix} {DOTS[:16]}/{DOTS[:12]}" if prefix else MemoDetails.number,
        addressee=addressee, signer_name=signer_name, signer_position=signer_position,
        emblem=agency.emblem if agency else None, thai_digits=thai_digits)


def thai_digits(text: str) -> str:
    """``text`` with Arabic digits written as Thai digits (``12`` → ``๑๒``)."""
    return text.translate(_THAI_DIGITS)


def _field(paragraph: Any, name: str, value: str) -> None:
    add_run(paragraph, name, bold=True, size=FIELD_SIZE)
    add_run(paragraph, f"\u00a0\u00a0{value}")


def add_memo_header(document: Any, memo: MemoDetails, *, subject: str, dated: date) -> None:
    """The memo's head: emblem and title, ``ส่วนราชการ``, ``ที่``/``วันที่``, ``เรื่อง``, ``เรียน``."""
    title = add_paragraph(document, after=6)
    title.paragraph_format.tab_stops.add_tab_stop(Cm(8.0), WD_TAB_ALIGNMENT.CENTER)
    if memo.emblem:
        title.add_run().add_picture(io.BytesIO(memo.emblem), height=EMBLEM_HEIGHT)
    add_run(title, "\tบันทึกข้อความ", bold=True, size=TITLE_SIZE)
    _field(add_paragraph(document), "ส่วนราชการ", memo.department)
    line = add_paragraph(document)
    line.paragraph_format.tab_stops.add_tab_stop(DATE_TAB)
    number = memo.number.removeprefix("ที่").strip()
    _field(line, "ที่", number)
    add_run(line, "\t")
    _field(line, "วันที่", long_thai_date(dated))
    subject_line = add_paragraph(document, after=6)
    subject_line.paragraph_format.left_indent = Cm(1.25)
    subject_line.paragraph_format.first_line_indent = -Cm(1.25)
    _field(subject_line, "เรื่อง", subject)
    _bottom_rule(subject_line)
    addressed = add_paragraph(document, before=6, after=6)
    add_run(addressed, "เรียน", bold=False)
    add_run(addressed, f"\u00a0\u00a0{memo.addressee}")


def _bottom_rule(paragraph: Any) -> None:
    """A thin line under ``paragraph`` (the memo's head ends under ``เรื่อง``)."""
    properties = paragraph._p.get_or_add_pPr()  # paragraph borders have no python-docx API
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("val", "single"), ("sz", "6"), ("space", "4"), ("color", "000000")):
        bottom.set(qn(f"w:{key}"), value)
    borders.append(bottom)
    properties.append(borders)


def body_paragraph(document: Any, text: str = "", *, before: float = 0) -> Any:
    """A body paragraph: first line indented 2.5 cm, justified the Thai way."""
    paragraph = add_paragraph(document, text, before=before,
                              align=WD_ALIGN_PARAGRAPH.THAI_JUSTIFY)
    paragraph.paragraph_format.first_line_indent = BODY_INDENT
    return paragraph


def _signature(document: Any, lines: list[str], *, before: float) -> None:
    for index, text in enumerate(lines):
        paragraph = add_paragraph(document, text, before=before if index == 0 else 0,
                                  align=WD_ALIGN_PARAGRAPH.CENTER)
        paragraph.paragraph_format.left_indent = SIGNATURE_INDENT
        paragraph.paragraph_format.keep_with_next = index < len(lines) - 1
        paragraph.paragraph_format.keep_together = True


def add_signatures(document: Any, memo: MemoDetails, record: PeriodReport | None) -> None:
    """The integrity officer's signature block, then the executive's acknowledgement:
    ``ได้รับทราบ`` with name, position and date once acknowledged, else lines to fill."""
    name = f"({memo.signer_name})" if memo.signer_name else f"({DOTS[:40]})"
    position = memo.signer_position or f"ตำแหน่ง {DOTS[:36]}"
    _signature(document, [DOTS[:40], name, position], before=36)
    if record is not None and record.acknowledged_on is not None:
        _signature(document, ["ได้รับทราบ และอนุญาตให้เผยแพร่", DOTS[:40],
                              f"({record.acknowledged_name})",
                              f"ตำแหน่ง {record.acknowledged_position}",
                              f"วันที่ {long_thai_date(record.acknowledged_on)}"], before=24)
        return
    _signature(document, ["ได้รับทราบ", DOTS[:40], f"({DOTS[:40]})", f"ตำแหน่ง {DOTS[:36]}",
                          f"วันที่ {DOTS[:36]}"], before=24)


def _field_code(paragraph: Any, code: str, shown: str) -> None:
    """A Word field (``PAGE``) with ``shown`` as its last result (python-docx has no API)."""
    parts: list[tuple[str, dict[str, str], str]] = [
        ("w:fldChar", {"w:fldCharType": "begin"}, ""),
        ("w:instrText", {"xml:space": "preserve"}, f" {code} "),
        ("w:fldChar", {"w:fldCharType": "separate"}, ""),
        ("w:t", {}, shown),
        ("w:fldChar", {"w:fldCharType": "end"}, ""),
    ]
    for tag, attributes, text in parts:
        run = add_run(paragraph, "")
        element = OxmlElement(tag)
        for key, value in attributes.items():
            element.set(qn(key), value)
        if text:
            element.text = text
        run._r.append(element)


def add_page_numbers(document: Any, *, thai: bool = False) -> None:
    """``- 2 -`` centred at the top of every page but the first; with ``thai`` the section asks
    for Thai digits (``- ๒ -`` in Word; LibreOffice 7.4 keeps Arabic digits)."""
    section = document.sections[0]
    section.different_first_page_header_footer = True
    section.header_distance = Cm(1.2)
    paragraph = section.header.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    add_run(paragraph, "- ")
    _field_code(paragraph, "PAGE", "๒" if thai else "2")
    add_run(paragraph, " -")
    if thai:
        # The section's number format, which Word applies to PAGE. Not the field's own
        # ``\* ThaiArabic`` switch: LibreOffice 7.4 reads that as Thai letters (ข, ค…); it
        # ignores this format instead and prints Arabic digits.
        number_type = OxmlElement("w:pgNumType")
        number_type.set(qn("w:fmt"), "thaiNumbers")
        section._sectPr.append(number_type)


def add_annex(document: Any, lines: list[str]) -> None:
    """Small-print notes after the signatures (หมายเหตุ): what the figures are, and the audit
    log's head, so that the body holds only the report."""
    first = add_paragraph(document, "หมายเหตุ", bold=True, size=NOTE_SIZE, before=24)
    first.paragraph_format.keep_with_next = True
    for number, text in enumerate(lines, start=1):
        add_paragraph(document, f"{number}. {text}", size=NOTE_SIZE)


__all__ = [
    "MemoDetails",
    "add_annex",
    "add_memo_header",
    "add_page_numbers",
    "add_signatures",
    "body_paragraph",
    "memo_details",
    "thai_digits",
]
