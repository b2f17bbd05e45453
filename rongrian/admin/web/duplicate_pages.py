"""The case page's "duplicate of" section (issue 9 §1; :mod:`rongrian.intake.duplicates`).

``POST /cases/<case>/duplicate`` (field ``original``: a case number such as ``2569/000123``)
marks the case a duplicate and closes it with the automatic reply; ``POST
/cases/<case>/duplicate/undo`` undoes it. A refusal shows the case page again with the message
(400), nothing changed. The template global ``duplicate_links(case_id)`` gives the page the
original, the duplicates and the form.
"""

import uuid
from dataclasses import dataclass

from flask import Flask, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import StringField

from rongrian.admin.web.auth import current_staff, roles_required
from rongrian.admin.web.cases import CASE_ROLES, render_case_again
from rongrian.intake.casework import case_for_member
from rongrian.intake.duplicates import (
    DuplicateRefused,
    LinkedCase,
    duplicates_of,
    mark_duplicate,
    original_of,
    undo_duplicate,
)
from rongrian.web.app import db

#: Longest text accepted in the case-number field (a number is 11 characters).
NUMBER_MAX = 32


class DuplicateForm(FlaskForm):  # type: ignore[misc]
    """``original``: the case number of the case this one duplicates."""

    original = StringField(_l("Duplicate of case number"))


@dataclass(frozen=True)
class DuplicateLinks:
    """What the case page shows: the original (when the case is a duplicate), the cases that
    duplicate it, and the form."""

    original: LinkedCase | None
    duplicates: list[LinkedCase]
    form: DuplicateForm


def duplicate_links(case_id: uuid.UUID) -> DuplicateLinks:
    """The links of a case the current member may see (template global); after a refused
    link the form keeps what was typed."""
    complaint = case_for_member(db(), current_staff().account.id, case_id)
    typed = request.form.get("original", "") if request.endpoint == "case_duplicate" else ""
    return DuplicateLinks(original_of(complaint), duplicates_of(db(), complaint.id),
                          DuplicateForm(formdata=None, original=typed[:NUMBER_MAX]))


def refusal_message(refused: DuplicateRefused, typed: str = "") -> str:
    """The page's message for a refused link (Thai through the catalog, English msgid)."""
    messages = {
        "malformed": _("Please write the case number like 2569/000123. Nothing was changed."),
        "unknown": _("There is no case %(number)s among your units' cases. Nothing was "
                     "changed.", number=typed.strip()[:NUMBER_MAX]),
        "same": _("A case cannot be a duplicate of itself. Nothing was changed."),
        "chain": _("Case %(number)s is itself a duplicate of case %(original)s: mark this case "
                   "as a duplicate of %(original)s instead. Nothing was changed.",
                   number=typed.strip()[:NUMBER_MAX], original=refused.original or ""),
        "already_duplicate": _("This case is already a duplicate of case %(original)s. Undo "
                               "that first. Nothing was changed.",
                               original=refused.original or ""),
        "has_duplicates": _("Other cases are marked as duplicates of this one, so it cannot "
                            "become a duplicate itself. Undo those first. Nothing was changed."),
        "finished": _("This case is finished, so it cannot be marked as a duplicate. Nothing "
                      "was changed."),
        "original_finished": _("Case %(number)s is finished: a case can be joined only with "
                               "an open case. Nothing was changed.",
                               number=typed.strip()[:NUMBER_MAX]),
        "not_duplicate": _("This case is not marked as a duplicate. Nothing was changed."),
    }
    return str(messages.get(refused.code, messages["malformed"]))


def register(app: Flask) -> None:
    """Add the two routes and the ``duplicate_links`` template global."""
    app.add_template_global(duplicate_links, "duplicate_links")

    @app.post("/cases/<uuid:case_id>/duplicate")
    @roles_required(*CASE_ROLES)
    def case_duplicate(case_id: uuid.UUID) -> Response | tuple[str, int]:
        user = current_staff()
        form = DuplicateForm()
        typed = form.original.data or ""
        try:
            if not form.validate() or len(typed) > NUMBER_MAX:
                raise DuplicateRefused("malformed")
            original = mark_duplicate(db(), user.unlocked, case_id, typed)
        except DuplicateRefused as exc:
            db().rollback()
            return render_case_again(user, case_id, error_in="duplicate",
                                     error=refusal_message(exc, typed))
        number = original.case_number
        db().commit()
        flash(_("Marked as a duplicate of case %(number)s and closed. The complainant is told "
                "at the tracking page.", number=number), "ok")
        return redirect(url_for("case", case_id=case_id))

    @app.post("/cases/<uuid:case_id>/duplicate/undo")
    @roles_required(*CASE_ROLES)
    def case_duplicate_undo(case_id: uuid.UUID) -> Response | tuple[str, int]:
        user = current_staff()
        form = FlaskForm()
        try:
            if not form.validate():
                raise DuplicateRefused("not_duplicate")
            undo_duplicate(db(), user.unlocked, case_id)
        except DuplicateRefused as exc:
            db().rollback()
            return render_case_again(user, case_id, error_in="duplicate",
                                     error=refusal_message(exc))
        db().commit()
        flash(_("The case is no longer a duplicate and has its former status again."), "ok")
        return redirect(url_for("case", case_id=case_id))
