"""The period reports on the executive page (issue 10): the type × outcome cross-table, trend,
timings and overdue cases of the ``general`` or ``corruption`` report, the integrity officer's
analysis form and the executive's acknowledgement form.

``POST /summary/analysis`` (the integrity officer: the custodian or a member of the integrity
unit) and ``POST /summary/acknowledge`` (an executive) change the stored record; a refused one
changes nothing and says why, in Thai and English, on the summary page.
"""

from typing import Any

from flask import Flask, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import HiddenField, StringField, TextAreaField

from rongrian.admin.report_docx import canonical_label
from rongrian.admin.web.auth import current_staff, roles_required
from rongrian.intake.errors import InvalidPeriod
from rongrian.intake.models import Role
from rongrian.intake.period_report import (
    OUTCOME_NAMES,
    OUTCOMES,
    OVERDUE_LISTED,
    Report,
    ReportKind,
    Timing,
    build_report,
    check_period,
    overdue_by_unit,
)
from rongrian.intake.publication import (
    ANALYSIS_LIMIT,
    AlreadyAcknowledged,
    AnalysisMissing,
    AnalysisTooLong,
    MissingSignature,
    NotPermitted,
    acknowledge,
    find,
    is_integrity_officer,
    write_analysis,
)
from rongrian.intake.reporting import Period, parse_period
from rongrian.web.app import current_locale, db
from rongrian.web.charts import month_label, trend_chart
from rongrian.web.report_charts import outcome_by_type_svg, svg_data_uri


class AnalysisForm(FlaskForm):  # type: ignore[misc]  # flask_wtf has no type hints
    """``text``: the analysis and proposed improvements; ``period`` and ``kind`` name the
    report. The length limit is the domain's (checked there, with its own message)."""

    period = HiddenField()
    kind = HiddenField()
    text = TextAreaField(_l("Analysis of the problems and proposed improvements"))


class AcknowledgeForm(FlaskForm):  # type: ignore[misc]
    """The executive's ``name`` and ``position`` as the signature block prints them."""

    period = HiddenField()
    kind = HiddenField()
    name = StringField(_l("Name"))
    position = StringField(_l("Position"))


def report_kind(value: str | None) -> ReportKind:
    """The report kind of a query or form value; ``general`` unless it says ``corruption``."""
    return ReportKind.CORRUPTION if value == ReportKind.CORRUPTION.value else ReportKind.GENERAL


def report_context(period: Period, kind: ReportKind, report: Report) -> dict[str, Any]:
    """What ``summary.html`` needs for the report part of the page."""
    staff = current_staff()
    label = canonical_label(period)
    record = find(db(), label, kind)
    writer = is_integrity_officer(db(), staff.account)
    analysis_form = AnalysisForm(formdata=None, period=label, kind=kind.value,
                                 text=record.analysis if record else "")
    acknowledge_form = AcknowledgeForm(formdata=None, period=label, kind=kind.value,
                                       name=staff.account.display_name)
    return {
        "report": report,
        "report_kind": kind.value,
        "record": record,
        "outcomes": [(key, *OUTCOME_NAMES[key]) for key in OUTCOMES],
        "can_write": writer,
        "can_acknowledge": staff.role == Role.EXECUTIVE,
        "analysis_form": analysis_form,
        "acknowledge_form": acknowledge_form,
        "analysis_limit": ANALYSIS_LIMIT,
        # the corruption report never lists case numbers (issue 10 §1)
        "show_overdue": kind is ReportKind.GENERAL,
        # each unit's oldest overdue cases, as the printed reports list them (issue 10 §5: a
        # year may have tens of thousands); the workbook lists them all
        "overdue_units": overdue_by_unit(report) if kind is ReportKind.GENERAL else [],
        "overdue_listed": OVERDUE_LISTED,
        "month_name": lambda code: month_label(code, current_locale()),
        "timing": timing_text,
        "outcome_chart": svg_data_uri(outcome_by_type_svg(report)),
        "trend_svg": trend_chart(
            [line.code for line in report.trend],
            [(_("This fiscal year"), [line.counts["this"] for line in report.trend]),
             (_("Previous fiscal year"), [line.counts["previous"] for line in report.trend])],
            _("Cases by month, beside the previous fiscal year"), current_locale()),
    }


def timing_text(timing: Timing) -> str:
    """``median 3, 90th percentile 7 (12 cases)`` in the page's language, ``–`` without cases."""
    if timing.n == 0:
        return "–"
    return str(_("median %(median)s, 90th percentile %(p90)s (%(n)s cases)",
                 median=f"{timing.median:g}", p90=f"{timing.p90:g}", n=f"{timing.n:,}"))


def build_for_page(period: Period, kind: ReportKind, as_of: Any) -> Report:
    """The report shown on the page (raises ``InvalidPeriod`` before the agency's first
    fiscal year)."""
    return build_report(db(), period, kind, as_of=as_of)


def _back(label: str, kind: str) -> Response:
    return redirect(url_for("summary", period=label, kind=kind) + "#report", code=303)


def _posted_period() -> tuple[Period, str, ReportKind]:
    try:
        period = parse_period(request.form.get("period", ""))
        check_period(db(), period)
    except InvalidPeriod:
        abort(400)
    return period, canonical_label(period), report_kind(request.form.get("kind"))


def register(app: Flask) -> None:
    """Add ``POST /summary/analysis`` and ``POST /summary/acknowledge`` to ``app``."""

    @app.post("/summary/analysis")
    @roles_required(Role.CUSTODIAN, Role.STAFF, Role.EXECUTIVE, Role.ADMIN)
    def summary_analysis() -> Response:
        form = AnalysisForm()
        if not form.validate_on_submit():
            abort(400)
        label, kind = _posted_period()[1:]
        try:
            write_analysis(db(), current_staff().account, label, kind, form.text.data or "")
        except NotPermitted:
            db().rollback()
            abort(403)
        except AnalysisTooLong as error:
            db().rollback()
            flash(_("The analysis is %(n)s characters long; at most %(limit)s are allowed. "
                    "Nothing was saved.", n=f"{error.args[0]:,}", limit=f"{ANALYSIS_LIMIT:,}"),
                  "error")
            return _back(label, kind.value)
        except AlreadyAcknowledged:
            db().rollback()
            flash(_("This report was acknowledged already; its analysis can no longer be "
                    "changed."), "error")
            return _back(label, kind.value)
        db().commit()
        flash(_("The analysis was saved."), "ok")
        return _back(label, kind.value)

    @app.post("/summary/acknowledge")
    @roles_required(Role.EXECUTIVE, Role.ADMIN, Role.CUSTODIAN)
    def summary_acknowledge() -> Response:
        form = AcknowledgeForm()
        if not form.validate_on_submit():
            abort(400)
        period, label, kind = _posted_period()
        try:
            acknowledge(db(), current_staff().account, period, label, kind,
                        name=form.name.data or "", position=form.position.data or "")
        except NotPermitted:
            db().rollback()
            abort(403)
        except AnalysisMissing:
            db().rollback()
            flash(_("The integrity officer has not written this report's analysis yet; it "
                    "can be acknowledged after that."), "error")
            return _back(label, kind.value)
        except AlreadyAcknowledged:
            db().rollback()
            flash(_("This report was acknowledged already."), "error")
            return _back(label, kind.value)
        except MissingSignature:
            db().rollback()
            flash(_("Please give your name and position (at most 200 characters each)."),
                  "error")
            return _back(label, kind.value)
        db().commit()
        flash(_("The report was acknowledged and may now be published."), "ok")
        return _back(label, kind.value)


__all__ = ["AcknowledgeForm", "AnalysisForm", "build_for_page", "register", "report_context",
           "report_kind"]
