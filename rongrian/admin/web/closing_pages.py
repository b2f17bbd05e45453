"""Case page actions of issue 9 §2-3: assigning the responsible officer, extending the due day,
the status-and-message form's "after" photo, and the unit's reply templates.

``POST /cases/<case>/assign``, ``/extend``, ``/templates`` and ``/templates/<id>/delete``. Every
refusal shows the case page again with the message (400), nothing changed. The status form
itself is :func:`rongrian.admin.web.cases.register`'s ``/status``, which calls
:func:`rongrian.admin.web.closing_forms.cleaned_photos` and
:func:`rongrian.intake.closing.move_case`.
"""

import contextlib
import uuid
from datetime import UTC, datetime

from flask import Flask, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from rongrian.admin.web.auth import current_staff, roles_required
from rongrian.admin.web.cases import CASE_ROLES, render_case_again
from rongrian.admin.web.closing_forms import MAX_PHOTOS, AssignForm, ExtendForm, TemplateForm
from rongrian.intake.assignment import assign, extend_due, unit_officers
from rongrian.intake.casework import case_for_member
from rongrian.intake.closing import delete_template, save_template
from rongrian.intake.errors import InvalidSubmission
from rongrian.intake.store import LIMITS
from rongrian.web.app import db, settings_of


def _extension_message(problems: dict[str, str]) -> str:
    code = problems.get("due_on") or problems.get("reason", "")
    messages = {
        "past": _("The new due date cannot be before today. Nothing was changed."),
        "not_later": _("The new due date must be after the current due date. Nothing was "
                       "changed."),
        "finished": _("This case is finished; its due date can no longer change."),
        "required": _("Please write the reason for the extension. Nothing was changed."),
        "too_long": _("The reason is too long: at most %(limit)s characters.",
                      limit=f"{LIMITS['note']:,}"),
    }
    return str(messages.get(code, _("Please enter the new due date.")))


def _upload_limit() -> None:
    """The status form may carry photos: raise the body limit for it (before CSRF reads it)."""
    if request.method == "POST" and request.endpoint == "case_status":
        settings = settings_of(current_app)
        request.max_content_length = MAX_PHOTOS * settings.attachment_max_bytes + 1024 * 1024


def register(app: Flask) -> None:
    """Add the assignment, extension and reply-template routes of the case page."""
    app.before_request_funcs.setdefault(None, []).insert(0, _upload_limit)

    @app.post("/cases/<uuid:case_id>/assign")
    @roles_required(*CASE_ROLES)
    def case_assign(case_id: uuid.UUID) -> Response | tuple[str, int]:
        user = current_staff()
        form = AssignForm()
        complaint = case_for_member(db(), user.account.id, case_id)
        officers = {str(a.id): a for a in unit_officers(db(), complaint.unit_id)}
        chosen = form.officer.data or ""
        try:
            if not form.validate() or not chosen.isdigit():
                raise InvalidSubmission({"officer": "not_member"})
            assign(db(), user.unlocked, case_id, int(chosen))
        except InvalidSubmission:
            db().rollback()
            return render_case_again(user, case_id, error_in="assign", error=str(_(
                "Cases can be assigned only to a member of the case's unit. Nothing was "
                "changed.")))
        db().commit()
        flash(_("The case is now assigned to %(name)s.", name=officers[chosen].display_name),
              "ok")
        return redirect(url_for("case", case_id=case_id))

    @app.post("/cases/<uuid:case_id>/extend")
    @roles_required(*CASE_ROLES)
    def case_extend(case_id: uuid.UUID) -> Response | tuple[str, int]:
        user = current_staff()
        form = ExtendForm()
        try:
            if not form.validate() or form.due_on.data is None:
                raise InvalidSubmission({"due_on": "invalid"})
            extend_due(db(), user.unlocked, case_id, form.due_on.data,
                       form.reason.data or "", now=datetime.now(UTC))
        except InvalidSubmission as exc:
            db().rollback()
            return render_case_again(user, case_id, error_in="extend",
                                     error=_extension_message(dict(exc.problems)))
        db().commit()
        flash(_("Due date extended. The complainant sees the new date."), "ok")
        return redirect(url_for("case", case_id=case_id))

    @app.post("/cases/<uuid:case_id>/templates")
    @roles_required(*CASE_ROLES)
    def case_template_add(case_id: uuid.UUID) -> Response | tuple[str, int]:
        user = current_staff()
        form = TemplateForm()
        complaint = case_for_member(db(), user.account.id, case_id)
        try:
            if not form.validate():
                raise InvalidSubmission({"title": "required"})
            save_template(db(), user.account.id, complaint.unit_id, form.title.data or "",
                          form.body.data or "")
        except InvalidSubmission:
            db().rollback()
            return render_case_again(user, case_id, error_in="templates", error=str(_(
                "A reply template needs a title (at most 100 characters) and a message. "
                "Nothing was saved.")))
        db().commit()
        flash(_("Reply template saved."), "ok")
        return redirect(url_for("case", case_id=case_id, _anchor="status-form"))

    @app.post("/cases/<uuid:case_id>/templates/<int:template_id>/delete")
    @roles_required(*CASE_ROLES)
    def case_template_delete(case_id: uuid.UUID, template_id: int) -> Response:
        user = current_staff()
        case_for_member(db(), user.account.id, case_id)
        form = FlaskForm()
        if form.validate():
            with contextlib.suppress(InvalidSubmission):
                delete_template(db(), user.account.id, template_id)
                db().commit()
                flash(_("Reply template deleted."), "ok")
        return redirect(url_for("case", case_id=case_id, _anchor="templates"))
