"""Letters of the intake desk as Word files in the official external-letter form (หนังสือภายนอก).

The layout follows ระเบียบสำนักนายกรัฐมนตรีว่าด้วยงานสารบรรณ พ.ศ. 2526 (แบบหนังสือภายนอก): the
agency's emblem at the top centre, ``ที่`` (the letter number, left blank after the agency's
prefix for the registry to fill) on the left and the agency's name and address on the right, the
date in full Thai (พ.ศ.), ``เรื่อง``, ``เรียน``, ``อ้างถึง`` for a reply, the body with its first
line indented, ``ขอแสดงความนับถือ``, room for the signature with the signer's name and position
to fill, and the owning office with its telephone at the foot. Sarabun 16 pt
(:mod:`rongrian.admin.docx_thai`).

Two letters (issue 8):
- :func:`acknowledgement_letter`: to a complainant who wrote in, acknowledging receipt and
  giving the case number and the tracking code. Made only in the answer to the desk officer's
  request (the code is never kept), from what the officer posts.
- :func:`referral_reply`: to the body that referred a case (ศูนย์ดำรงธรรม, 1111, ป.ป.ช., another
  agency), a draft answering their reference with the case number and its status.
"""

import io
from dataclasses import dataclass
from datetime import date
from typing import Any

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm
from sqlalchemy import select
from sqlalchemy.orm import Session

from rongrian.admin.docx_thai import add_paragraph, add_run, set_up_a4
from rongrian.intake.models import Agency, Installation
from rongrian.web.thaidates import long_thai_date

#: Where ``วันที่`` and ``ขอแสดงความนับถือ`` start (the form puts them right of the centre).
RIGHT_BLOCK = Cm(8.0)
#: First-line indent of the body (2.5 cm in the official form).
BODY_INDENT = Cm(2.5)
#: Whom a referral reply is addressed to, by referring body (a draft: the officer may change it).
REFERRAL_ADDRESSEES = {
    "damrongdham": "หัวหน้าศูนย์ดำรงธรรม",
    "centre_1111": "ผู้อำนวยการศูนย์บริการประชาชน สำนักปลัดสำนักนายกรัฐมนตรี",
    "nacc": "เลขาธิการคณะกรรมการป้องกันและปราบปรามการทุจริตแห่งชาติ",
}


@dataclass(frozen=True)
class Letterhead:
    """The sending agency: name, address, telephone, web site and emblem (PNG/JPEG or None)."""

    agency_name: str
    address: str = ""
    hotline: str = ""
    website: str = ""
    emblem: bytes | None = None


def letterhead(session: Session) -> Letterhead:
    """The agency's letterhead from its profile (the installation's name when it has none)."""
    agency = session.scalars(select(Agency)).first()
    if agency is None:
        installation = session.scalars(select(Installation)).first()
        return Letterhead(installation.organisation_name if installation else "")
    return Letterhead(agency.name_th, agency.address, agency.hotline, agency.website,
                      agency.emblem)



def _head(document: Any, head: Letterhead, today: date) -> None:
    if head.emblem:
        picture = add_paragraph(document, align=WD_ALIGN_PARAGRAPH.CENTER)
        picture.add_run().add_picture(io.BytesIO(head.emblem), height=Cm(3.0))
    table = document.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    left, right = table.rows[0].cells
    left.paragraphs[0].paragraph_format.space_after = 0
    add_run(left.paragraphs[0], "ที่ ........../..........")
    add_run(right.paragraphs[0], head.agency_name)
    for line in head.address.splitlines() or []:
        add_run(right.add_paragraph(), line.strip())
    dated = add_paragraph(document, long_thai_date(today), before=6)
    dated.paragraph_format.left_indent = RIGHT_BLOCK


def _subject(document: Any, subject: str, addressee: str, reference: str = "") -> None:
    add_paragraph(document, "", before=0)
    paragraph = add_paragraph(document)
    add_run(paragraph, "เรื่อง", bold=True)
    add_run(paragraph, f"\u00a0\u00a0{subject}")
    paragraph = add_paragraph(document, before=6)
    add_run(paragraph, "เรียน", bold=True)
    add_run(paragraph, f"\u00a0\u00a0{addressee}")
    if reference:
        paragraph = add_paragraph(document, before=6)
        add_run(paragraph, "อ้างถึง", bold=True)
        add_run(paragraph, f"\u00a0\u00a0{reference}")


def _body(document: Any, paragraphs: list[str]) -> None:
    for text in paragraphs:
        paragraph = add_paragraph(document, text, before=6, align=WD_ALIGN_PARAGRAPH.THAI_JUSTIFY)
        paragraph.paragraph_format.first_line_indent = BODY_INDENT


def _close(document: Any, head: Letterhead) -> None:
    for text, before in (("ขอแสดงความนับถือ", 12), ("", 30),
                         ("(........................................)", 0),
                         ("ตำแหน่ง ........................................", 0)):
        paragraph = add_paragraph(document, text, before=before)
        paragraph.paragraph_format.left_indent = RIGHT_BLOCK
    add_paragraph(document, head.agency_name, before=36)
    if head.hotline:
        add_paragraph(document, f"โทร. {head.hotline}")
    if head.website:
        add_paragraph(document, head.website)


def _save(document: Any) -> bytes:
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def acknowledgement_letter(head: Letterhead, *, addressee: str, case_number: str, code: str,
                           received_on: date, track_url: str, today: date) -> bytes:
    """The letter acknowledging a written complaint, with its case number and tracking code
    (``XXXX-XXXX-XXXX-XXXX``), as DOCX bytes."""
    document = Document()
    set_up_a4(document, "แจ้งการรับเรื่องร้องเรียน")
    _head(document, head, today)
    _subject(document, "แจ้งการรับเรื่องร้องเรียน", addressee or "ผู้ร้องเรียน")
    _body(document, [
        f"ตามที่ท่านได้มีหนังสือร้องเรียนถึง{head.agency_name} นั้น {head.agency_name}ได้รับเรื่อง"
        f"ของท่านไว้แล้วเมื่อวันที่ {long_thai_date(received_on)} เลขที่เรื่อง {case_number} "
        "และได้ส่งให้หน่วยงานผู้รับผิดชอบดำเนินการแล้ว",
        f"ท่านสามารถติดตามความคืบหน้า อ่านคำตอบ และส่งข้อมูลเพิ่มเติมได้ที่ {track_url} "
        f"โดยใช้รหัสติดตามเรื่อง {code} กรุณาเก็บรหัสนี้ไว้เป็นความลับ ผู้ที่มีรหัสนี้จะอ่านเรื่อง"
        "ของท่านได้ และเจ้าหน้าที่ไม่สามารถค้นหาหรือออกรหัสใหม่ให้ท่านได้",
        "จึงเรียนมาเพื่อโปรดทราบ",
    ])
    _close(document, head)
    return _save(document)


def referral_reply(head: Letterhead, *, body: str, agency: str, reference: str,
                   case_number: str, received_on: date, status: str, today: date) -> bytes:
    """A draft reply to the body that referred a case (``body`` a referring-body code,
    ``agency`` its name when ``other_agency``), citing their ``reference``, as DOCX bytes."""
    sender = {"damrongdham": "ศูนย์ดำรงธรรม", "centre_1111": "ศูนย์บริการประชาชน 1111",
              "nacc": "สำนักงาน ป.ป.ช."}.get(body, agency or "หน่วยงาน")
    addressee = REFERRAL_ADDRESSEES.get(body, f"หัวหน้า{agency}" if agency else "")
    document = Document()
    set_up_a4(document, "การดำเนินการเรื่องร้องเรียนที่ส่งต่อ")
    _head(document, head, today)
    _subject(document, "การดำเนินการเรื่องร้องเรียนที่ส่งต่อ", addressee,
             f"หนังสือ{sender} ที่ {reference}")
    _body(document, [
        f"ตามที่{sender}ได้ส่งเรื่องร้องเรียนมายัง{head.agency_name} ตามหนังสือที่อ้างถึง นั้น "
        f"{head.agency_name}ได้รับเรื่องไว้แล้วเมื่อวันที่ {long_thai_date(received_on)} "
        f"เลขที่เรื่อง {case_number} ขณะนี้อยู่ในสถานะ “{status}” และจะแจ้งผลการดำเนินการให้"
        "ทราบต่อไป",
        "จึงเรียนมาเพื่อโปรดทราบ",
    ])
    _close(document, head)
    return _save(document)
