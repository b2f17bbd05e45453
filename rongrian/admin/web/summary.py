"""The executive summary page and its Word download: counts only, never case content.

Each view and each download is an audit entry; both print that entry's position and hash.

Periods are the labels of :func:`rongrian.intake.reporting.parse_period` (``2568``,
``2568-Q1``…``Q4``, ``2568-H1``/``H2``, ``2568-10``); without one, the current fiscal year's
current quarter is shown.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime

from flask import Flask, Response, abort, render_template, request
from sqlalchemy import select

from rongrian.admin.memo_docx import memo_details
from rongrian.admin.report_docx import (
    canonical_label,
    docx_bytes,
    percent,
    period_heading,
    period_range,
    period_title,
    sections,
)
from rongrian.admin.web import period_reports
from rongrian.admin.web.auth import current_staff, roles_required
from rongrian.intake.audit import Actor, ChainHead, append_entry
from rongrian.intake.errors import InvalidPeriod
from rongrian.intake.models import AuditAction, Installation, Role
from rongrian.intake.period_report import ReportKind
from rongrian.intake.publication import find, is_integrity_officer
from rongrian.intake.reporting import Period, parse_period, summarise
from rongrian.intake.thaidate import BE_OFFSET, THAI_MONTHS, fiscal_year_of
from rongrian.web.app import current_locale, db

SUMMARY_ROLES = (Role.EXECUTIVE, Role.ADMIN, Role.CUSTODIAN)
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
#: How many fiscal years back the period picker offers (besides the one shown).
YEARS_OFFERED = 3
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def today() -> date:
    """Today's date (UTC), as the rest of the system dates things."""
    return datetime.now(UTC).date()


def default_period(day: date) -> str:
    """The label of the fiscal quarter containing ``day``, e.g. ``2569-Q1`` for 5 Oct 2025."""
    quarter = ((day.month - 10) % 12) // 3 + 1
    return f"{fiscal_year_of(day)}-Q{quarter}"


@dataclass(frozen=True)
class Option:
    """One choice of the period picker: its label (``2568-Q1``) and text."""

    value: str
    text: str


def _option_text(period: Period, locale: str) -> str:
    en = locale == "en"
    if period.kind == "year":
        return (f"Whole fiscal year {period.fiscal_year}" if en
                else f"ทั้งปีงบประมาณ พ.ศ. {period.fiscal_year}")
    if period.kind == "month":
        month = period.start.month - 1
        return (f"{_MONTHS_EN[month]} {period.start.year}" if en
                else f"{THAI_MONTHS[month]} {period.start.year + BE_OFFSET}")
    number = ((period.start.month - 10) % 12) // (3 if period.kind == "quarter" else 6) + 1
    if period.kind == "quarter":
        name = f"Quarter {number}" if en else f"ไตรมาสที่ {number}"
    elif en:
        name = "First half" if number == 1 else "Second half"
    else:
        name = "รอบ 6 เดือนแรก" if number == 1 else "รอบ 6 เดือนหลัง"
    return f"{name} ({period_range(period, locale)})"


def _labels_of(fiscal_year: int) -> list[str]:
    months = [f"{fiscal_year - 1}-{m:02d}" for m in (10, 11, 12)]
    months += [f"{fiscal_year}-{m:02d}" for m in range(1, 10)]
    halves_and_quarters = [f"{fiscal_year}-{part}" for part in ("H1", "H2", "Q1", "Q2", "Q3",
                                                                 "Q4")]
    return [str(fiscal_year), *halves_and_quarters, *months]


def period_options(shown: Period | None, day: date, locale: str
                   ) -> list[tuple[str, list[Option]]]:
    """The picker's groups, newest fiscal year first: ``(group title, options)``."""
    current = fiscal_year_of(day)
    years = set(range(current - YEARS_OFFERED + 1, current + 1))
    if shown is not None:
        years.add(shown.fiscal_year)
    groups = []
    for year in sorted(years, reverse=True):
        title = f"Fiscal year {year}" if locale == "en" else f"ปีงบประมาณ พ.ศ. {year}"
        options = [Option(value, _option_text(parse_period(value), locale))
                   for value in _labels_of(year)]
        groups.append((title, options))
    return groups


def _organisation_name() -> str:
    installation = db().scalars(select(Installation)).first()
    return installation.organisation_name if installation else ""


def _audited(action: AuditAction, period: Period) -> ChainHead:
    """Record a view or export of the summary (committed now) and return the entry's position
    and hash: the page and the Word file print it so a later, shorter log is visible."""
    entry = append_entry(db(), action, Actor.of(current_staff().account),
                         detail={"period": canonical_label(period)})
    db().commit()
    return ChainHead(entry.seq, entry.entry_hash.hex())


def _allowed() -> None:
    """403 for unit staff outside the integrity unit (they see only their unit's cases)."""
    staff = current_staff()
    if staff.role == Role.STAFF and not is_integrity_officer(db(), staff.account):
        abort(403)


def _invalid(wanted: str) -> tuple[str, int]:
    locale = current_locale()
    return render_template(
        "summary.html", summary=None, wanted=wanted, selected="",
        groups=period_options(None, today(), locale),
    ), 400


def register(app: Flask) -> None:
    """Add ``/summary`` and ``/summary.docx`` (``?period=…&kind=general|corruption``) and the
    report forms of :mod:`.period_reports` to ``app``."""

    @app.get("/summary")
    @roles_required(*SUMMARY_ROLES, Role.STAFF)
    def summary() -> tuple[str, int]:
        _allowed()
        wanted = request.args.get("period", "").strip() or default_period(today())
        kind = period_reports.report_kind(request.args.get("kind"))
        try:
            period = parse_period(wanted)
            report = period_reports.build_for_page(period, kind, today())
        except InvalidPeriod:
            return _invalid(wanted)
        locale = current_locale()
        result = summarise(db(), period, as_of=today())
        head = _audited(AuditAction.SUMMARY_VIEWED, period)
        return render_template(
            "summary.html",
            summary=result,
            sections=sections(result),
            title=period_title(period, locale),
            heading=period_heading(period, locale),
            range=period_range(period, locale),
            selected=canonical_label(period),
            groups=period_options(period, today(), locale),
            percent=percent,
            organisation=_organisation_name(),
            audit_head=head,
            **period_reports.report_context(period, kind, report),
        ), 200

    @app.get("/summary.docx")
    @roles_required(*SUMMARY_ROLES, Role.STAFF)
    def summary_docx() -> Response | tuple[str, int]:
        _allowed()
        wanted = request.args.get("period", "").strip() or default_period(today())
        kind = period_reports.report_kind(request.args.get("kind"))
        try:
            period = parse_period(wanted)
            report = period_reports.build_for_page(period, kind, today())
        except InvalidPeriod:
            return _invalid(wanted)
        result = summarise(db(), period, as_of=today())
        head = _audited(AuditAction.SUMMARY_EXPORTED, period)
        record = find(db(), canonical_label(period), kind)
        data = docx_bytes(result, organisation=_organisation_name(), audit_head=head,
                          report=report, record=record, memo=memo_details(db(), record))
        suffix = "" if kind is ReportKind.GENERAL else f"-{kind.value}"
        filename = f"rongrian-summary-{canonical_label(period)}{suffix}.docx"
        return Response(data, mimetype=DOCX_TYPE, headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        })

    period_reports.register(app)
    from rongrian.admin.web import report_downloads  # late: it imports this module

    report_downloads.register(app)  # issue 10 §2: the PDF and the workbook
