"""The bytes of a period report's document for (period, kind, format): the memo Word file
(:mod:`rongrian.admin.report_docx`), the memo PDF (:mod:`rongrian.web.report_pdf`) or the
workbook (:mod:`rongrian.admin.report_xlsx`, both kinds in one file). One place for the command
line (``rongrian report --format``), the executive page's downloads and the e-mailed reports.

The caller records the export in the audit log first and passes that entry's head, which the
document prints in its footnote (DESIGN.md promise 7).
"""

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from rongrian.admin.memo_docx import memo_details
from rongrian.admin.report_docx import canonical_label, docx_bytes, sections
from rongrian.admin.report_xlsx import KindReport, xlsx_bytes
from rongrian.intake.audit import ChainHead
from rongrian.intake.models import Installation, PeriodReport
from rongrian.intake.period_report import Report, ReportKind, build_report
from rongrian.intake.publication import find
from rongrian.intake.reporting import Period, Summary, count_boxes, count_places, summarise
from rongrian.web.memo_pdf import CountTable, Memo, Signature
from rongrian.web.report_pdf import staff_pdf

#: Each format and its media type, the default first.
MEDIA_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FORMATS = tuple(MEDIA_TYPES)


class UnknownFormat(ValueError):
    """A format other than :data:`FORMATS` was asked for (``args[0]``: what was asked)."""


def format_of(wanted: str | None, out: Path | None = None) -> str:
    """The format asked for: ``wanted`` (any case), else the suffix of ``out`` when it is one of
    :data:`FORMATS`, else ``docx``. Raises :class:`UnknownFormat` for another ``wanted``."""
    if wanted:
        if wanted.strip().lower() not in MEDIA_TYPES:
            raise UnknownFormat(wanted)
        return wanted.strip().lower()
    suffix = out.suffix.lower().lstrip(".") if out is not None else ""
    return suffix if suffix in MEDIA_TYPES else "docx"


def file_name(period: Period, kind: ReportKind, fmt: str) -> str:
    """``rongrian-summary-2569-H1.pdf``, ``…-corruption.pdf``; the workbook holds both kinds."""
    suffix = "" if kind is ReportKind.GENERAL or fmt == "xlsx" else f"-{kind.value}"
    return f"rongrian-summary-{canonical_label(period)}{suffix}.{fmt}"


@dataclass(frozen=True)
class ReportDocument:
    """A built document: its bytes, media type and download name."""

    data: bytes
    media_type: str
    filename: str


def _organisation(session: Session) -> str:
    installation = session.scalars(select(Installation)).first()
    return installation.organisation_name if installation else ""


def memo_of(session: Session, record: PeriodReport | None, *, audit_head: ChainHead | None,
            issued_on: date) -> Memo:
    """The PDF memo's frame, from the same details as the Word memo
    (:func:`rongrian.admin.memo_docx.memo_details`)."""
    details = memo_details(session, record)
    author = Signature(details.signer_name, details.signer_position) \
        if details.signer_name else None
    acknowledgement = None
    if record is not None and record.acknowledged_on is not None:
        acknowledgement = Signature(record.acknowledged_name or "",
                                    record.acknowledged_position or "", record.acknowledged_on)
    return Memo(organisation=_organisation(session), issued_on=issued_on,
                department=details.department,
                reference=details.number.removeprefix("ที่").strip(),
                addressee=details.addressee, analysis=record.analysis if record else "",
                author=author, acknowledgement=acknowledgement, audit_head=audit_head,
                emblem_png=details.emblem, thai_digits=details.thai_digits)


def _place_tables(session: Session, period: Period) -> list[CountTable]:
    """Cases by QR poster place and by suggestion box, when there are any (issue 8): only
    these two counts of the summary, not its whole scan of the period."""
    summary = Summary(period)
    count_places(session, period, summary)
    count_boxes(session, period, summary)
    return [CountTable(section.title[0], [(row.name_th, row.count) for row in section.rows])
            for section in sections(summary) if section.key in ("place", "box")]


def build(session: Session, period: Period, kind: ReportKind, fmt: str, *,
          audit_head: ChainHead | None, today: date | None = None,
          report: Report | None = None) -> ReportDocument:
    """The ``fmt`` document of the ``kind`` report of ``period`` (``report`` when the caller
    built it already). Raises :class:`UnknownFormat`, and ``InvalidPeriod`` for a period
    before the agency's first fiscal year."""
    fmt = format_of(fmt)
    today = today or datetime.now(UTC).date()
    label = canonical_label(period)
    if fmt == "xlsx":
        parts = [KindReport(report if report is not None and report.kind is each
                            else build_report(session, period, each, as_of=today),
                            find(session, label, each)) for each in ReportKind]
        data = xlsx_bytes(parts, organisation=_organisation(session), made_on=today)
        return ReportDocument(data, MEDIA_TYPES[fmt], file_name(period, kind, fmt))
    report = report or build_report(session, period, kind, as_of=today)
    record = find(session, label, kind)
    if fmt == "docx":
        summary = summarise(session, period, as_of=today)
        data = docx_bytes(summary, organisation=_organisation(session), issued_on=today,
                          audit_head=audit_head, report=report, record=record,
                          memo=memo_details(session, record))
    else:
        memo = memo_of(session, record, audit_head=audit_head, issued_on=today)
        extra = _place_tables(session, period) if kind is ReportKind.GENERAL else []
        data = staff_pdf(report, replace(memo, counts=extra))
    return ReportDocument(data, MEDIA_TYPES[fmt], file_name(period, kind, fmt))


__all__ = ["FORMATS", "MEDIA_TYPES", "ReportDocument", "UnknownFormat", "build", "file_name",
           "format_of", "memo_of"]
