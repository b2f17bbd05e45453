"""Thai PDF set-up shared by the QR posters and the investigation file: fpdf2 with Sarabun
embedded (PyPI's ``fontpkg-sarabun``) and HarfBuzz text shaping (``uharfbuzz``), which places
Thai vowels and tone marks that a PDF writer without shaping breaks (floating or overlapping
marks), and line breaking at Thai word boundaries (PyThaiNLP).
"""

import re
from pathlib import Path

import fontpkg_sarabun
from fpdf import FPDF
from pythainlp.tokenize import word_tokenize

FONT_DIR = Path(fontpkg_sarabun.__file__).resolve().parent / "files"
FONT = "Sarabun"


def thai_pdf(width_mm: float, height_mm: float, *, margin_mm: float,
             auto_page_break: bool = False) -> FPDF:
    """A portrait fpdf2 document of ``width_mm`` × ``height_mm`` pages (no page added yet),
    margins ``margin_mm``, Sarabun regular (``""``) and bold (``"B"``) added as :data:`FONT`,
    Thai shaping on; pages break by themselves with ``auto_page_break``."""
    pdf = FPDF(orientation="P", unit="mm", format=(width_mm, height_mm))
    pdf.set_auto_page_break(auto=auto_page_break, margin=margin_mm)
    pdf.set_margins(margin_mm, margin_mm, margin_mm)
    pdf.add_font(FONT, "", str(FONT_DIR / "Sarabun-Regular.ttf"))
    pdf.add_font(FONT, "B", str(FONT_DIR / "Sarabun-Bold.ttf"))
    pdf.set_text_shaping(use_shaping_engine=True, script="thai", language="tha")
    return pdf


def wrapped(pdf: FPDF, text: str, width: float) -> str:
    """``text`` broken into lines no wider than ``width`` mm in ``pdf``'s current font, at
    word boundaries (call with the font set).

    Thai is written without spaces between words, and fpdf2 breaks lines only at spaces (else
    mid-word, splitting a vowel from its consonant): PyThaiNLP's dictionary word segmentation
    (``newmm``) gives the break opportunities. A word wider than a line is cut where it must.
    """
    lines: list[str] = []
    current = ""
    for word in _break_opportunities(pdf, text, width):
        if pdf.get_string_width(current + word) <= width:
            current += word
            continue
        if current.strip():
            lines.append(current.rstrip())
        current = word.lstrip()
        while pdf.get_string_width(current) > width:  # one word wider than a line
            cut = max(1, len(current) - 1)
            while cut > 1 and pdf.get_string_width(current[:cut]) > width:
                cut -= 1
            lines.append(current[:cut])
            current = current[cut:]
    if current.strip():
        lines.append(current.rstrip())
    return "\n".join(lines)


def _break_opportunities(pdf: FPDF, text: str, width: float) -> list[str]:
    """``text`` in pieces: phrases between spaces, and a phrase too wide for a line in its
    words (so a line breaks between phrases where it can)."""
    pieces: list[str] = []
    for phrase in re.split(r"(\s+)", text):
        if pdf.get_string_width(phrase) <= width:
            pieces.append(phrase)
        else:
            pieces.extend(word_tokenize(phrase, engine="newmm", keep_whitespace=True))
    return pieces
