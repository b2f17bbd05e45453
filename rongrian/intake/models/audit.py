"""The audit log (a hash chain), identity reveals and re-routing (issue 3; migration 0002)."""

import enum
import uuid
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from rongrian.intake.models.core import (
    Base,
)

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
