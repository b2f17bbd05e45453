"""The case page's investigation file and retention release (issue 9 §5).

- ``GET /cases/<uuid>/file.pdf``: the case and its thread as a PDF (:mod:`rongrian.admin.case_file`)
  for members of the handling unit; anyone else gets 404 exactly like the case page. Opening the
  case for it is audited (``case_opened``) and so is the file (``case_file_exported``), both
  committed before the file is sent.
- ``POST /cases/<uuid>/retention-release``: a member of the unit says a finished whistleblower
  case's investigation is over, so retention may purge it
  (:func:`rongrian.intake.retention.release`).
"""

import uuid
from datetime import UTC, datetime

from flask import Flask, abort, flash, redirect, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from rongrian.admin.case_file import CaseFileContent, render_case_file
from rongrian.admin.web.auth import current_staff, roles_required
from rongrian.admin.web.cases import CASE_ROLES
from rongrian.admin.web.staff_forms import ConfirmForm
from rongrian.intake import retention
from rongrian.intake.attachments import list_attachments
from rongrian.intake.audit import actor_of, append_entry
from rongrian.intake.casework import open_case
from rongrian.intake.errors import InvalidTransition
from rongrian.intake.keyring import unit_ids_of
from rongrian.intake.models import AuditAction, Complaint, Installation
from rongrian.intake.workflow import FINISHED
from rongrian.web.app import db


def retention_release_offered(case_id: uuid.UUID) -> bool:
    """Template helper: whether the case page offers the release (a finished whistleblower
    case of one of the member's units, not released yet)."""
    complaint = db().get(Complaint, case_id)
    return (complaint is not None and complaint.status in FINISHED
            and retention.is_held(complaint)
            and complaint.unit_id in unit_ids_of(db(), current_staff().account.id))


def _case_file(case_id: uuid.UUID) -> Response:
    user = current_staff()
    detail = open_case(db(), user.unlocked, case_id)  # 404 / 403 through the app's handlers
    complaint = db().get(Complaint, case_id)
    append_entry(db(), AuditAction.CASE_FILE_EXPORTED, actor_of(db(), user.account.id),
                 complaint=complaint)
    files = list_attachments(db(), user.unlocked, case_id)
    db().commit()
    installation = db().get(Installation, 1)
    pdf = render_case_file(CaseFileContent(
        case=detail, attachments=files,
        organisation=installation.organisation_name if installation else "",
        made_by=user.account.display_name, made_on=datetime.now(UTC).date()))
    name = detail.summary.case_number.replace("/", "-")
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="case-{name}.pdf"',
        "Cache-Control": "no-store"})


def _release(case_id: uuid.UUID) -> Response:
    if not ConfirmForm().validate():
        abort(400)
    try:
        retention.release(db(), current_staff().account.id, case_id)
    except InvalidTransition:
        db().rollback()
        flash(_("This case cannot be released: only a finished whistleblower case not yet "
                "released can. Nothing was changed."), "error")
        return redirect(url_for("case", case_id=case_id), 303)
    db().commit()
    flash(_("Released: the case will be deleted after its category's retention period."), "ok")
    return redirect(url_for("case", case_id=case_id), 303)


def register(app: Flask) -> None:
    """Add ``/cases/<uuid>/file.pdf``, ``/cases/<uuid>/retention-release`` and the template
    helper ``retention_release_offered``."""
    app.add_template_global(retention_release_offered, "retention_release_offered")

    @app.get("/cases/<uuid:case_id>/file.pdf")
    @roles_required(*CASE_ROLES)
    def case_file(case_id: uuid.UUID) -> Response:
        return _case_file(case_id)

    @app.post("/cases/<uuid:case_id>/retention-release")
    @roles_required(*CASE_ROLES)
    def case_retention_release(case_id: uuid.UUID) -> Response:
        return _release(case_id)
