"""Unit staff triage: the case list of my units, the case page, status changes and replies.

Every case is opened with the logged-in member's unlocked key (:mod:`rongrian.intake.casework`).
A case of another unit answers 404 exactly like one that does not exist; a member whose key has
not been granted yet gets a page saying so (403). Executives never see case content (403). The
complainant's identity is never shown here: it is sealed to the identity custodian alone.
"""

import uuid

from flask import Flask, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from rongrian.admin.web.auth import StaffUser, current_staff, roles_required
from rongrian.admin.web.cleaning import UploadRefused
from rongrian.admin.web.closing_forms import (
    AssignForm,
    CloseForm,
    ExtendForm,
    TemplateForm,
    chosen_photos,
    cleaned_photos,
    closing_message,
)
from rongrian.admin.web.forms import ReplyForm, StatusForm
from rongrian.admin.web.move_forms import EscalateForm, RerouteForm, move_forms
from rongrian.intake.assignment import unit_officers
from rongrian.intake.attachments import discard_files, list_attachments
from rongrian.intake.casework import CaseDetail, case_for_member, open_case, reply
from rongrian.intake.closing import agency_files, move_case, templates_for
from rongrian.intake.errors import (
    ComplaintNotFound,
    InvalidSubmission,
    InvalidTransition,
    KeyNotGranted,
)
from rongrian.intake.models import Role, Status, Unit
from rongrian.intake.seen import mark_seen
from rongrian.intake.store import LIMITS
from rongrian.intake.transfers import REASON_MAX as MOVE_REASON_MAX
from rongrian.intake.transfers import REASON_MIN as MOVE_REASON_MIN
from rongrian.intake.workflow import FINISHED, allowed_next
from rongrian.web.app import ERRORS, current_locale, db, settings_of
from rongrian.web.labels import label

#: Roles that may use the case pages. Access to each case still follows unit membership, so an
#: administrator without a unit sees an empty list.
CASE_ROLES = (Role.STAFF, Role.CUSTODIAN, Role.ADMIN)


def _problem_message(field: str, code: str) -> str:
    limit = LIMITS.get(field, 0)
    if code == "required":
        return str(_("Please write a reply before sending it."))
    if field == "note":
        return str(_("The note is too long: at most %(limit)s characters.", limit=f"{limit:,}"))
    return str(_("The reply is too long: at most %(limit)s characters.", limit=f"{limit:,}"))


def _named_unit(detail: CaseDetail) -> Unit | None:
    if not detail.named_unit_code:
        return None
    return db().scalars(select(Unit).where(Unit.code == detail.named_unit_code)).first()


def _render_case(detail: CaseDetail, status_form: StatusForm, reply_form: ReplyForm, *,
                 error: str | None = None, error_in: str = "", code: int = 200,
                 reroute_form: RerouteForm | None = None,
                 escalate_form: EscalateForm | None = None) -> tuple[str, int]:
    """The case page; ``error`` is shown at the top and in the form named by ``error_in``
    (``status``, ``reply``, ``reroute`` or ``escalate``)."""
    locale = current_locale()
    status_form.status.choices = [
        (status.value, label("status", status, locale))
        for status in allowed_next(detail.summary.status)
    ]
    reroute_form, escalate_form = move_forms(detail.summary.id, reroute_form, escalate_form)
    casework = _casework_context(detail, status_form)
    page = render_template(
        "case.html",
        case=detail,
        named_unit=_named_unit(detail),
        attachments=list_attachments(db(), current_staff().unlocked, detail.summary.id),
        status_form=status_form,
        reply_form=reply_form,
        reroute_form=reroute_form,
        escalate_form=escalate_form,
        error=error,
        error_in=error_in,
        note_limit=LIMITS["note"],
        reply_limit=LIMITS["reply"],
        reason_min=MOVE_REASON_MIN,
        reason_max=MOVE_REASON_MAX,
        **casework,
    )
    return page, code


def _casework_context(detail: CaseDetail, status_form: StatusForm) -> dict[str, object]:
    """Issue 9's part of the case page: the officer, the clocks, the forms and templates."""
    complaint = case_for_member(db(), current_staff().account.id, detail.summary.id)
    officers = unit_officers(db(), complaint.unit_id)
    assign_form = AssignForm(formdata=None)
    assign_form.officer.choices = [(str(a.id), a.display_name) for a in officers]
    assign_form.officer.data = str(complaint.assigned_to_id or "")
    templates = templates_for(db(), complaint.unit_id)
    if isinstance(status_form, CloseForm):
        status_form.template.choices = [("", "—"), *((str(t.id), t.title) for t in templates)]
    return {
        "complaint": complaint,
        "assigned": next((a for a in officers if a.id == complaint.assigned_to_id), None),
        "assign_form": assign_form,
        "extend_form": ExtendForm(formdata=None),
        "template_form": TemplateForm(formdata=None),
        "reply_templates": templates,
        "agency_file_ids": agency_files(db(), complaint.id),
        "finishing": [status.value for status in FINISHED],
        "needs_evidence": complaint.category.needs_evidence,
    }


def _open(user: StaffUser, case_id: uuid.UUID) -> CaseDetail:
    """Open a case in the user's session and commit its audit entry (the opening is recorded
    before the content is shown); domain errors go to the app's handlers."""
    detail = open_case(db(), user.unlocked, case_id)
    mark_seen(db(), user.account.id, case_id)  # issue 9: clears "new from the complainant"
    db().commit()
    return detail


def render_case_again(user: StaffUser, case_id: uuid.UUID, *, error: str, error_in: str,
                      reroute_form: RerouteForm | None = None,
                      escalate_form: EscalateForm | None = None) -> tuple[str, int]:
    """The case page after a refused move (the caller rolled it back), with the message (400)."""
    return _render_case(_open(user, case_id), CloseForm(formdata=None),
                        ReplyForm(formdata=None), error=error, error_in=error_in, code=400,
                        reroute_form=reroute_form, escalate_form=escalate_form)


def _refused(user: StaffUser, case_id: uuid.UUID, form: StatusForm, error: str
             ) -> tuple[str, int]:
    """Undo a refused status change and show the case again with the message (400)."""
    db().rollback()
    return _render_case(_open(user, case_id), form, ReplyForm(formdata=None), error=error,
                        error_in="status", code=400)


def _move_with_message(user: StaffUser, case_id: uuid.UUID, target: Status, form: CloseForm
                       ) -> None:
    """Change the status with the note, the message to the complainant (or the chosen reply
    template's text when the message is left empty) and the cleaned "after" photos; commit, or
    delete the photos written if the commit fails. Raises what ``move_case`` raises and
    ``UploadRefused``."""
    message = form.message.data or ""
    if not message.strip() and form.template.data:
        complaint = case_for_member(db(), user.account.id, case_id)
        chosen = {str(t.id): t.body for t in templates_for(db(), complaint.unit_id)}
        message = chosen.get(form.template.data, "")
    directory = settings_of(current_app).attachments_dir
    with cleaned_photos(chosen_photos()) as photos:
        stored = move_case(db(), user.unlocked, case_id, target, note=form.note.data or "",
                           message=message, attachments_dir=directory,
                           evidence=[(item.stream, item.media_type) for item in photos])
        try:
            db().commit()
        except BaseException:
            db().rollback()
            discard_files(directory, stored)
            raise


def _not_found(_error: ComplaintNotFound) -> tuple[str, int]:
    db().rollback()
    title, detail = ERRORS[404]
    return render_template("error.html", status=404, title=title, detail=detail), 404


def _not_granted(_error: KeyNotGranted) -> tuple[str, int]:
    db().rollback()
    return render_template("not_granted.html"), 403


def register(app: Flask) -> None:
    """Add ``/cases/<uuid>`` and its ``/status`` and ``/reply`` to ``app`` (the queue,
    ``/cases``, is :mod:`.queue_pages`)."""
    app.register_error_handler(ComplaintNotFound, _not_found)
    app.register_error_handler(KeyNotGranted, _not_granted)

    @app.get("/cases/<uuid:case_id>")
    @roles_required(*CASE_ROLES)
    def case(case_id: uuid.UUID) -> tuple[str, int]:
        detail = _open(current_staff(), case_id)
        return _render_case(detail, CloseForm(formdata=None), ReplyForm(formdata=None))

    @app.post("/cases/<uuid:case_id>/status")
    @roles_required(*CASE_ROLES)
    def case_status(case_id: uuid.UUID) -> Response | tuple[str, int]:
        user = current_staff()
        form = CloseForm()
        form.status.choices = [(status.value, status.value) for status in Status]
        if not form.validate():
            return _refused(user, case_id, form, _("Please choose one of the statuses offered."))
        target = Status(form.status.data)
        name = label("status", target, current_locale())
        try:
            _move_with_message(user, case_id, target, form)
        except UploadRefused as exc:
            return _refused(user, case_id, form, exc.message)
        except InvalidTransition:
            return _refused(user, case_id, form, _(
                "This case cannot move to “%(status)s” from its current status. "
                "Nothing was changed.", status=name))
        except InvalidSubmission as exc:
            return _refused(user, case_id, form, closing_message(dict(exc.problems)) or
                            _problem_message("note", exc.problems.get("note", "too_long")))
        flash(_("Status changed to “%(status)s”.", status=name), "ok")
        return redirect(url_for("case", case_id=case_id))

    @app.post("/cases/<uuid:case_id>/reply")
    @roles_required(*CASE_ROLES)
    def case_reply(case_id: uuid.UUID) -> Response | tuple[str, int]:
        user = current_staff()
        form = ReplyForm()
        try:
            if not form.validate():
                raise InvalidSubmission({"reply": "required"})
            reply(db(), user.unlocked, case_id, form.text.data or "")
        except InvalidSubmission as exc:
            db().rollback()
            detail = _open(user, case_id)
            field, code = next(iter(exc.problems.items()))
            return _render_case(detail, CloseForm(formdata=None), form,
                                error=_problem_message(field, code), error_in="reply",
                                code=400)
        db().commit()
        flash(_("Your reply was sent. The complainant reads it with their tracking code."), "ok")
        return redirect(url_for("case", case_id=case_id))
