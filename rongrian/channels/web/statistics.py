"""The public statistics pages, "สถิติเรื่องร้องเรียน" (issue 10 §3; DESIGN.md promise 6).

``/statistics`` lists the reports an executive acknowledged (and so permitted to publish);
``/statistics/<period>/<kind>`` shows one: the type × outcome table and the monthly trend with
small counts suppressed (:mod:`rongrian.intake.public_tables`), a chart, the integrity officer's
analysis and the acknowledgement; ``.csv`` and ``.json`` beside it hold the same tables as open
data, and ``.pdf`` the memo PDF of the same published tables (:func:`rongrian.web.report_pdf.
public_pdf`). Nothing unacknowledged is public: any other period or kind answers 404.
"""

import json
from typing import Any

from flask import Flask, Response, abort, render_template
from flask_babel import gettext as _
from sqlalchemy import select

from rongrian.intake.models import Agency, Installation
from rongrian.intake.period_report import ReportKind
from rongrian.intake.public_tables import Table, as_csv, as_json, tables_of
from rongrian.intake.publication import (
    NotPublished,
    Published,
    published_report,
    published_reports,
)
from rongrian.intake.reporting import parse_period
from rongrian.intake.suppression import Shown
from rongrian.settings import Settings
from rongrian.web.app import current_locale, db
from rongrian.web.charts import month_label, trend_chart
from rongrian.web.report_charts import outcome_by_type_svg, svg_data_uri
from rongrian.web.report_pdf import public_pdf, shown_report

#: How many published PDFs one app keeps made (an acknowledged report never changes).
PDF_CACHE_SIZE = 32


def _published(label: str, kind: str) -> Published:
    """The acknowledged report, or a 404 page saying it is not published."""
    try:
        if kind not in {k.value for k in ReportKind}:
            raise NotPublished(label)
        return published_report(db(), label, ReportKind(kind))
    except NotPublished:
        abort(Response(render_template("statistics_unpublished.html"), 404))


def cell_text(state: Shown, value: int | None, threshold: int) -> str:
    """A published cell as the page shows it: the count, "less than 5" or "hidden"."""
    if state is Shown.SMALL:
        return str(_("less than %(n)s", n=threshold))
    if state is Shown.HIDDEN:
        return str(_("hidden"))
    return f"{value:,}"


def period_name(label: str) -> str:
    """``2569-H1`` → ``รอบ 6 เดือนแรก ปีงบประมาณ พ.ศ. 2569`` (or English)."""
    period = parse_period(label)
    en = current_locale() == "en"
    year = f"fiscal year {period.fiscal_year} BE" if en else \
        f"ปีงบประมาณ พ.ศ. {period.fiscal_year}"
    number = ((period.start.month - 10) % 12) // (3 if period.kind == "quarter" else 6) + 1
    if period.kind == "quarter":
        return f"Quarter {number}, {year}" if en else f"ไตรมาสที่ {number} {year}"
    if period.kind == "half":
        if en:
            return f"{'First' if number == 1 else 'Second'} half, {year}"
        return f"รอบ 6 เดือน{'แรก' if number == 1 else 'หลัง'} {year}"
    if period.kind == "month":
        return month_label(label, current_locale()) + f" ({year})"
    return year[0].upper() + year[1:]


def kind_name(kind: str) -> str:
    """The report kind's name in the page's language."""
    if kind == ReportKind.CORRUPTION.value:
        return str(_("Corruption and misconduct"))
    return str(_("General complaints, suggestions and compliments"))


def _chart(table: Table) -> str:
    months = [row.code for row in table.rows if row.code != "total"]
    series = [(name_en if current_locale() == "en" else name_th,
               [row.cells[index].value for row in table.rows if row.code != "total"])
              for index, (_key, name_th, name_en) in enumerate(table.columns[:-1])]
    return trend_chart(months, series, _("Cases by month, beside the previous fiscal year"),
                       current_locale())


def _pdf_of(published: Published, threshold: int, cache: dict[tuple[str, ...], bytes]) -> bytes:
    """The public PDF of ``published``, made once per agency name and emblem."""
    agency = db().scalars(select(Agency)).first()
    name = agency.name_th if agency else ""
    if not name:
        installation = db().scalars(select(Installation)).first()
        name = installation.organisation_name if installation else ""
    key = (published.label, published.kind.value, name,
           agency.emblem_digest or "" if agency else "")
    if key not in cache:
        if len(cache) >= PDF_CACHE_SIZE:
            cache.pop(next(iter(cache)))
        cache[key] = public_pdf(published, organisation=name, threshold=threshold,
                                emblem_png=agency.emblem if agency else None)
    return cache[key]


def _outcome_chart_of(published: Published, threshold: int,
                      cache: dict[tuple[str, str], str]) -> str:
    """The outcome-by-type chart of ``published`` (shown counts only) as an SVG ``data:``
    address, drawn once per report: an acknowledged report never changes."""
    key = (published.label, published.kind.value)
    if key not in cache:
        if len(cache) >= PDF_CACHE_SIZE:
            cache.pop(next(iter(cache)))
        cache[key] = svg_data_uri(outcome_by_type_svg(shown_report(published, threshold)))
    return cache[key]


def register(app: Flask, settings: Settings) -> None:
    """Add ``/statistics`` and each published report's page, CSV and JSON to ``app``."""
    threshold = settings.suppress_below
    charts: dict[tuple[str, str], str] = {}

    @app.context_processor
    def statistics_helpers() -> dict[str, Any]:
        return {"period_name": period_name, "kind_name": kind_name, "zip": zip,
                "config_threshold": threshold}

    @app.get("/statistics")
    def statistics() -> str:
        return render_template("statistics.html", reports=published_reports(db()))

    @app.get("/statistics/<label>/<kind>")
    def statistics_report(label: str, kind: str) -> str:
        published = _published(label, kind)
        tables = tables_of(published, threshold)
        return render_template(
            "statistics_report.html", published=published, tables=tables,
            threshold=threshold, cell_text=cell_text, chart=_chart(tables[1]),
            outcome_chart=_outcome_chart_of(published, threshold, charts),
            month_name=lambda code: month_label(code, current_locale()))

    @app.get("/statistics/<label>/<kind>.csv")
    def statistics_csv(label: str, kind: str) -> Response:
        published = _published(label, kind)
        body = "\ufeff" + as_csv(published, threshold)  # the BOM lets Excel read Thai
        return Response(body, mimetype="text/csv", headers={
            "Content-Disposition":
                f'attachment; filename="rongrian-statistics-{published.label}-{kind}.csv"'})

    made: dict[tuple[str, ...], bytes] = {}

    @app.get("/statistics/<label>/<kind>.pdf")
    def statistics_pdf(label: str, kind: str) -> Response:
        published = _published(label, kind)
        return Response(_pdf_of(published, threshold, made), mimetype="application/pdf", headers={
            "Content-Disposition":
                f'inline; filename="rongrian-statistics-{published.label}-{kind}.pdf"'})

    @app.get("/statistics/<label>/<kind>.json")
    def statistics_json(label: str, kind: str) -> Response:
        published = _published(label, kind)
        return Response(json.dumps(as_json(published, threshold), ensure_ascii=False,
                                   indent=1), mimetype="application/json")


__all__ = ["cell_text", "register"]
