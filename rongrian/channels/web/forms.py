"""Forms of the citizen pages (Flask-WTF, so every POST carries a CSRF token) and the messages
that turn the domain's problem codes into words in the reader's language.

The forms check what only the web adds (the CSRF token, the offered choices, lengths, so an
oversized field gets a field error); :mod:`rongrian.intake.store` checks the rest and reports
problems as ``{field: "required" | "too_long" | "unknown" | "invalid"}``, which
:func:`problem_message` words. Both paths use the same messages.
"""

import re
from collections.abc import Iterable, Mapping
from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import ValidationError

from rongrian.channels.web.widgets import FileInput, TextArea, TextInput
from rongrian.intake.errors import InvalidSubmission
from rongrian.intake.identifiers import Finding, IdentifierKind, identifiers_in_fields
from rongrian.intake.models import Kind
from rongrian.intake.notices import FIELD as NOTICE_FIELD
from rongrian.intake.notices import check_address
from rongrian.intake.store import LIMITS, Identity, Submission, clean_text
from rongrian.web.app import current_locale, request_translations
from rongrian.web.labels import label

#: Channels a web form may record: ``qr`` when the person came from a QR poster, else ``web``.
WEB_CHANNELS = ("web", "qr")
ANONYMOUS = "anonymous"
NAMED = "named"
#: Inputs accept up to this many times a field's limit, so a long paste is answered with a
#: "too long" message keeping the text, while the whole form stays below the request size cap.
INPUT_SLACK = 2


def _(text: str, **variables: Any) -> str:
    """Flask-Babel's ``gettext`` (``text`` in the current language, formatted with
    ``variables`` when there are any), through the request's translations looked up once
    (:func:`rongrian.web.app.request_translations`; issue 11)."""
    translated = str(request_translations().ugettext(text))
    return translated % variables if variables else translated


def field_name(field: str) -> str:
    """The name of a form field as people read it, in the current language."""
    names = {
        "kind": _("Kind of matter"),
        "category": _("Category"),
        "unit": _("Unit concerned"),
        "what_happened": _("What happened"),
        "when_happened": _("When"),
        "where_happened": _("Where"),
        "who_involved": _("Who is involved"),
        "identity": _("Anonymous or named"),
        "name": _("Name"),
        "phone": _("Phone"),
        "email": _("E-mail"),
        "information": _("More information"),
        "code": _("Tracking code"),
        "notice_email": _("E-mail for notices"),
    }
    return names.get(field, field)


def _specific_message(field: str, problem: str) -> str | None:
    messages = {
        ("kind", "required"): _("Please choose what kind of matter this is."),
        ("kind", "unknown"): _("Please choose one of the kinds listed."),
        ("category", "required"): _("Please choose a category."),
        ("category", "unknown"): _("Please choose a category from the list."),
        ("unit", "unknown"): _("Please choose a unit from the list, or leave it as “Not sure”."),
        ("channel", "unknown"): _("The form was changed in transit. Please send it again."),
        ("identity", "unknown"): _("Please choose to stay anonymous or to give your name."),
        ("what_happened", "required"): _("Please tell us what happened."),
        ("name", "required"): _("Please give your name, or choose to stay anonymous."),
        ("phone", "invalid"): _("The phone number should be digits only, "
                                "like 081 234 5678 or +66 81 234 5678."),
        ("email", "invalid"): _("The e-mail address should look like name@example.com."),
        ("information", "required"): _("Please type the information you want to add."),
        ("notice_email", "invalid"): _("The e-mail address for notices should look like "
                                       "name@example.com (Latin letters only)."),
        ("notice_email", "required"): _("Please type the e-mail address for notices."),
        ("notice_email", "too_long"): _("The e-mail address for notices is too long: at most "
                                        "254 characters."),
        ("notice_email", "unavailable"): _("E-mail notices are not offered at the moment."),
        ("notice_email", "finished"): _("This case is finished, so no more notices will be "
                                        "sent."),
    }
    return messages.get((field, problem))


def problem_message(field: str, problem: str) -> str:
    """Words for the domain problem code ``problem`` of ``field`` in the current language."""
    specific = _specific_message(field, problem)
    if specific is not None:
        return specific
    name = field_name(field)
    if problem == "too_long" and field in LIMITS:
        return _("“%(field)s” is too long: at most %(limit)s characters. "
                 "Please shorten it.", field=name, limit=f"{LIMITS[field]:,}")
    if problem == "required":
        return _("Please fill in “%(field)s”.", field=name)
    return _("Please check “%(field)s”.", field=name)


def csrf_message() -> str:
    """What an expired or missing form token means for the person."""
    return _("The form expired or could not be checked, so nothing was sent yet. "
             "Please check it and press the button again.")


class WithinLimit:
    """Validator: the cleaned text is at most ``LIMITS[key]`` characters (as the core counts)."""

    def __init__(self, key: str) -> None:
        self.key = key

    def __call__(self, _form: Any, field: Any) -> None:
        if len(clean_text(field.data or "")) > LIMITS[self.key]:
            raise ValidationError(problem_message(self.key, "too_long"))


def _limited(key: str) -> dict[str, Any]:
    return {"validators": [WithinLimit(key)],
            "render_kw": {"maxlength": LIMITS[key] * INPUT_SLACK}}


#: The widgets of the citizen forms' fields: WTForms' own, writing the same markup faster
#: (:mod:`.widgets`). Widgets keep no state, so one of each serves every field.
_TEXT = {"widget": TextInput()}
_AREA = {"widget": TextArea()}
_FILES = {"widget": FileInput(multiple=True)}


def add_problems(form: Any, problems: Mapping[str, str]) -> None:
    """Attach domain problems to the fields of ``form`` that have no error yet."""
    for field, problem in problems.items():
        target = getattr(form, field, None)
        if target is None or target.errors:
            continue
        target.errors = [*target.errors, problem_message(field, problem)]


def has_csrf_error(form: Any) -> bool:
    """Whether ``form``'s token was missing, expired or forged."""
    token = getattr(form, "csrf_token", None)
    return bool(token is not None and token.errors)


class ReportForm(FlaskForm):  # type: ignore[misc]
    """The complaint form. Choices are filled per request by :meth:`offer`.

    ``kind`` is not shown (issue 12): it is the chosen category's kind unless a client sends a
    valid one (the form before issue 12 asked for it); ``category`` is the one question."""

    kind = RadioField(validate_choice=False)
    category = RadioField(validate_choice=False)
    unit = SelectField(validate_choice=False)
    channel = HiddenField(default="web")
    #: The QR poster's id from its link (``place=``); recorded only when it is registered.
    place = HiddenField(default="")
    what_happened = TextAreaField(**_limited("what_happened"), **_AREA)
    when_happened = StringField(**_limited("when_happened"), **_TEXT)
    where_happened = StringField(**_limited("where_happened"), **_TEXT)
    who_involved = TextAreaField(**_limited("who_involved"), **_AREA)
    identity = RadioField(default=ANONYMOUS, validate_choice=False)
    name = StringField(**_limited("name"), **_TEXT)
    phone = StringField(**_limited("phone"), **_TEXT)
    email = StringField(**_limited("email"), **_TEXT)
    #: Ticked after the warning that the text holds an ID number, phone number or e-mail.
    identifiers_checked = BooleanField()
    #: One-time token: a second POST of this form files nothing (:mod:`.once`).
    submission_token = HiddenField()
    #: Photos and documents (checked and cleaned by :mod:`rongrian.channels.web.uploads`):
    #: ``attachments`` is the camera button at the top, ``documents`` the picker of any allowed
    #: file under "more"; both are filed alike.
    attachments = MultipleFileField(**_FILES)
    documents = MultipleFileField(**_FILES)
    #: Optional address for "something changed, use your code" notices (issue 9 §4), sealed to
    #: the notifier key (:mod:`rongrian.intake.notices`); shown only when notices are offered.
    notice_email = StringField(render_kw={"maxlength": 254 * INPUT_SLACK}, **_TEXT)
    #: Whether the page offers notices (:func:`rongrian.channels.web.notices.available`); an
    #: address posted when they are not offered is ignored.
    notices_offered = False

    #: The place as a point (issue 12): set by the map pin, "use my location" or the photo's
    #: own GPS (static/place.js); checked by :func:`point_of`, appended to "where".
    latitude = HiddenField(default="")
    longitude = HiddenField(default="")

    def offer(self, categories: Iterable[tuple[str, str]], units: Iterable[tuple[str, str]]
              ) -> None:
        """Fill the choices: ``categories`` and ``units`` are ``(code, name)`` pairs."""
        locale = current_locale()
        self.kind.choices = [(kind.value, label("kind", kind, locale)) for kind in Kind]
        self.category.choices = list(categories)
        self.unit.choices = [("", _("Not sure: let the agency decide")), *units]
        self.identity.choices = [(ANONYMOUS, _("Stay anonymous")),
                                 (NAMED, _("Give my name and contact"))]

    def validate_unit(self, field: Any) -> None:
        """Only an offered unit (or none) may be named."""
        offered = {value for value, _label in self.unit.choices}
        if field.data and field.data not in offered:
            raise ValidationError(problem_message("unit", "unknown"))

    def validate_notice_email(self, field: Any) -> None:
        """Empty, or an address :func:`rongrian.intake.notices.check_address` accepts."""
        if not self.notices_offered or not (field.data or "").strip():
            return
        try:
            check_address(field.data)
        except InvalidSubmission as exc:
            raise ValidationError(problem_message(NOTICE_FIELD, exc.problems[NOTICE_FIELD]
                                                  )) from exc

    def validate_identity(self, field: Any) -> None:
        """``anonymous`` or ``named``; a missing choice counts as anonymous."""
        if field.data not in (None, "", ANONYMOUS, NAMED):
            raise ValidationError(problem_message("identity", "unknown"))

    def validate_latitude(self, field: Any) -> None:
        """Both halves of the point or neither, each a number in range with at most six
        decimals (:func:`point_of`). A bad point is dropped, the rest of the form kept."""
        try:
            point_of(field.data, self.longitude.data)
        except ValueError as exc:
            field.data = self.longitude.data = ""
            raise ValidationError(_("The place on the map could not be used (a latitude from "
                                    "-90 to 90 and a longitude from -180 to 180, with at most "
                                    "6 decimals). Please place the pin again, or type the "
                                    "place.")) from exc

    def validate_where_happened(self, field: Any) -> None:
        """With a point, "where" must leave room for it within its limit."""
        if field.errors or self.latitude.errors:
            return
        joined = self.where_text()
        if len(joined) > LIMITS["where_happened"]:
            room = LIMITS["where_happened"] - (len(joined) - len(clean_text(field.data or "")))
            raise ValidationError(_("“%(field)s” is too long: at most %(limit)s characters "
                                    "with the place on the map. Please shorten it.",
                                    field=field_name("where_happened"), limit=f"{room:,}"))

    def pinned(self) -> str:
        """The point as shown, ``13.756300, 100.501800``, or ``""`` (none, or a bad one)."""
        try:
            point = point_of(self.latitude.data, self.longitude.data)
        except ValueError:
            return ""
        return "" if point is None else f"{point[0]:.6f}, {point[1]:.6f}"

    def point_text(self) -> str:
        """The point as it is filed, ``พิกัด 13.756300, 100.501800``, or ``""``."""
        pinned = self.pinned()
        return f"{_('location')} {pinned}" if pinned else ""

    def where_text(self) -> str:
        """"Where" as filed: the text, then the point in brackets (the point alone without
        text), like a LINE location (:mod:`rongrian.channels.line.flow`)."""
        where = clean_text(self.where_happened.data or "")
        point = self.point_text()
        if where and point:
            return f"{where} ({point})"
        return where or point

    def channel_value(self) -> str:
        """``qr`` or ``web``; anything else a client sends counts as ``web``."""
        return "qr" if self.channel.data == "qr" else "web"

    def submission(self) -> Submission:
        """What the person typed, for the core. Contact details are dropped unless they chose
        to be named."""
        identity = None
        if self.identity.data == NAMED:
            identity = Identity(self.name.data or "", self.phone.data or "",
                                self.email.data or "")
        return Submission(
            kind=self.kind.data or "",
            category_code=self.category.data or "",
            unit_code=self.unit.data or None,
            channel=self.channel_value(),
            what_happened=self.what_happened.data or "",
            when_happened=self.when_happened.data or "",
            where_happened=self.where_text(),
            who_involved=self.who_involved.data or "",
            identity=identity,
            place=(self.place.data or "")[:32],
        )


_COORDINATE = re.compile(r"-?[0-9]{1,3}(\.[0-9]{1,6})?")


def point_of(latitude: str | None, longitude: str | None) -> tuple[float, float] | None:
    """The point ``(latitude, longitude)`` in decimal degrees (WGS 84, as browsers and EXIF
    give it) from the form's two fields, or ``None`` when both are empty.

    Each is a plain decimal with at most six decimals (about 0.1 m: more says nothing about a
    street light), latitude within ±90 and longitude within ±180. Raises ``ValueError`` for one
    without the other, or anything else."""
    lat_text, lon_text = (latitude or "").strip(), (longitude or "").strip()
    if not lat_text and not lon_text:
        return None
    if not (_COORDINATE.fullmatch(lat_text) and _COORDINATE.fullmatch(lon_text)):
        raise ValueError("not a decimal with at most 6 decimals")
    point = float(lat_text), float(lon_text)
    if not (-90 <= point[0] <= 90 and -180 <= point[1] <= 180):
        raise ValueError("out of range")
    return point


def identifier_kind_name(kind: IdentifierKind) -> str:
    """What kind of identifier was found, in the current language."""
    names = {
        IdentifierKind.NATIONAL_ID: _("a national ID number"),
        IdentifierKind.PHONE: _("a phone number"),
        IdentifierKind.EMAIL: _("an e-mail address"),
    }
    return names[kind]


def identifiers_to_warn_about(form: "ReportForm") -> list[Finding]:
    """What in an anonymous person's text could identify them, unless they already saw the
    warning and ticked that they checked it (DESIGN.md promise 3; issue 3, "Warn before it
    identifies"). Empty for a named complaint: they gave their identity on purpose."""
    if form.identity.data == NAMED or form.identifiers_checked.data:
        return []
    return identifiers_in_fields({
        field: getattr(form, field).data or ""
        for field in ("what_happened", "when_happened", "where_happened", "who_involved")
    })


class TrackForm(FlaskForm):  # type: ignore[misc]
    """The tracking code form (``code``)."""

    code = StringField(render_kw={"maxlength": 64}, **_TEXT)


class InformationForm(FlaskForm):  # type: ignore[misc]
    """Adding information to a complaint: the code (hidden) and the text."""

    code = HiddenField()
    #: One-time token: a second POST of this form adds nothing (:mod:`.once`).
    submission_token = HiddenField()
    information = TextAreaField(**_limited("information"), **_AREA)
    attachments = MultipleFileField(**_FILES)
