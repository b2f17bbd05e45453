"""The core tables (SQLAlchemy 2.0): the organisation, staff, key rings, complaints, their keys
and thread, and the enumerations every area uses.

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
    text,
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
    #: Referred by ศูนย์ดำรงธรรม, the 1111 centre, the NACC or another agency (issue 8): the
    #: referring body and its reference number are kept with the complaint.
    REFERRAL = "referral"


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
    #: The completion due day moved (issue 9 §2; :mod:`rongrian.intake.service_clock`).
    EXTENSION = "extension"
    #: The complainant said a finished case is not fixed (issue 9 §3): it reopens.
    REOPEN = "reopen"


class RingPurpose(enum.StrEnum):
    UNIT = "unit"
    CUSTODIAN = "custodian"


def enum_type(cls: type[enum.StrEnum]) -> Enum:
    """A column type storing ``cls``'s values as strings of up to 24 characters (no native
    database enum, so a new value needs no ``ALTER TYPE``)."""
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
    sensitivity: Mapped[Sensitivity] = mapped_column(enum_type(Sensitivity))
    default_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    sla_days: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: The kind of matter the category usually is (organisation file, issue 7; migration 0008).
    kind: Mapped[Kind] = mapped_column(enum_type(Kind), default=Kind.COMPLAINT,
                                       server_default=Kind.COMPLAINT.value)
    #: Words that suggest this category in a citizen's text, one a line (issue 12; migration
    #: 0016; :mod:`rongrian.intake.suggest`). Editable by the agency.
    keywords: Mapped[str] = mapped_column(Text, default="", server_default=text("''"))
    #: Resolving needs an "after" photo (roads, lights, drains…; issue 9 §3, migration 0013).
    needs_evidence: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    #: Working days to the first answer to the complainant (issue 9 §2, migration 0013).
    acknowledge_days: Mapped[int] = mapped_column(Integer, default=3, server_default="3")

    #: Years a finished case is kept after closing before its content is purged (issue 9 §5,
    #: migration 0014; :mod:`rongrian.intake.retention`).
    retention_years: Mapped[int] = mapped_column(Integer, default=5, server_default="5")

    default_unit: Mapped[Unit] = relationship()


class StaffAccount(Base):
    """A staff login. The X25519 private key is stored only wrapped under the password."""

    __tablename__ = "staff_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(enum_type(Role))
    password_hash: Mapped[str] = mapped_column(String(256))
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    wrapped_private_key: Mapped[bytes] = mapped_column(LargeBinary)
    kdf_params: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Failed log-ins in a row, and until when the account is locked (issue 13 M3; migration
    #: 0006; :mod:`rongrian.admin.lockout`).
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: When, by whom (actor name) and why (``new``/``reset``) the current account key was made by
    #: an administrator or the command line; shown to colleagues asked to grant it (issue 13 L8).
    key_issued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    key_issued_by: Mapped[str | None] = mapped_column(String(64))
    key_issue_reason: Mapped[str | None] = mapped_column(String(16))
    #: May take down complaints that arrive by telephone, letter, in person, in a suggestion box
    #: or by referral (เจ้าหน้าที่รับเรื่อง; issue 8, migration 0012). Grants no access to them.
    intake_desk: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    #: Where the daily digest goes (issue 9 §2; migration 0020; :mod:`rongrian.intake.digest`):
    #: a work address an administrator sets, ``None`` for none. ``email_digest`` off: no digest
    #: even with an address (the member opted out, e.g. on leave).
    email: Mapped[str | None] = mapped_column(String(254))
    email_digest: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")


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
    purpose: Mapped[RingPurpose] = mapped_column(enum_type(RingPurpose))
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
        # The period reports count a year from this index alone on PostgreSQL (issue 10 §5;
        # migration 0021).
        Index("ix_complaint_received_on", "received_on",
              postgresql_include=["category_id", "unit_id", "channel", "status", "kind",
                                  "due_on", "finished_on", "acknowledged_on", "reopen_count",
                                  "duplicate_of_id", "poster_id", "box_opening_id",
                                  "case_number"]),
        Index("ix_complaint_unit_status", "unit_id", "status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    case_number: Mapped[str] = mapped_column(String(16), unique=True)
    fiscal_year: Mapped[int] = mapped_column(Integer)
    tracking_digest: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    kind: Mapped[Kind] = mapped_column(enum_type(Kind))
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    channel: Mapped[Channel] = mapped_column(enum_type(Channel))
    #: The QR poster it was filed through (clear, like the channel: it is not secret; issue 8,
    #: migration 0011), or ``None``.
    poster_id: Mapped[str | None] = mapped_column(ForeignKey("qr_poster.id"))
    #: A referral's referring body (``damrongdham``, ``centre_1111``, ``nacc``,
    #: ``other_agency``), its reference number and, for another agency, its name: clear, as
    #: ITA and ศูนย์ดำรงธรรม ask what came from where (issue 8, migration 0012).
    referral_body: Mapped[str | None] = mapped_column(String(24))
    referral_reference: Mapped[str | None] = mapped_column(String(64))
    referral_agency: Mapped[str | None] = mapped_column(String(200))
    #: The suggestion-box opening it was found in (issue 8, migration 0012), or ``None``.
    box_opening_id: Mapped[int | None] = mapped_column(ForeignKey("box_opening.id"))
    status: Mapped[Status] = mapped_column(enum_type(Status))
    received_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    updated_on: Mapped[date] = mapped_column(Date)
    finished_on: Mapped[date | None] = mapped_column(Date)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    tracking_wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    identity: Mapped[bytes] = mapped_column(LargeBinary)
    identity_key_custodian: Mapped[bytes] = mapped_column(LargeBinary)
    identity_key_recovery: Mapped[bytes] = mapped_column(LargeBinary)
    #: Data-key generation that new entries use (1 until a move or rotation replaces the key;
    #: :mod:`rongrian.intake.datakeys`). Issue 13, migration 0007.
    key_generation: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    #: The complainant's X25519 key pair of this complaint: public key in clear, private key
    #: wrapped under the tracking-code-derived key, and the current data key sealed to it.
    #: ``None`` on complaints filed before migration 0007 until the code is next used to write.
    complainant_public_key: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    complainant_wrapped_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    complainant_sealed_data_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    #: Service clock and assignment (issue 9 §2-3, migration 0013;
    #: :mod:`rongrian.intake.service_clock`, :mod:`rongrian.intake.assignment`): the officer
    #: responsible, the acknowledgement due day and the day it was met (first reply), how many
    #: times the complainant reopened the case and the day of the last reopen (a queue marker,
    #: cleared when the case finishes again).
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("staff_account.id"))
    acknowledge_due_on: Mapped[date | None] = mapped_column(Date)
    acknowledged_on: Mapped[date | None] = mapped_column(Date)
    reopen_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    reopened_on: Mapped[date | None] = mapped_column(Date)

    #: Retention (issue 9 §5, migration 0014; :mod:`rongrian.intake.retention`): a finished
    #: whistleblower case is kept until its unit releases it; ``purged_on`` is the day its
    #: content, identity and keys were deleted (the clear columns stay for the reports).
    retention_released: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    purged_on: Mapped[date | None] = mapped_column(Date)
    #: The original case this one duplicates (issue 9 §1, migration 0018;
    #: :mod:`rongrian.intake.duplicates`), and the status it had before it was joined (restored
    #: when the link is undone). A duplicate is closed and left out of every report's counts.
    duplicate_of_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("complaint.id"),
                                                              index=True)
    duplicate_prior_status: Mapped[Status | None] = mapped_column(enum_type(Status), nullable=True)

    category: Mapped[Category] = relationship()
    unit: Mapped[Unit] = relationship()
    duplicate_of: Mapped["Complaint | None"] = relationship(
        remote_side=[id], foreign_keys=[duplicate_of_id])


class ComplaintKey(Base):
    """A complaint's data key sealed to a unit key ring."""

    __tablename__ = "complaint_key"

    complaint_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("complaint.id"), primary_key=True)
    ring_id: Mapped[int] = mapped_column(ForeignKey("key_ring.id"), primary_key=True)
    sealed_data_key: Mapped[bytes] = mapped_column(LargeBinary)
    #: Which generation of the data key is sealed here (the complaint's current one).
    generation: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


class DataKeyLink(Base):
    """Generation ``generation`` (≥ 2) of a complaint's data key carries the one before it:
    ``wrapped_previous`` is key ``generation - 1`` encrypted under key ``generation``
    (:mod:`rongrian.crypto.epochs`; issue 13, migration 0007)."""

    __tablename__ = "data_key_link"

    complaint_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("complaint.id"), primary_key=True)
    generation: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    wrapped_previous: Mapped[bytes] = mapped_column(LargeBinary)


class CaseEvent(Base):
    """One entry of a case thread; ``body`` is encrypted under the complaint's data key."""

    __tablename__ = "case_event"
    __table_args__ = (Index("ix_case_event_complaint", "complaint_id", "seq"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    complaint_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("complaint.id"))
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[EventKind] = mapped_column(enum_type(EventKind))
    status: Mapped[Status | None] = mapped_column(enum_type(Status))
    occurred_on: Mapped[date] = mapped_column(Date)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff_account.id"))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    key_generation: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


class StaffSession(Base):
    """A logged-in staff session. ``sealed_account_key`` opens only with the cookie's key."""

    __tablename__ = "staff_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("staff_account.id"))
    sealed_account_key: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: Last request served (idle timeout, issue 13 L3; migration 0006); ``None``: ``created_at``.
    last_seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: The password was right but the second factor is still to be typed (issue 9 §5,
    #: migration 0014): the session opens no page but the code page.
    second_factor_pending: Mapped[bool] = mapped_column(Boolean, default=False,
                                                        server_default="0")
