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
    #: The kind of matter the category usually is (organisation file, issue 7; migration 0008).
    kind: Mapped[Kind] = mapped_column(_enum(Kind), default=Kind.COMPLAINT,
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
    role: Mapped[Role] = mapped_column(_enum(Role))
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
    kind: Mapped[Kind] = mapped_column(_enum(Kind))
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    channel: Mapped[Channel] = mapped_column(_enum(Channel))
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
    duplicate_prior_status: Mapped[Status | None] = mapped_column(_enum(Status), nullable=True)

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
    kind: Mapped[EventKind] = mapped_column(_enum(EventKind))
    status: Mapped[Status | None] = mapped_column(_enum(Status))
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


# --- audit log, identity reveal, re-routing (issue 3; migration 0002) ---


class AuditAction(enum.StrEnum):
    """What a staff member (or the command line) did; stored as text in ``AuditEntry.action``.

    Adding a member needs no migration (the column is plain text of at most 32 characters).
    """

    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGOUT = "logout"
    CASE_OPENED = "case_opened"
    STATUS_CHANGED = "status_changed"
    REPLY_SENT = "reply_sent"
    CASE_REROUTED = "case_rerouted"
    CASE_ESCALATED = "case_escalated"
    IDENTITY_REVEALED = "identity_revealed"
    SUMMARY_VIEWED = "summary_viewed"
    SUMMARY_EXPORTED = "summary_exported"
    KEY_GRANTED = "key_granted"
    KEY_REVOKED = "key_revoked"
    KEY_ROTATED = "key_rotated"
    PASSWORD_CHANGED = "password_changed"  # noqa: S105 - an action name, not a password
    PASSWORD_ISSUED = "password_issued"  # noqa: S105
    RECOVERY_KEY_USED = "recovery_key_used"
    ATTACHMENT_DOWNLOADED = "attachment_downloaded"
    POSTER_MADE = "poster_made"  # a QR poster registered (issue 8)
    DESK_INTAKE = "desk_intake"  # a complaint taken down at the intake desk (issue 8)
    DESK_ROLE_CHANGED = "desk_role_changed"  # the intake-desk role given or taken away
    BOX_OPENED = "box_opened"  # a suggestion box's contents entered (issue 8)
    # period reports (issue 10)
    REPORT_ANALYSIS_WRITTEN = "report_analysis_written"
    REPORT_ACKNOWLEDGED = "report_acknowledged"
    # casework (issue 9 §2-3)
    CASE_ASSIGNED = "case_assigned"
    DUE_EXTENDED = "due_extended"
    CASE_REOPENED = "case_reopened"
    CASE_RATED = "case_rated"
    DAY_OFF_ADDED = "day_off_added"
    DAY_OFF_REMOVED = "day_off_removed"
    REPLY_TEMPLATE_SAVED = "reply_template_saved"
    REPLY_TEMPLATE_DELETED = "reply_template_deleted"
    # staff account hardening (issue 13 M3, L1)
    ACCOUNT_LOCKED = "account_locked"
    ACCOUNT_UNLOCKED = "account_unlocked"
    PASSWORD_CHANGE_FAILED = "password_change_failed"  # noqa: S105 - an action name
    # organisation set-up and its admin pages (issue 7 §1)
    ORGANISATION_SET_UP = "organisation_set_up"
    AGENCY_CHANGED = "agency_changed"
    UNIT_ADDED = "unit_added"
    UNIT_CHANGED = "unit_changed"
    UNIT_DELETED = "unit_deleted"
    CATEGORY_ADDED = "category_added"
    CATEGORY_CHANGED = "category_changed"
    CATEGORY_DELETED = "category_deleted"
    # backups and housekeeping (issue 7 §3; rongrian.admin.backup_cli)
    BACKUP_MADE = "backup_made"
    BACKUP_RESTORED = "backup_restored"
    MAINTENANCE_PURGED = "maintenance_purged"
    # second factor, retention, investigation file (issue 9 §5)
    SECOND_FACTOR_ENROLLED = "second_factor_enrolled"
    SECOND_FACTOR_RESET = "second_factor_reset"
    RECOVERY_CODE_USED = "recovery_code_used"
    CASES_PURGED = "cases_purged"
    RETENTION_RELEASED = "retention_released"
    CASE_FILE_EXPORTED = "case_file_exported"
    # e-mail (issue 9 §2, issue 10 §4): an account's address set, a report e-mailed
    STAFF_EMAIL_CHANGED = "staff_email_changed"
    REPORT_SENT = "report_sent"
    # labels of a unit and the working queue (issue 9 §1; rongrian.intake.labels)
    LABEL_CREATED = "label_created"
    LABEL_RENAMED = "label_renamed"
    LABEL_DELETED = "label_deleted"
    CASE_LABELS_CHANGED = "case_labels_changed"
    # duplicates and content search (issue 9 §1; rongrian.intake.duplicates, content_search)
    CASE_MARKED_DUPLICATE = "case_marked_duplicate"
    CASE_DUPLICATE_UNDONE = "case_duplicate_undone"
    CASES_CONTENT_SEARCHED = "cases_content_searched"


class AuditEntry(Base):
    """One append-only entry of the audit log, hash-chained to the one before
    (:mod:`rongrian.crypto.audit`; DESIGN.md promise 7).

    Holds who did what to which case, when: never complaint text, identity, tracking codes or a
    citizen's address. ``detail`` is canonical JSON of a few clear facts (statuses, unit codes,
    a reporting period). A reveal's staff-written reason is kept only sealed, to the identity
    custodian ring (``reason_custodian``) and to the recovery key (``reason_recovery``).
    """

    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_complaint", "complaint_id", "seq"),)

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    action: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_name: Mapped[str] = mapped_column(String(64))
    complaint_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    case_number: Mapped[str | None] = mapped_column(String(16))
    unit_id: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str] = mapped_column(Text)
    reason_custodian: Mapped[bytes | None] = mapped_column(LargeBinary)
    reason_recovery: Mapped[bytes | None] = mapped_column(LargeBinary)
    previous_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    entry_hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class AuditHead(Base):
    """The head of the audit chain: one row (``id`` 1) that every append updates first, so the
    row lock serialises appenders and two workers never fork the chain."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer)
    entry_hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class CaseTransfer(Base):
    """A re-routing or escalation of a complaint from one unit to another (``seq`` 1, 2, … per
    complaint).

    ``reason`` is encrypted under the complaint's data key (the receiving unit reads it);
    ``actor_id`` is ``None`` when the recovery key did it.
    """

    __tablename__ = "case_transfer"
    __table_args__ = (Index("ix_case_transfer_complaint", "complaint_id", "seq"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    complaint_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("complaint.id"))
    seq: Mapped[int] = mapped_column(Integer)
    from_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    to_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    escalation: Mapped[bool] = mapped_column(Boolean)
    occurred_on: Mapped[date] = mapped_column(Date)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff_account.id"))
    reason: Mapped[bytes] = mapped_column(LargeBinary)
    key_generation: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


# --- attachments (issue 3; migration 0003) ---

class Attachment(Base):
    """A file a complainant sent, cleaned of metadata and stored encrypted on disk.

    The file lives in the attachments folder under ``storage_name`` (random, 32 hex digits),
    encrypted with :mod:`rongrian.crypto.stream` under its own random key; ``wrapped_key`` is that
    key encrypted under the complaint's data key. ``details`` (encrypted under the data key too)
    holds the media type, the generic name and the size: nothing about the file is in clear
    but its existence, its order and the day it was added. ``event_id`` names the
    ``information`` entry it came with; ``None`` when it came with the complaint itself.
    """

    __tablename__ = "attachment"
    __table_args__ = (
        Index("ix_attachment_complaint", "complaint_id", "position", unique=True),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    complaint_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("complaint.id"))
    event_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("case_event.id"))
    position: Mapped[int] = mapped_column(Integer)
    storage_name: Mapped[str] = mapped_column(String(64), unique=True)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    details: Mapped[bytes] = mapped_column(LargeBinary)
    added_on: Mapped[date] = mapped_column(Date)
    key_generation: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


# --- key lifecycle (issue 3; migration 0004) ---


class IssueReason(enum.StrEnum):
    """Why an administrator issued a password: a new account, or a reset (new key pair)."""

    NEW = "new"
    RESET = "reset"


class IssuedPassword(Base):
    """A one-time password an administrator issued, which its holder must replace.

    While the row exists the account can only change its password, and no colleague can grant it
    a key yet (helper notes ``keys.md``). Deleted when the holder chooses their own password.
    """

    __tablename__ = "issued_password"

    account_id: Mapped[int] = mapped_column(ForeignKey("staff_account.id"), primary_key=True)
    reason: Mapped[IssueReason] = mapped_column(_enum(IssueReason))
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: First log-in with it (it works once, issue 13 L2; migration 0006).
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RotationReason(enum.StrEnum):
    """``rotate``: a member's or the recovery key opened the old ring; ``recover``: the recovery
    key, granting every member of the unit."""

    ROTATE = "rotate"
    RECOVER = "recover"


class KeyRotation(Base):
    """A unit key rotation: new ring made, data keys re-sealed in batches, old ring retired.

    ``done`` of ``total`` data keys were re-sealed; ``finished_at`` is set when the old ring's
    grants are gone. An unfinished row is resumed by the next ``rongrian keys rotate-unit``.
    """

    __tablename__ = "key_rotation"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    old_ring_id: Mapped[int] = mapped_column(ForeignKey("key_ring.id"))
    new_ring_id: Mapped[int] = mapped_column(ForeignKey("key_ring.id"))
    reason: Mapped[RotationReason] = mapped_column(_enum(RotationReason))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    total: Mapped[int] = mapped_column(Integer)
    done: Mapped[int] = mapped_column(Integer)


#: Rotation finds the data keys sealed to one ring without scanning every complaint key.
Index("ix_complaint_key_ring", ComplaintKey.ring_id)

# --- LINE channel (issue 4; migration 0005) ---


class LineConversation(Base):
    """A LINE chat in progress (a draft, a question awaiting its answer, an undelivered receipt).

    Keyed by ``HMAC-SHA256(pepper, LINE user id)``; ``state`` is JSON encrypted with AES-256-GCM
    under a key derived from the pepper and the user id (:mod:`rongrian.crypto.line_ids`), so
    neither a copy of the database nor the server without the user id reads it. ``expires_at``
    (rounded up to the hour) is 24 hours after the last message; the row goes on submit, cancel
    or expiry. ``version`` guards against two events of one user overwriting each other.
    """

    __tablename__ = "line_conversation"
    __table_args__ = (Index("ix_line_conversation_expires_at", "expires_at"),)

    user_digest: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    state: Mapped[bytes] = mapped_column(LargeBinary)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}


class LineDraftPhoto(Base):
    """A photo of a LINE draft: cleaned of metadata, encrypted under the draft key."""

    __tablename__ = "line_draft_photo"
    __table_args__ = (Index("ix_line_draft_photo_user_digest", "user_digest", "position"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    user_digest: Mapped[bytes] = mapped_column(
        ForeignKey("line_conversation.user_digest", ondelete="CASCADE")
    )
    position: Mapped[int] = mapped_column(Integer)
    blob: Mapped[bytes] = mapped_column(LargeBinary)


class LineSeenEvent(Base):
    """A webhook event already handled: ``HMAC-SHA256(pepper, webhookEventId)`` and the day.

    LINE may deliver an event again (``deliveryContext.isRedelivery``); rows older than a few
    days are purged.
    """

    __tablename__ = "line_seen_event"
    __table_args__ = (Index("ix_line_seen_event_seen_on", "seen_on"),)

    event_digest: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    seen_on: Mapped[date] = mapped_column(Date)


class SpentSubmissionToken(Base):
    """A one-time form token already used to file or add (issue 7 §4; migration 0009).

    Only ``SHA-256(token)`` and the hour the token expires are kept: nothing names what it
    filed, so a row cannot be linked to a complaint. Rows are purged once expired
    (:func:`rongrian.intake.submission_tokens.purge_spent`); an expired token is refused anyway.
    """

    __tablename__ = "spent_submission_token"
    __table_args__ = (Index("ix_spent_submission_token_expires_at", "expires_at"),)

    digest: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class NotificationSubscription(Base):
    """A complainant's wish to be told when their complaint moves, by ``channel``.

    ``recipient`` (for LINE: the user id and language) is encrypted under the complaint's data
    key, so only whoever opens the complaint (its unit's staff, or the tracking-code holder)
    can read it; the push goes out while a staff member acts on the case.
    """

    __tablename__ = "notification_subscription"

    complaint_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("complaint.id"), primary_key=True)
    channel: Mapped[Channel] = mapped_column(_enum(Channel), primary_key=True)
    recipient: Mapped[bytes] = mapped_column(LargeBinary)
    key_generation: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


class NotifierKey(Base):
    """The notifier's X25519 public key (issue 9 §4, migration 0019): e-mail addresses for
    notices are sealed to it. Its private key is a file only ``rongrian notify send`` reads
    (:mod:`rongrian.intake.notices`); one row, ``id`` 1."""

    __tablename__ = "notifier_key"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    created_on: Mapped[date] = mapped_column(Date)


class EmailNotice(Base):
    """A complainant's e-mail address for "something changed, use your code" notices (issue 9
    §4, migration 0019; :mod:`rongrian.intake.notices`).

    ``sealed_address`` is sealed to the notifier key (fixed size: no length leak), so staff and
    the web app cannot open it. ``queued_on`` (day) is set when a change waits to be announced
    (several changes make one notice); ``final`` says the case finished, so the row is deleted
    once that last notice is sent.
    """

    __tablename__ = "email_notice"

    complaint_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("complaint.id"), primary_key=True)
    sealed_address: Mapped[bytes] = mapped_column(LargeBinary)
    queued_on: Mapped[date | None] = mapped_column(Date)
    final: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")


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



# --- QR posters (issue 8; migration 0011) ---


class QrPoster(Base):
    """A printed QR poster (จุดติดตั้งคิวอาร์โค้ด), registered when it is made.

    ``id`` is the short opaque id its link carries as ``place=`` (not a secret: it names a place,
    like the channel); ``place`` the text printed on it (at most 80 characters); ``size`` the
    paper (``A4``, ``A5``, ``A6``).
    """

    __tablename__ = "qr_poster"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    place: Mapped[str] = mapped_column(String(80), default="")
    size: Mapped[str] = mapped_column(String(2))
    made_on: Mapped[date] = mapped_column(Date)
    made_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_account.id"))

    unit: Mapped[Unit] = relationship()



class SuggestionBox(Base):
    """A suggestion box (ตู้รับฟังความคิดเห็น), known by the place it stands (issue 8)."""

    __tablename__ = "suggestion_box"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    place: Mapped[str] = mapped_column(String(80), unique=True)


class BoxOpening(Base):
    """One opening of a suggestion box: when, by whom, how many items it held and how many of
    them were no complaint ("no action"); the complaints found refer to it."""

    __tablename__ = "box_opening"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    box_id: Mapped[int] = mapped_column(ForeignKey("suggestion_box.id"))
    opened_on: Mapped[date] = mapped_column(Date)
    items: Mapped[int] = mapped_column(Integer)
    no_action: Mapped[int] = mapped_column(Integer)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("staff_account.id"))

    box: Mapped[SuggestionBox] = relationship()


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


# --- period reports: analysis and acknowledgement (issue 10; migration 0015) ---


class PeriodReport(Base):
    """One period report (``period`` label such as ``2569-H1``, ``kind`` ``general`` or
    ``corruption``): the integrity officer's analysis and proposed improvements (clear text,
    never about a person) and an executive's acknowledgement, which permits publication
    (:mod:`rongrian.intake.publication`)."""

    __tablename__ = "period_report"

    period: Mapped[str] = mapped_column(String(16), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    analysis: Mapped[str] = mapped_column(Text, default="")
    analysis_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_account.id"))
    analysis_on: Mapped[date | None] = mapped_column(Date)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_account.id"))
    acknowledged_name: Mapped[str | None] = mapped_column(String(200))
    acknowledged_position: Mapped[str | None] = mapped_column(String(200))
    acknowledged_on: Mapped[date | None] = mapped_column(Date)
    #: The published tables as acknowledged (JSON, counts only): later changes of the cases
    #: do not change what the executive permitted to publish.
    snapshot: Mapped[str | None] = mapped_column(Text)


# --- staff second factor (issue 9 §5; migration 0014; rongrian.admin.second_factor) ---


class StaffSecondFactor(Base):
    """An account's TOTP (RFC 6238) secret, sealed to the account's own public key (so only a
    session unlocked by the password opens it), and the last time step accepted (a code is never
    accepted twice)."""

    __tablename__ = "staff_second_factor"

    account_id: Mapped[int] = mapped_column(ForeignKey("staff_account.id"), primary_key=True)
    sealed_secret: Mapped[bytes] = mapped_column(LargeBinary)
    last_step: Mapped[int] = mapped_column(Integer)
    enrolled_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class StaffRecoveryCode(Base):
    """One single-use recovery code of an account, stored only as HMAC-SHA256 under a key
    derived from the staff app's secret."""

    __tablename__ = "staff_recovery_code"

    digest: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("staff_account.id"), index=True)


# --- labels and the working queue (issue 9 §1; migration 0017) ---


class CaseLabel(Base):
    """A label (tag) a unit defines for its own cases, e.g. "รอผู้รับเหมา". The name is chosen by
    staff, kept in clear and shown on the queue: it must never hold a complainant's data
    (:mod:`rongrian.intake.labels`)."""

    __tablename__ = "case_label"
    __table_args__ = (Index("ix_case_label_unit_name", "unit_id", "name", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    name: Mapped[str] = mapped_column(String(40))


class ComplaintLabel(Base):
    """A label put on a case. Only labels of the case's current unit are shown or counted."""

    __tablename__ = "complaint_label"
    __table_args__ = (Index("ix_complaint_label_label", "label_id", "complaint_id"),)

    complaint_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("complaint.id"), primary_key=True)
    label_id: Mapped[int] = mapped_column(ForeignKey("case_label.id"), primary_key=True)


class CaseSeen(Base):
    """How far a staff member has read a case's thread: the highest ``CaseEvent.seq`` when they
    last opened it. The queue marks "new from the complainant" when an ``information`` or
    ``reopen`` entry is past it (:mod:`rongrian.intake.queue`)."""

    __tablename__ = "case_seen"

    account_id: Mapped[int] = mapped_column(ForeignKey("staff_account.id"), primary_key=True)
    complaint_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("complaint.id"), primary_key=True)
    seen_seq: Mapped[int] = mapped_column(Integer)


#: The working queue (:mod:`rongrian.intake.queue`) counts, filters and orders a unit's cases
#: from this index alone (no complaint row is read until the page's 50 are chosen).
Index("ix_complaint_queue", Complaint.unit_id, Complaint.status, Complaint.due_on,
      Complaint.received_on, Complaint.case_number, Complaint.assigned_to_id,
      Complaint.category_id, Complaint.channel, Complaint.kind, Complaint.id)
#: The complainant's entries ("new from the complainant" in the queue) without a thread scan.
Index("ix_case_event_kind", CaseEvent.kind, CaseEvent.complaint_id, CaseEvent.seq)


# --- the daily digest by e-mail (issue 9 §2; migration 0020; rongrian.intake.digest) ---


class DigestDelivery(Base):
    """One member's daily digest of one unit for one day: counts only (never case numbers or
    content), and whether a message went out (``emailed`` false: every count was zero, nothing
    sent). The row is written right after the relay accepted the message, so a second run the
    same day sends only what is missing; a unit's latest earlier ``day`` is where its next
    digest's "new" starts."""

    __tablename__ = "digest_delivery"
    __table_args__ = (Index("ix_digest_delivery_unit_day", "unit_id", "day"),)

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("staff_account.id"), primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    emailed: Mapped[bool] = mapped_column(Boolean)
    new_count: Mapped[int] = mapped_column(Integer)
    due_soon_count: Mapped[int] = mapped_column(Integer)
    overdue_count: Mapped[int] = mapped_column(Integer)
    assigned_count: Mapped[int] = mapped_column(Integer)


__all__ = [
    "Agency",
    "PeriodReport",
    "Attachment",
    "AuditAction",
    "AuditEntry",
    "AuditHead",
    "Base",
    "CaseCounter",
    "CaseEvent",
    "CaseLabel",
    "CaseSeen",
    "CaseTransfer",
    "Category",
    "Channel",
    "Complaint",
    "ComplaintKey",
    "ComplaintLabel",
    "DayOff",
    "DigestDelivery",
    "Rating",
    "ReplyTemplate",
    "DataKeyLink",
    "EmailNotice",
    "EventKind",
    "Installation",
    "QrPoster",
    "SuggestionBox",
    "BoxOpening",
    "IssueReason",
    "IssuedPassword",
    "Kind",
    "KeyGrant",
    "KeyRing",
    "KeyRotation",
    "LineConversation",
    "LineDraftPhoto",
    "LineSeenEvent",
    "NotificationSubscription",
    "NotifierKey",
    "RingPurpose",
    "Role",
    "RotationReason",
    "Sensitivity",
    "SpentSubmissionToken",
    "StaffAccount",
    "StaffRecoveryCode",
    "StaffSecondFactor",
    "StaffSession",
    "Status",
    "Unit",
    "UnitMembership",
]
