"""Flask-WTF forms of the organisation pages: the agency profile, a unit, a category.

Each carries a CSRF token. Shapes and lengths are checked here with WTForms' validators (the same
limits as the organisation file, :mod:`rongrian.admin.orgfile`); the rules across records (the
unit tree, whistleblower categories in the integrity unit) are the domain's
(:mod:`rongrian.admin.org_changes`), whose problem codes the views turn into messages.
"""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from rongrian.admin.orgfile import CATEGORY_CODE, LINE_ID, MAX_DAYS, UNIT_CODE
from rongrian.intake.retention import MAX_YEARS

_REQUIRED = _l("This is required.")
_TOO_LONG = _l("This is too long.")


def _text(label: str, limit: int, *, required: bool = False) -> StringField:
    first = DataRequired(message=_REQUIRED) if required else Optional()
    return StringField(label, validators=[first, Length(max=limit, message=_TOO_LONG)])


class AgencyForm(FlaskForm):  # type: ignore[misc]  # flask_wtf has no type hints
    """The agency's profile and an optional new emblem (PNG or JPEG) or its removal."""

    name_th = _text(_l("Name in Thai"), 200, required=True)
    name_en = _text(_l("Name in English"), 200, required=True)
    short_name = _text(_l("Short name"), 100)
    address = _text(_l("Address"), 500)
    hotline = _text(_l("Hotline"), 64)
    office_hours = _text(_l("Office hours"), 200)
    website = StringField(_l("Web site"), validators=[
        Optional(), Length(max=200, message=_TOO_LONG),
        Regexp(r"^https?://[^\s/]+\.[^\s]+$",
               message=_l("A web address such as https://example.go.th")),
    ])
    line_official_account = StringField(_l("LINE Official Account"), validators=[
        Optional(), Regexp(LINE_ID.pattern, message=_l("A LINE id starting with @, e.g. @tuayang")),
    ])
    emblem = FileField(_l("New emblem (PNG or JPEG)"))
    remove_emblem = BooleanField(_l("Remove the emblem"))


class UnitForm(FlaskForm):  # type: ignore[misc]
    """A unit: ``code`` (new units only), names, ``parent`` (unit id) and ``active``."""

    code = StringField(_l("Code"), validators=[
        Optional(), Regexp(UNIT_CODE.pattern, message=_l(
            "Up to 32 English letters, digits, '.', '_' or '-', starting with a letter.")),
    ])
    name_th = _text(_l("Name in Thai"), 200, required=True)
    name_en = _text(_l("Name in English"), 200)
    parent = SelectField(_l("Parent unit"), choices=[], validate_choice=False)
    active = BooleanField(_l("Active"), default=True)


class CategoryForm(FlaskForm):  # type: ignore[misc]
    """A category: ``code`` (new ones only), names, kind, sensitivity, default ``unit`` (id),
    service-standard ``days`` and ``active``."""

    code = StringField(_l("Code"), validators=[
        Optional(), Regexp(CATEGORY_CODE.pattern, message=_l(
            "Up to 32 lower-case English letters, digits, '.', '_' or '-', starting with a "
            "letter.")),
    ])
    name_th = _text(_l("Name in Thai"), 200, required=True)
    name_en = _text(_l("Name in English"), 200)
    kind = SelectField(_l("Kind of matter"), choices=[], validate_choice=False)
    sensitivity = SelectField(_l("Sensitivity"), choices=[], validate_choice=False)
    unit = SelectField(_l("Default unit"), choices=[], validate_choice=False)
    days = IntegerField(_l("Service standard (working days)"), validators=[
        DataRequired(message=_l("A whole number of working days from 1 to %(max)s.",
                                max=MAX_DAYS)),
        NumberRange(min=1, max=MAX_DAYS, message=_l(
            "A whole number of working days from 1 to %(max)s.", max=MAX_DAYS)),
    ])
    active = BooleanField(_l("Active (offered to citizens)"), default=True)
    #: Resolving needs an "after" photo (issue 9 §3).
    needs_evidence = BooleanField(_l("Resolving needs an “after” photo"), default=False)
    #: One keyword a line (issue 12: suggesting the category from the citizen's text).
    keywords = TextAreaField(_l("Keywords (one a line)"), validators=[Optional()])
    #: Years finished cases are kept (issue 9 §5); empty on a new category: 5.
    retention_years = IntegerField(_l("Keep finished cases for (years)"), validators=[
        Optional(), NumberRange(min=1, max=MAX_YEARS, message=_l(
            "A whole number of years from 1 to %(max)s.", max=MAX_YEARS)),
    ])
