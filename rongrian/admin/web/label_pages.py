"""A unit's labels (issue 9 §1): ``GET/POST /cases/labels`` (list, create),
``POST /cases/labels/<id>/rename`` and ``/delete``, and ``POST /cases/<case>/labels`` (the
labels of a case, from its case page). Domain rules: :mod:`rongrian.intake.labels`.

A refused change shows the page again with the message (400), nothing changed.
"""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from flask import Flask, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response

from rongrian.admin.web.auth import current_staff, roles_required
from rongrian.admin.web.cases import CASE_ROLES, render_case_again
from rongrian.intake.casework import case_for_member
from rongrian.intake.errors import InvalidSubmission
from rongrian.intake.keyring import unit_ids_of
from rongrian.intake.labels import (
    NAME_MAX,
    UNIT_MAX,
    create_label,
    delete_label,
    labels_of_case,
    rename_label,
    set_case_labels,
    unit_labels,
    usage,
)
from rongrian.intake.models import CaseLabel, Unit
from rongrian.web.app import db


@dataclass(frozen=True)
class Labelling:
    """The labels section of a case page: the unit's labels and the ids on the case."""

    available: list[CaseLabel]
    chosen: frozenset[int]


def labelling_of(case_id: uuid.UUID) -> Labelling:
    """The labels of the case's unit and those on the case (for the case page)."""
    complaint = case_for_member(db(), current_staff().account.id, case_id)
    return Labelling(unit_labels(db(), [complaint.unit_id]),
                     frozenset(label.id for label in labels_of_case(db(), complaint)))


def label_message(problems: Mapping[str, str]) -> str:
    """The page message of a refused label change."""
    code = problems.get("name") or problems.get("label") or problems.get("unit", "")
    messages = {
        "required": _("Please write the label's name. Nothing was changed."),
        "too_long": _("A label's name is at most %(max)s characters. Nothing was changed.",
                      max=NAME_MAX),
        "taken": _("Your unit already has a label with this name. Nothing was changed."),
        "too_many": _("A unit may have at most %(max)s labels. Nothing was changed.",
                      max=UNIT_MAX),
        "not_member": _("You can make labels only for a unit you are a member of. Nothing was "
                        "changed."),
    }
    return str(messages.get(code, _("That label is not one of your unit's labels. Nothing "
                                    "was changed.")))


def _render(*, error: str | None = None, code: int = 200) -> tuple[str, int]:
    me = current_staff().account.id
    ids = unit_ids_of(db(), me)
    units = list(db().scalars(select(Unit).where(Unit.id.in_(ids)).order_by(Unit.code))
                 ) if ids else []
    labels = unit_labels(db(), ids)
    return render_template("labels.html", units=units, labels=labels, error=error,
                           used=usage(db(), [label.id for label in labels]),
                           name_max=NAME_MAX), code


def _form_valid() -> bool:
    return bool(FlaskForm().validate())


def _refused(error: InvalidSubmission) -> tuple[str, int]:
    db().rollback()
    return _render(error=label_message(error.problems), code=400)


def _chosen_unit() -> int:
    value = request.form.get("unit", "")
    if value.isascii() and value.isdigit():
        return int(value)
    ids = unit_ids_of(db(), current_staff().account.id)
    return ids[0] if len(ids) == 1 else 0


def _chosen_labels() -> list[int]:
    values = request.form.getlist("label")
    if not all(value.isascii() and value.isdigit() for value in values):
        raise InvalidSubmission({"label": "unknown"})
    return [int(value) for value in values]


def register(app: Flask) -> None:
    """Add the label pages and the case page's label form."""
    app.add_template_global(labelling_of, "labelling_of")

    @app.get("/cases/labels")
    @roles_required(*CASE_ROLES)
    def case_labels() -> tuple[str, int]:
        return _render()

    @app.post("/cases/labels")
    @roles_required(*CASE_ROLES)
    def case_label_add() -> Response | tuple[str, int]:
        if not _form_valid():
            return _render(error=label_message({"name": "required"}), code=400)
        try:
            create_label(db(), current_staff().account.id, _chosen_unit(),
                         request.form.get("name", ""))
        except InvalidSubmission as error:
            return _refused(error)
        db().commit()
        flash(_("Label added."), "ok")
        return redirect(url_for("case_labels"))

    @app.post("/cases/labels/<int:label_id>/rename")
    @roles_required(*CASE_ROLES)
    def case_label_rename(label_id: int) -> Response | tuple[str, int]:
        if not _form_valid():
            return _render(error=label_message({"name": "required"}), code=400)
        try:
            rename_label(db(), current_staff().account.id, label_id,
                         request.form.get("name", ""))
        except InvalidSubmission as error:
            return _refused(error)
        db().commit()
        flash(_("Label renamed."), "ok")
        return redirect(url_for("case_labels"))

    @app.post("/cases/labels/<int:label_id>/delete")
    @roles_required(*CASE_ROLES)
    def case_label_delete(label_id: int) -> Response | tuple[str, int]:
        if not _form_valid():
            return _render(error=label_message({"label": "unknown"}), code=400)
        try:
            carried = delete_label(db(), current_staff().account.id, label_id)
        except InvalidSubmission as error:
            return _refused(error)
        db().commit()
        flash(_("Label deleted and taken off %(count)s cases.", count=carried), "ok")
        return redirect(url_for("case_labels"))

    @app.post("/cases/<uuid:case_id>/labels")
    @roles_required(*CASE_ROLES)
    def case_labels_set(case_id: uuid.UUID) -> Response | tuple[str, int]:
        user = current_staff()
        try:
            if not _form_valid():
                raise InvalidSubmission({"label": "unknown"})
            set_case_labels(db(), user.account.id, case_id, _chosen_labels())
        except InvalidSubmission as error:
            db().rollback()
            return render_case_again(user, case_id, error_in="labels",
                                     error=label_message(error.problems))
        db().commit()
        flash(_("The case's labels were saved."), "ok")
        return redirect(url_for("case", case_id=case_id, _anchor="labels-form"))
