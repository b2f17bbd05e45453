"""QR posters (จุดติดตั้งคิวอาร์โค้ด): registered when made, counted in the summaries.

ITA asks agencies to offer "a QR code at the agency's premises" as a complaint channel; an agency
hangs several and wants to know which one works. Each poster gets a short opaque id that its link
carries as ``place=``; a complaint filed through the link records the poster (clear, like the
channel: where a poster hangs is not secret). An id that names no registered poster is ignored:
forged or mistyped ids never reach the reports.
"""

import secrets
import unicodedata
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from rongrian.intake.errors import IntakeError
from rongrian.intake.models import QrPoster, StaffAccount, Unit

#: Symbols of a poster id (Crockford's base32, lower case for a calmer URL).
ID_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
#: Length of a poster id: 8 symbols, 40 bits (guessing one only adds a count to a report).
ID_LENGTH = 8
#: Longest place text printed on a poster, in characters (issue 8).
MAX_PLACE_CHARS = 80
#: Paper sizes a poster is printed on (ISO 216).
SIZES = ("A4", "A5", "A6")


class PosterError(IntakeError):
    """A poster cannot be made as asked; nothing was stored."""


class UnknownPosterUnit(PosterError):
    """No unit has this code."""


class InactivePosterUnit(PosterError):
    """The unit is deactivated: it takes no new complaints, so no poster may point at it."""


class InvalidPlace(PosterError):
    """The place text is longer than :data:`MAX_PLACE_CHARS` or holds control characters."""


class InvalidPosterSize(PosterError):
    """The paper size is not one of :data:`SIZES`."""


def new_poster_id() -> str:
    """A fresh random poster id (:data:`ID_LENGTH` symbols of :data:`ID_ALPHABET`)."""
    return "".join(secrets.choice(ID_ALPHABET) for _ in range(ID_LENGTH))


def clean_place(text: str) -> str:
    """``text`` with its outer spaces removed; raises :class:`InvalidPlace` when it is longer
    than :data:`MAX_PLACE_CHARS` or holds a control character (Unicode category ``C*`` other
    than the zero-width joiners Thai text never needs either)."""
    place = text.strip()
    if len(place) > MAX_PLACE_CHARS:
        raise InvalidPlace("too_long")
    if any(unicodedata.category(ch).startswith("C") for ch in place):
        raise InvalidPlace("control")
    return place


def register_poster(session: Session, *, unit_code: str, place: str, size: str, today: date,
                    made_by: StaffAccount | None = None) -> QrPoster:
    """Register a poster of unit ``unit_code`` hung at ``place`` on ``size`` paper.

    Adds the row to ``session`` (the caller commits). Raises :class:`UnknownPosterUnit`,
    :class:`InactivePosterUnit`, :class:`InvalidPlace` or :class:`InvalidPosterSize`, having
    added nothing.
    """
    unit = session.scalars(select(Unit).where(Unit.code == unit_code.strip().upper())).first()
    if unit is None:
        raise UnknownPosterUnit(unit_code)
    if not unit.active:
        raise InactivePosterUnit(unit_code)
    if size.upper() not in SIZES:
        raise InvalidPosterSize(size)
    poster = QrPoster(id=new_poster_id(), unit_id=unit.id, unit=unit, place=clean_place(place),
                      size=size.upper(), made_on=today,
                      made_by_id=made_by.id if made_by is not None else None)
    session.add(poster)
    session.flush()
    return poster


def find_poster(session: Session, poster_id: str | None) -> QrPoster | None:
    """The registered poster ``poster_id`` names, or ``None`` for anything else (missing,
    malformed, forged, or a poster whose unit has been deactivated)."""
    if not poster_id:
        return None
    candidate = poster_id.strip().lower()
    if len(candidate) != ID_LENGTH or any(ch not in ID_ALPHABET for ch in candidate):
        return None
    poster = session.get(QrPoster, candidate)
    if poster is None or not poster.unit.active:
        return None
    return poster


def poster_of(session: Session, channel: str, place: str) -> str | None:
    """The id to record on a complaint filed on ``channel`` with the link's ``place``: the
    poster's id for the ``qr`` channel when :func:`find_poster` knows it, else ``None``."""
    if channel != "qr":
        return None
    poster = find_poster(session, place)
    return poster.id if poster is not None else None


def posters_of(session: Session, unit_ids: list[int] | None = None) -> list[QrPoster]:
    """Registered posters, newest first; only those of ``unit_ids`` when given."""
    query = select(QrPoster).order_by(QrPoster.made_on.desc(), QrPoster.id)
    if unit_ids is not None:
        query = query.where(QrPoster.unit_id.in_(unit_ids))
    return list(session.scalars(query))
