"""The executive page's PDF and Excel downloads (issue 10 §2), beside its Word file.

``/summary.pdf?period=…&kind=general|corruption`` is the memo PDF of one report;
``/summary.xlsx?period=…`` the workbook of both reports of the period
(:mod:`rongrian.admin.report_documents`). The same people as the page may download them, each
download is an audit entry whose head the document prints, and a period that does not exist
answers the page's 400 with its message.
"""

from flask import Flask, Response, request

from rongrian.admin.report_documents import build
from rongrian.admin.web import period_reports
from rongrian.admin.web.auth import roles_required
from rongrian.admin.web.summary import (
    SUMMARY_ROLES,
    _allowed,
    _audited,
    _invalid,
    default_period,
    today,
)
from rongrian.intake.errors import InvalidPeriod
from rongrian.intake.models import AuditAction, Role
from rongrian.intake.period_report import check_period
from rongrian.intake.reporting import parse_period
from rongrian.web.app import db


def _download(fmt: str) -> Response | tuple[str, int]:
    _allowed()
    wanted = request.args.get("period", "").strip() or default_period(today())
    kind = period_reports.report_kind(request.args.get("kind"))
    try:
        period = parse_period(wanted)
        check_period(db(), period)
    except InvalidPeriod:
        return _invalid(wanted)
    head = _audited(AuditAction.SUMMARY_EXPORTED, period)
    document = build(db(), period, kind, fmt, audit_head=head, today=today())
    return Response(document.data, mimetype=document.media_type, headers={
        "Content-Disposition": f'attachment; filename="{document.filename}"',
        "Cache-Control": "no-store",
    })


def register(app: Flask) -> None:
    """Add ``/summary.pdf`` and ``/summary.xlsx`` to ``app``."""

    @app.get("/summary.pdf")
    @roles_required(*SUMMARY_ROLES, Role.STAFF)
    def summary_pdf() -> Response | tuple[str, int]:
        return _download("pdf")

    @app.get("/summary.xlsx")
    @roles_required(*SUMMARY_ROLES, Role.STAFF)
    def summary_xlsx() -> Response | tuple[str, int]:
        return _download("xlsx")


__all__ = ["register"]
