"""SQLAlchemy 2.0 models.

Only what routing and reports need is stored in clear (DESIGN.md, promise 1): category, unit,
channel, kind, status, dates at day resolution and the case number. Everything a citizen wrote,
their identity and their tracking code are stored only encrypted, hashed or sealed.
"""

import enum
import uuid
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    Uuid,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Kind(enum.StrEnum):
    """What the citizen is filing (DESIGN.md, domain words)."""

    COMPLAINT = "complaint"
    GRIEVANCE = "grievance"
    TIP = "tip"
    SUGGESTION = "suggestion"
    COMPLIMENT = "compliment"


class Channel(enum.StrEnum):
    """How the complaint reached the agency (ITA: many simple channels)."""

    WEB = "web"
    QR = "qr"
    LINE = "line"
    PHONE = "phone"
    LETTER = "letter"
    WALK_IN = "walk_in"
    SUGGESTION_BOX = "suggestion_box"


class Status(enum.StrEnum):
    """Case status; the Thai names are in DESIGN.md."""

    RECEIVED = "received"
    SCREENING = "screening"
    FORWARDED = "forwarded"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REJECTED = "rejected"


class Sensitivity(enum.StrEnum):
    """``whistleblower`` categories always route to the integrity officer's unit."""

    NORMAL = "normal"
    WHISTLEBLOWER = "whistleblower"


class Role(enum.StrEnum):
    """Staff roles. ``custodian`` is the integrity officer who alone may reveal identities."""

    STAFF = "staff"
    CUSTODIAN = "custodian"
    EXECUTIVE = "executive"
    ADMIN = "admin"


class EventKind(enum.StrEnum):
    """Entries of a case thread. ``reply`` and ``information`` are seen by the complainant."""

    STATUS = "status"
    REPLY = "reply"
    INFORMATION = "information"


class RingPurpose(enum.StrEnum):
    UNIT = "unit"
    CUSTODIAN = "custodian"


def _enum(cls: type[enum.StrEnum]) -> Enum:
    return Enum(cls, native_enum=False, length=24, values_callable=lambda e: [m.value for m in e])


class Installation(Base):
    """One row: the organisation's name and the recovery public key made at set-up."""

    __tablename__ = "installation"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_name: Mapped[str] = mapped_column(String(200))
    recovery_public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    created_on: Mapped[date] = mapped_column(Date)


class Unit(Base):
    """A responsible unit (หน่วยงานผู้รับผิดชอบ): organisation → agency → division."""

    __tablename__ = "unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_th: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    level: Mapped[str] = mapped_column(String(16), default="division")
    is_integrity: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Category(Base):
    """A complaint category (ประเภทเรื่อง) with its sensitivity, default unit and SLA in days."""

    __tablename__ = "category"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_th: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    sensitivity: Mapped[Sensitivity] = mapped_column(_enum(Sensitivity))
    default_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    sla_days: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    default_unit: Mapped[Unit] = relationship()


class StaffAccount(Base):
    """A staff login. The X25519 private key is stored only wrapped under the password."""

    __tablename__ = "staff_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(_enum(Role))
    password_hash: Mapped[str] = mapped_column(String(256))
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    wrapped_private_key: Mapped[bytes] = mapped_column(LargeBinary)
    kdf_params: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class UnitMembership(Base):
    __tablename__ = "unit_membership"

    account_id: Mapped[int] = mapped_column(ForeignKey("staff_account.id"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True)


class KeyRing(Base):
    """An X25519 key pair held by a group: a unit's members, or the identity custodians.

    The private key exists only sealed: to each member's account key (:class:`KeyGrant`) and to
    the offline recovery key (``recovery_sealed_private``).
    """

    __tablename__ = "key_ring"

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[RingPurpose] = mapped_column(_enum(RingPurpose))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    recovery_sealed_private: Mapped[bytes] = mapped_column(LargeBinary)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class KeyGrant(Base):
    """A key ring's private key sealed to one staff account's public key."""

    __tablename__ = "key_grant"

    ring_id: Mapped[int] = mapped_column(ForeignKey("key_ring.id"), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("staff_account.id"), primary_key=True)
    sealed_private: Mapped[bytes] = mapped_column(LargeBinary)


class CaseCounter(Base):
    """Last case number issued per fiscal year (พ.ศ.)."""

    __tablename__ = "case_counter"

    fiscal_year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class Complaint(Base):
    """A complaint (เรื่องร้องเรียน). Clear columns serve routing and reports only."""

    __tablename__ = "complaint"
    __table_args__ = (
        Index("ix_complaint_received_on", "received_on"),
        Index("ix_complaint_unit_status", "unit_id", "status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    case_number: Mapped[str] = mapped_column(String(16), unique=True)
    fiscal_year: Mapped[int] = mapped_column(Integer)
    tracking_digest: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    kind: Mapped[Kind] = mapped_column(_enum(Kind))
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    channel: Mapped[Channel] = mapped_column(_enum(Channel))
    status: Mapped[Status] = mapped_column(_enum(Status))
    received_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    updated_on: Mapped[date] = mapped_column(Date)
    finished_on: Mapped[date | None] = mapped_column(Date)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    tracking_wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    identity: Mapped[bytes] = mapped_column(LargeBinary)
    identity_key_custodian: Mapped[bytes] = mapped_column(LargeBinary)
    identity_key_recovery: Mapped[bytes] = mapped_column(LargeBinary)

    category: Mapped[Category] = relationship()
    unit: Mapped[Unit] = relationship()


class ComplaintKey(Base):
    """A complaint's data key sealed to a unit key ring."""

    __tablename__ = "complaint_key"

    complaint_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("complaint.id"), primary_key=True)
    ring_id: Mapped[int] = mapped_column(ForeignKey("key_ring.id"), primary_key=True)
    sealed_data_key: Mapped[bytes] = mapped_column(LargeBinary)


class CaseEvent(Base):
    """One entry of a case thread; ``body`` is encrypted under the complaint's data key."""

    __tablename__ = "case_event"
    __table_args__ = (Index("ix_case_event_complaint", "complaint_id", "seq"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    complaint_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("complaint.id"))
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[EventKind] = mapped_column(_enum(EventKind))
    status: Mapped[Status | None] = mapped_column(_enum(Status))
    occurred_on: Mapped[date] = mapped_column(Date)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff_account.id"))
    body: Mapped[bytes] = mapped_column(LargeBinary)


class StaffSession(Base):
    """A logged-in staff session. ``sealed_account_key`` opens only with the cookie's key."""

    __tablename__ = "staff_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("staff_account.id"))
    sealed_account_key: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


# --- audit log, identity reveal, re-routing (issue 3; migration 0002) ---

# --- attachments (issue 3; migration 0003) ---

# --- key lifecycle (issue 3; migration 0004) ---

# --- LINE channel (issue 4; migration 0005) ---


__all__ = [
    "Base",
    "CaseCounter",
    "CaseEvent",
    "Category",
    "Channel",
    "Complaint",
    "ComplaintKey",
    "EventKind",
    "Installation",
    "Kind",
    "KeyGrant",
    "KeyRing",
    "RingPurpose",
    "Role",
    "Sensitivity",
    "StaffAccount",
    "StaffSession",
    "Status",
    "Unit",
    "UnitMembership",
]
