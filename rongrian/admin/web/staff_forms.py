"""Flask-WTF forms of the account pages: new account, unit membership, password, key grants.

Every form carries a CSRF token and nothing else is checked here: the rules (user name shape,
password length, who may be a unit member) are the domain's (:mod:`rongrian.admin.staffing`,
:mod:`rongrian.intake.grants`), and the views turn its problem codes into messages.
"""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, SelectField, StringField


class NewAccountForm(FlaskForm):  # type: ignore[misc]  # flask_wtf has no type hints
    """``username``, ``display_name``, ``role`` and an optional first ``unit`` (unit id or "")."""

    username = StringField(_l("User name"))
    display_name = StringField(_l("Name and position"))
    role = SelectField(_l("Role"), choices=[])
    unit = SelectField(_l("Unit"), choices=[])


class UnitForm(FlaskForm):  # type: ignore[misc]
    """``unit``: the id of the unit to add the account to."""

    unit = SelectField(_l("Add to unit"), choices=[])


class ConfirmForm(FlaskForm):  # type: ignore[misc]
    """A button that only needs its CSRF token (remove from unit, reset password)."""


class GrantForm(FlaskForm):  # type: ignore[misc]
    """``account_id`` and ``ring_id`` of the pending grant to give."""

    account_id = HiddenField()
    ring_id = HiddenField()


class PasswordForm(FlaskForm):  # type: ignore[misc]
    """``current_password``, ``new_password`` and ``confirm``."""

    current_password = PasswordField(_l("Current password"))
    new_password = PasswordField(_l("New password"))
    confirm = PasswordField(_l("New password again"))


class EmailForm(FlaskForm):  # type: ignore[misc]
    """``email`` (empty removes the address) and ``digest`` (the daily digest e-mail; issue 9
    §2). The address rules are :func:`rongrian.admin.staff_email.email_problem`'s."""

    email = StringField(_l("Work e-mail address"))
    digest = BooleanField(_l("Send the daily digest of the account's units"))
