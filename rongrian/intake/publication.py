"""Analysis, acknowledgement and publication of the period reports (issue 10 §1, §3).

The integrity officer (the identity custodian, or a member of the integrity unit) writes the
analysis of problems and proposed improvements for a report (period + kind): clear text, at most
:data:`ANALYSIS_LIMIT` characters, never about a person; each save is audited with the text's
length and SHA-256. An executive then acknowledges the report (name, position, date; audited),
which permits its publication: the public tables are frozen at that moment (:attr:`PeriodReport.
snapshot`) so what is public is exactly what was acknowledged. Nothing unacknowledged is public;
published tables suppress small counts (:mod:`rongrian.intake.suppression`).
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from rongrian.intake.audit import Actor, append_entry
from rongrian.intake.errors import IntakeError
from rongrian.intake.models import (
    AuditAction,
    PeriodReport,
    Role,
    StaffAccount,
    Unit,
    UnitMembership,
)
from rongrian.intake.period_report import OUTCOMES, Report, ReportKind, build_report
from rongrian.intake.reporting import Period

#: Longest analysis text, in characters (issue 10 "bad input").
ANALYSIS_LIMIT = 20_000
#: Longest name or position in an acknowledgement (the column's size).
NAME_LIMIT = 200


class PublicationError(IntakeError):
    """Base of the errors of this module: nothing was changed."""


class NotPermitted(PublicationError):
    """The account's role may not do this (write an analysis: the integrity officer; acknowledge
    or read the corruption report's case numbers: see each function)."""


class AnalysisTooLong(PublicationError):
    """The analysis text is longer than :data:`ANALYSIS_LIMIT` characters."""


class AnalysisMissing(PublicationError):
    """An acknowledgement was asked for before the integrity officer wrote the analysis."""


class AlreadyAcknowledged(PublicationError):
    """The report was acknowledged already: its analysis and acknowledgement stay as they are."""


class MissingSignature(PublicationError):
    """The acknowledgement lacks the executive's name or position, or one is too long."""


class NotPublished(PublicationError):
    """No acknowledged report for this period and kind: nothing of it is public."""


def is_integrity_officer(session: Session, account: StaffAccount) -> bool:
    """True for an active identity custodian or an active member of the integrity unit."""
    if not account.active:
        return False
    if account.role == Role.CUSTODIAN:
        return True
    found = session.scalar(
        select(Unit.id).join(UnitMembership, UnitMembership.unit_id == Unit.id)
        .where(UnitMembership.account_id == account.id, Unit.is_integrity.is_(True)))
    return found is not None


def find(session: Session, label: str, kind: ReportKind) -> PeriodReport | None:
    """The stored analysis/acknowledgement of a report, if any."""
    return session.get(PeriodReport, (label, kind.value))


def write_analysis(session: Session, account: StaffAccount, label: str, kind: ReportKind,
                   text: str, *, today: date | None = None) -> PeriodReport:
    """Store the analysis of report ``label``/``kind`` (flushed, audited; the caller commits).

    Raises :class:`NotPermitted` (not the integrity officer), :class:`AnalysisTooLong`,
    :class:`AlreadyAcknowledged`.
    """
    if not is_integrity_officer(session, account):
        raise NotPermitted(account.username)
    text = text.replace("\r\n", "\n").strip()
    if len(text) > ANALYSIS_LIMIT:
        raise AnalysisTooLong(len(text))
    record = find(session, label, kind)
    if record is not None and record.acknowledged_on is not None:
        raise AlreadyAcknowledged(label)
    if record is None:
        record = PeriodReport(period=label, kind=kind.value)
        session.add(record)
    record.analysis = text
    record.analysis_by_id = account.id
    record.analysis_on = today or datetime.now(UTC).date()
    session.flush()
    append_entry(session, AuditAction.REPORT_ANALYSIS_WRITTEN, Actor.of(account), detail={
        "period": label, "kind": kind.value, "characters": len(text),
        "sha256": hashlib.sha256(text.encode()).hexdigest()})
    return record


def acknowledge(session: Session, account: StaffAccount, period: Period, label: str,
                kind: ReportKind, *, name: str, position: str,
                today: date | None = None) -> PeriodReport:
    """Record an executive's acknowledgement of report ``label``/``kind``, which permits its
    publication, and freeze its public tables (flushed, audited; the caller commits).

    Raises :class:`NotPermitted` (not an active executive), :class:`AnalysisMissing`,
    :class:`AlreadyAcknowledged`, :class:`MissingSignature`, ``InvalidPeriod``.
    """
    if account.role != Role.EXECUTIVE or not account.active:
        raise NotPermitted(account.username)
    name, position = name.strip(), position.strip()
    if not name or not position or len(name) > NAME_LIMIT or len(position) > NAME_LIMIT:
        raise MissingSignature(label)
    record = find(session, label, kind)
    if record is None or not record.analysis:
        raise AnalysisMissing(label)
    if record.acknowledged_on is not None:
        raise AlreadyAcknowledged(label)
    day = today or datetime.now(UTC).date()
    report = build_report(session, period, kind, as_of=day)
    record.acknowledged_by_id = account.id
    record.acknowledged_name = name
    record.acknowledged_position = position
    record.acknowledged_on = day
    record.snapshot = json.dumps(snapshot_of(report), ensure_ascii=False, sort_keys=True)
    session.flush()
    append_entry(session, AuditAction.REPORT_ACKNOWLEDGED, Actor.of(account), detail={
        "period": label, "kind": kind.value, "total": report.total})
    return record


def snapshot_of(report: Report) -> dict[str, Any]:
    """The public part of ``report`` (counts and outcomes per type, the monthly trend), as
    JSON-ready data; never case numbers."""
    return {
        "period": report.period.label,
        "kind": report.kind.value,
        "as_of": report.as_of.isoformat(),
        "types": [{"code": line.code, "name_th": line.name_th, "name_en": line.name_en,
                   "counts": {key: line.counts[key] for key in OUTCOMES}}
                  for line in report.types],
        "trend": [{"month": line.code, "this": line.counts["this"],
                   "previous": line.counts["previous"]} for line in report.trend],
    }


@dataclass(frozen=True)
class Published:
    """An acknowledged report as the public sees it: its record and frozen tables."""

    label: str
    kind: ReportKind
    analysis: str
    name: str
    position: str
    acknowledged_on: date
    snapshot: dict[str, Any]


def _published(record: PeriodReport) -> Published:
    if record.acknowledged_on is None or record.snapshot is None:
        raise NotPublished(record.period)
    return Published(record.period, ReportKind(record.kind), record.analysis,
                     record.acknowledged_name or "", record.acknowledged_position or "",
                     record.acknowledged_on, json.loads(record.snapshot))


def published_reports(session: Session) -> list[Published]:
    """Every acknowledged report, newest acknowledgement first."""
    records = session.scalars(
        select(PeriodReport).where(PeriodReport.acknowledged_on.is_not(None))
        .order_by(PeriodReport.acknowledged_on.desc(), PeriodReport.period.desc(),
                  PeriodReport.kind))
    return [_published(record) for record in records]


def published_report(session: Session, label: str, kind: ReportKind) -> Published:
    """The acknowledged report ``label``/``kind``; raises :class:`NotPublished` otherwise."""
    record = find(session, label, kind)
    if record is None:
        raise NotPublished(label)
    return _published(record)


__all__ = [
    "ANALYSIS_LIMIT",
    "AlreadyAcknowledged",
    "AnalysisMissing",
    "AnalysisTooLong",
    "MissingSignature",
    "NotPermitted",
    "NotPublished",
    "Published",
    "PublicationError",
    "acknowledge",
    "find",
    "is_integrity_officer",
    "published_report",
    "published_reports",
    "snapshot_of",
    "write_analysis",
]
