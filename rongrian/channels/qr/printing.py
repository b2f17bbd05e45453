"""A registered poster made into files: the PDF poster, and its QR code alone as PNG or SVG.

Shared by ``rongrian qr poster`` and the staff page that makes the same poster. The agency's
name, emblem, hotline, office hours and LINE Official Account come from its profile
(:class:`rongrian.intake.models.Agency`), read through the session on every call.
"""

import enum
from io import BytesIO
from urllib.parse import urlencode

from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from rongrian.channels.qr.codes import modules, svg
from rongrian.channels.qr.poster import PosterContent, PosterSize, render_poster
from rongrian.intake.models import Agency, Installation, QrPoster

#: Pixels per QR module in the PNG (a 41-module code is then 41 × 12 = 492 px plus the border).
PNG_MODULE_PIXELS = 12


class OutputFormat(enum.StrEnum):
    """What ``rongrian qr poster`` writes, chosen by the output file's extension."""

    PDF = "pdf"
    PNG = "png"
    SVG = "svg"


def poster_link(base_url: str, poster: QrPoster) -> str:
    """``<base_url>/report?unit=<unit code>&channel=qr&place=<poster id>``."""
    query = urlencode({"unit": poster.unit.code, "channel": "qr", "place": poster.id})
    return f"{base_url.rstrip('/')}/report?{query}"


def poster_content(session: Session, poster: QrPoster, base_url: str, *, locale: str = "th"
                   ) -> PosterContent:
    """What ``poster`` says: its unit and place, the agency's profile, its link and its date.

    Falls back to the installation's organisation name when no agency profile is set.
    """
    agency = session.scalars(select(Agency)).first()
    if agency is not None:
        name, hotline, hours = agency.name_th, agency.hotline, agency.office_hours
        line_account, emblem = agency.line_official_account, agency.emblem
    else:
        installation = session.scalars(select(Installation)).first()
        name = installation.organisation_name if installation is not None else ""
        hotline = hours = line_account = ""
        emblem = None
    unit = poster.unit
    return PosterContent(
        agency_name=name, unit_name=unit.name_en if locale == "en" else unit.name_th,
        link=poster_link(base_url, poster), hotline=hotline, office_hours=hours,
        place=poster.place, line_account=line_account, emblem=emblem, made_on=poster.made_on)


def qr_png(data: str) -> bytes:
    """``data`` as a QR code in a PNG (black on white, :data:`PNG_MODULE_PIXELS` per module,
    error correction M, the standard's 4-module quiet zone)."""
    matrix = modules(data)
    side = len(matrix)
    picture = Image.new("L", (side, side), 255)
    picture.putdata([0 if dark else 255 for row in matrix for dark in row])
    picture = picture.resize((side * PNG_MODULE_PIXELS, side * PNG_MODULE_PIXELS),
                             Image.Resampling.NEAREST)
    out = BytesIO()
    picture.convert("1").save(out, format="PNG")
    return out.getvalue()


def qr_svg_document(data: str) -> bytes:
    """``data`` as a standalone SVG file (UTF-8, with its XML declaration)."""
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + svg(data) + "\n").encode()


def poster_file(session: Session, poster: QrPoster, base_url: str, fmt: OutputFormat) -> bytes:
    """The bytes of ``poster`` as ``fmt``: the whole poster (PDF, on the poster's paper size)
    or its QR code alone (PNG, SVG)."""
    content = poster_content(session, poster, base_url)
    if fmt is OutputFormat.PDF:
        return render_poster(content, PosterSize(poster.size))
    if fmt is OutputFormat.PNG:
        return qr_png(content.link)
    return qr_svg_document(content.link)
