"""Identity custody and case moves in the staff app.

- ``/custodian``: the identity custodian's list of cases (clear fields only, every case: nothing
  says which complainants gave their identity), a search by case number, and the latest reveals
  with their reasons.
- ``/custodian/cases/<uuid>``: the reveal form for one case (a reason is required);
  ``POST …/reveal`` reveals the identity on the answer page only (never stored, never a GET),
  after its audit entry is committed. Only the custodian role reaches these pages (403 for the
  others, and the domain refuses them too: :mod:`rongrian.intake.custody`).
- ``POST /cases/<uuid>/reroute`` and ``…/escalate``: a member of the case's unit moves the case
  to another unit, or to the organisation level, with a reason (:mod:`rongrian.intake.transfers`).
"""

import uuid
from datetime import UTC, datetime, timedelta, timezone

from flask import Flask, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter import Limiter
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import StringField, TextAreaField

from rongrian.admin.web.auth import LIMITER, current_staff, roles_required
from rongrian.admin.web.cases import CASE_ROLES, render_case_again
from rongrian.admin.web.move_forms import EscalateForm, RerouteForm
from rongrian.intake.casework import escalate, reroute
from rongrian.intake.custody import (
    REASON_MAX,
    REASON_MIN,
    custodian_case,
    custodian_cases,
    reveal_history,
    reveal_identity,
)
from rongrian.intake.errors import InvalidSubmission, KeyNotGranted, RevealNotPermitted
from rongrian.intake.keyring import unit_ids_of
from rongrian.intake.models import Complaint, Role, Unit
from rongrian.intake.transfers import REASON_MAX as MOVE_REASON_MAX
from rongrian.intake.transfers import REASON_MIN as MOVE_REASON_MIN
from rongrian.web.app import ERRORS, current_locale, db
from rongrian.web.thaidates import format_date

#: Thailand has one time zone, UTC+7, with no daylight saving time.
THAI_TIME = timezone(timedelta(hours=7))
#: Reveals one custodian may make per hour (a brake on a stolen session revealing in bulk).
REVEAL_LIMIT = "30 per hour"


class RevealForm(FlaskForm):  # type: ignore[misc]  # flask_wtf has no type hints
    """``reason``: why the identity must be revealed (recorded, sealed)."""

    reason = TextAreaField(_l("Reason for revealing the identity"))


class SearchForm(FlaskForm):  # type: ignore[misc]
    """``q``: part of a case number (a GET form: no CSRF token needed)."""

    class Meta:
        csrf = False

    q = StringField(_l("Case number"))


def format_moment(moment: datetime | None) -> str:
    """A UTC time as Thai people read it: Thai time (UTC+7), Buddhist Era in Thai."""
    if moment is None:
        return ""
    local = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(THAI_TIME)
    day = format_date(local.date(), current_locale())
    if current_locale() == "en":
        return f"{day}, {local:%H:%M} (UTC+7)"
    return f"{day} เวลา {local:%H.%M} น."


def _reason_message(code: str, minimum: int, maximum: int) -> str:
    if code == "required":
        return str(_("Please write the reason."))
    if code == "too_short":
        return str(_("The reason is too short: write at least %(count)s characters.",
                     count=minimum))
    return str(_("The reason is too long: at most %(count)s characters.", count=f"{maximum:,}"))


_UNIT_MESSAGES = {
    "unknown": _l("Please choose one of the units offered."),
    "same": _l("The case is already at this unit."),
    "no_key_holders": _l("Nobody in that unit holds its key yet, so nobody could open the case "
                         "there. Choose another unit or ask an administrator."),
}


def _move_message(exc: InvalidSubmission) -> str:
    if "unit" in exc.problems:
        return str(_UNIT_MESSAGES.get(exc.problems["unit"], _UNIT_MESSAGES["unknown"]))
    return _reason_message(exc.problems.get("reason", "required"), MOVE_REASON_MIN,
                           MOVE_REASON_MAX)


def _refused(error: RevealNotPermitted) -> tuple[str, int]:
    db().rollback()
    title, detail = ERRORS[403]
    return render_template("error.html", status=403, title=title, detail=detail), 403


def _account_key() -> str:
    """Rate-limit key of the reveal: the custodian's account (not the client address)."""
    return f"reveal:{current_staff().account.id}"


def _reveal_page(case_id: uuid.UUID, form: RevealForm, *, error: str | None = None,
                 code: int = 200) -> tuple[str, int]:
    user = current_staff()
    case = custodian_case(db(), user.account.id, case_id)
    complaint = db().get(Complaint, case_id)
    member = complaint is not None and complaint.unit_id in unit_ids_of(db(), user.account.id)
    return render_template("custodian_case.html", case=case, form=form, error=error,
                           member=member, reason_min=REASON_MIN, reason_max=REASON_MAX), code


def _register_custodian(app: Flask) -> None:
    limiter: Limiter = app.extensions[LIMITER]

    @app.get("/custodian")
    @roles_required(Role.CUSTODIAN)
    def custodian() -> tuple[str, int]:
        user = current_staff()
        search = SearchForm(request.args)
        wanted = (search.q.data or "").strip()[:16]
        history_error = False
        try:
            history = reveal_history(db(), user.unlocked)
        except KeyNotGranted:
            history, history_error = [], True
        return render_template(
            "custodian.html", cases=custodian_cases(db(), user.account.id, case_number=wanted),
            search=search, wanted=wanted, history=history, history_error=history_error,
        ), 200

    @app.get("/custodian/cases/<uuid:case_id>")
    @roles_required(Role.CUSTODIAN)
    def custodian_case_page(case_id: uuid.UUID) -> tuple[str, int]:
        return _reveal_page(case_id, RevealForm(formdata=None))

    @app.post("/custodian/cases/<uuid:case_id>/reveal")
    @roles_required(Role.CUSTODIAN)
    @limiter.limit(REVEAL_LIMIT, key_func=_account_key)
    def custodian_reveal(case_id: uuid.UUID) -> tuple[str, int]:
        user = current_staff()
        form = RevealForm()
        if not form.validate():
            return _reveal_page(case_id, form, error=str(_("The form expired. Please try "
                                                             "again.")), code=400)
        try:
            revealed = reveal_identity(db(), user.unlocked, case_id, form.reason.data or "")
        except InvalidSubmission as exc:
            db().rollback()
            message = _reason_message(exc.problems.get("reason", "required"), REASON_MIN,
                                      REASON_MAX)
            return _reveal_page(case_id, form, error=message, code=400)
        db().commit()  # the audit entry is kept before anything is shown
        return render_template("revealed.html", revealed=revealed, case_id=case_id), 200


def _register_moves(app: Flask) -> None:

    @app.post("/cases/<uuid:case_id>/reroute")
    @roles_required(*CASE_ROLES)
    def case_reroute(case_id: uuid.UUID) -> Response | tuple[str, int]:
        user = current_staff()
        form = RerouteForm()
        form.unit.choices = [(code, code) for code in db().scalars(select(Unit.code))]
        try:
            if not form.validate():
                raise InvalidSubmission({"unit": "unknown"})
            reroute(db(), user.unlocked, case_id, form.unit.data or "", form.reason.data or "")
        except InvalidSubmission as exc:
            db().rollback()
            return render_case_again(user, case_id, error=_move_message(exc),
                                     error_in="reroute", reroute_form=form)
        moved = db().get(Complaint, case_id)
        name = "" if moved is None else (moved.unit.name_en if current_locale() == "en"
                                         else moved.unit.name_th)
        db().commit()
        flash(_("The case was moved to %(unit)s. Your unit can no longer open it.", unit=name),
              "ok")
        return redirect(url_for("cases"))

    @app.post("/cases/<uuid:case_id>/escalate")
    @roles_required(*CASE_ROLES)
    def case_escalate(case_id: uuid.UUID) -> Response | tuple[str, int]:
        user = current_staff()
        form = EscalateForm()
        try:
            if not form.validate():
                raise InvalidSubmission({"reason": "required"})
            escalate(db(), user.unlocked, case_id, form.reason.data or "")
        except InvalidSubmission as exc:
            db().rollback()
            return render_case_again(user, case_id, error=_move_message(exc),
                                     error_in="escalate", escalate_form=form)
        db().commit()
        flash(_("The case was escalated to the organisation level. Your unit can no longer "
                "open it."), "ok")
        return redirect(url_for("cases"))


def register(app: Flask) -> None:
    """Add ``/custodian`` (list, reveal form, reveal) and the case moves to ``app``."""
    app.register_error_handler(RevealNotPermitted, _refused)
    app.add_template_global(format_moment, "format_moment")
    _register_custodian(app)
    _register_moves(app)
