"""Thai official Word documents with python-docx: Sarabun for every script, Thai as the
complex-script language, A4 with the official margins.

Thai official documents use the Sarabun family at 16 pt (ระเบียบสำนักนายกรัฐมนตรีว่าด้วยงานสารบรรณ
พ.ศ. 2526): every run names "TH Sarabun New" for Latin *and* complex-script (``w:cs``) text, with
"Sarabun" declared as its alternative name in the font table (a PC without TH Sarabun New then
finds Sarabun), and Thai as the complex-script language. Shared by the executive summary
(:mod:`rongrian.admin.report_docx`) and the intake desk's letters (:mod:`rongrian.admin.letters`).
"""

from typing import Any

from docx.opc.oxml import serialize_part_xml
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.parser import parse_xml
from docx.shared import Cm, Pt

FONT = "TH Sarabun New"
FALLBACK_FONT = "Sarabun"
BODY_SIZE = Pt(16)


def thai_fonts(rpr: Any) -> None:
    """Name the Sarabun font for every script of ``rpr`` (a ``w:rPr``) and mark Thai as its
    complex-script language; theme fonts are removed so they cannot win."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attribute in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
        fonts.attrib.pop(qn(f"w:{attribute}"), None)
    for attribute in ("ascii", "hAnsi", "eastAsia", "cs"):
        fonts.set(qn(f"w:{attribute}"), FONT)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "th-TH")
    lang.set(qn("w:bidi"), "th-TH")


def set_size(rpr: Any, size: Pt) -> None:
    """Set ``rpr``'s size for Latin and complex script (``w:sz``, ``w:szCs``)."""
    for tag in ("w:sz", "w:szCs"):
        element = rpr.find(qn(tag))
        if element is None:
            element = OxmlElement(tag)
            rpr.append(element)
        element.set(qn("w:val"), str(int(size.pt * 2)))


def declare_fallback_font(document: Any) -> None:
    """Add "TH Sarabun New" to the font table with "Sarabun" as its alternative name."""
    for rel in document.part.rels.values():
        if rel.reltype.endswith("/fontTable"):
            part = rel.target_part
            root = parse_xml(part.blob)
            font = OxmlElement("w:font", {qn("w:name"): FONT})
            for tag, value in (("w:altName", FALLBACK_FONT), ("w:charset", "DE"),  # DE: Thai
                               ("w:family", "swiss"), ("w:pitch", "variable")):
                font.append(OxmlElement(tag, {qn("w:val"): value}))
            root.append(font)
            # python-docx keeps parts it does not model as raw bytes; there is no setter.
            part._blob = serialize_part_xml(root)


def set_up_a4(document: Any, title: str) -> None:
    """A4 portrait with the official margins (top 2.5, bottom 2, left 3, right 2 cm), Sarabun
    16 pt everywhere, no author; ``title`` in the document's properties."""
    styles = document.styles
    defaults = styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    thai_fonts(defaults)
    set_size(defaults, BODY_SIZE)
    normal = styles["Normal"]
    thai_fonts(normal.element.get_or_add_rPr())
    set_size(normal.element.get_or_add_rPr(), BODY_SIZE)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.line_spacing = 1.0
    section = document.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)  # A4
    section.top_margin, section.bottom_margin = Cm(2.5), Cm(2.0)
    section.left_margin, section.right_margin = Cm(3.0), Cm(2.0)
    declare_fallback_font(document)
    document.core_properties.title = title
    document.core_properties.author = ""
    document.core_properties.comments = ""


def add_run(paragraph: Any, text: str, *, bold: bool = False, size: Pt | None = None) -> Any:
    """Add a Thai-ready run: Sarabun for Latin and complex script, bold for both (w:b, w:bCs)."""
    run = paragraph.add_run(text)
    rpr = run._element.get_or_add_rPr()  # python-docx exposes no public w:rPr accessor
    thai_fonts(rpr)
    if size is not None:
        set_size(rpr, size)
    if bold:
        run.bold = True
        rpr.append(OxmlElement("w:bCs"))
    return run


def add_paragraph(document: Any, text: str = "", *, bold: bool = False, size: Pt | None = None,
                  align: Any = None, before: float = 0, after: float = 0) -> Any:
    """A new paragraph of ``document`` holding ``text`` (one Thai-ready run); ``align`` a
    ``WD_ALIGN_PARAGRAPH`` value, ``before``/``after`` spacing in points."""
    paragraph = document.add_paragraph()
    if text:
        add_run(paragraph, text, bold=bold, size=size)
    if align is not None:
        paragraph.alignment = align
    paragraph.paragraph_format.space_before = Pt(before)
    paragraph.paragraph_format.space_after = Pt(after)
    return paragraph
