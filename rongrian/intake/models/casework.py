"""Period reports (issue 10; migration 0015), labels and the working queue (issue 9 §1;
migration 0017) and the daily digest (issue 9 §2; migration 0020)."""

import uuid
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from rongrian.intake.models.core import (
    Base,
    CaseEvent,
    Complaint,
)

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
