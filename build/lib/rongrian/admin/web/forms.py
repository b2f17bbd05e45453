"""Flask-WTF forms of the staff app (each carries a CSRF token).

Length limits of free text are the domain's (:data:`rongrian.intake.store.LIMITS`); the domain
checks them again and its :class:`InvalidSubmission` is what the views report.
"""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from rongrian.intake.store import LIMITS

#: Longest user name and password accepted at log-in (anything longer cannot be right).
MAX_USERNAME = 64
MAX_PASSWORD = 1024


class LoginForm(FlaskForm):  # type: ignore[misc]  # flask_wtf has no type hints
    """``username`` and ``password``; both required."""

    username = StringField(
        _l("User name"),
        validators=[InputRequired(_l("Please enter your user name.")), Length(max=MAX_USERNAME)],
    )
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(_l("Please enter your password.")), Length(max=MAX_PASSWORD)],
    )


class StatusForm(FlaskForm):  # type: ignore[misc]
    """``status`` (a status value; its choices are set per case) and an optional ``note``."""

    status = SelectField(_l("New status"), choices=[])
    note = TextAreaField(_l("Internal note (optional)"))


class ReplyForm(FlaskForm):  # type: ignore[misc]
    """``text``: the reply the complainant reads with their tracking code."""

    text = TextAreaField(_l("Reply to the complainant"))


NOTE_LIMIT = LIMITS["note"]
REPLY_LIMIT = LIMITS["reply"]
