"""The agency's profile (issue 7; migration 0008), its days off, reply templates and ratings
(issue 9 §2-3; migration 0013)."""

import uuid
from datetime import date, datetime

from sqlalchemy import (
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from rongrian.intake.models.core import (
    Base,
)

# --- agency profile (issue 7; migration 0008) ---


class Agency(Base):
    """The agency's public profile, shown to citizens on every public page (issue 7 §1).

    One row per installation today (``id`` 1); read per request through the session, never
    kept in a module global, so one deployment can later host several agencies. ``emblem``
    holds the image re-encoded by Pillow (PNG, at most :data:`rongrian.admin.emblem.MAX_SIDE`
    pixels a side); ``emblem_digest`` (SHA-256 hex of it) versions its address for caches.
    Empty strings mean "not given".
    """

    __tablename__ = "agency"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name_th: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str] = mapped_column(String(100), default="")
    address: Mapped[str] = mapped_column(String(500), default="")
    hotline: Mapped[str] = mapped_column(String(64), default="")
    office_hours: Mapped[str] = mapped_column(String(200), default="")
    website: Mapped[str] = mapped_column(String(200), default="")
    line_official_account: Mapped[str] = mapped_column(String(64), default="")
    emblem: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    emblem_digest: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


# --- service clock, reply templates, ratings (issue 9 §2-3; migration 0013) ---


class DayOff(Base):
    """An agency day off on top of the Thai public holidays (e.g. a substitution holiday the
    Cabinet announced): not a working day for the service clock."""

    __tablename__ = "day_off"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))


class ReplyTemplate(Base):
    """A unit's stock message to the complainant, chosen to fill the closing message. Written by
    staff for any case, so kept in clear (it must never hold a complainant's data)."""

    __tablename__ = "reply_template"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    title: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)


class Rating(Base):
    """The complainant's rating of a finished case (1–5, the EIT satisfaction figure); the
    comment is encrypted under the complaint's data key like a thread entry. One per case: a
    later rating replaces it."""

    __tablename__ = "rating"

    complaint_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("complaint.id"), primary_key=True)
    score: Mapped[int] = mapped_column(Integer)
    rated_on: Mapped[date] = mapped_column(Date)
    comment: Mapped[bytes] = mapped_column(LargeBinary)
    key_generation: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


# --- what the public pages read on every request, versioned (issue 11; migrations 0022-23) ---


class ReferenceVersion(Base):
    """A token that changes whenever the agency, a unit, a category, a day off (migration 0022),
    a key ring or the installation (0023) changes: one row (``id`` 1), written only by the
    database's own triggers on those six tables, so no writer can forget it.
    :class:`rongrian.intake.reference.ReferenceCache` keeps what it last read of those tables and
    reads them again only when the token differs."""

    __tablename__ = "reference_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    token: Mapped[str] = mapped_column(String(64))
