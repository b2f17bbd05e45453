"""The case page's move forms: re-route to another unit, escalate to the organisation level.

Shared by the case page (:mod:`.cases`) and the move routes (:mod:`.custody`).
"""

import uuid

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField

from rongrian.intake.models import Complaint
from rongrian.intake.transfers import ORGANISATION_LEVEL, target_units
from rongrian.web.app import current_locale, db


class RerouteForm(FlaskForm):  # type: ignore[misc]
    """``unit`` (a unit code; choices set per case) and ``reason``."""

    unit = SelectField(_l("Move to unit"), choices=[])
    reason = TextAreaField(_l("Reason"))


class EscalateForm(FlaskForm):  # type: ignore[misc]
    """``reason``: why the case goes to the organisation level."""

    reason = TextAreaField(_l("Reason"))


def move_forms(case_id: uuid.UUID, reroute_form: RerouteForm | None = None,
               escalate_form: EscalateForm | None = None
               ) -> tuple[RerouteForm, EscalateForm | None]:
    """The case page's two move forms: re-route (units offered) and escalate (``None`` when the
    case is already at the organisation level)."""
    complaint = db().get(Complaint, case_id)
    form = reroute_form or RerouteForm(formdata=None)
    if complaint is None:
        return form, None
    locale = current_locale()
    form.unit.choices = [("", str(_("Choose a unit")))] + [
        (unit.code, unit.name_en if locale == "en" else unit.name_th)
        for unit in target_units(db(), complaint)
    ]
    if complaint.unit.level == ORGANISATION_LEVEL:
        return form, None
    return form, escalate_form or EscalateForm(formdata=None)
