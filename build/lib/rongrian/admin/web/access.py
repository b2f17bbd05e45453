"""Every staff member's key pages: change password, access requests, and the key notices.

- ``/account/password``: change the password (current one required). The account key is
  re-wrapped under the new password; this session stays logged in, every other one is ended.
  An account on an administrator-issued password is sent here before any other page.
- ``/grants``: the pending grants of the rings the member holds, each with a "grant access"
  button (helper notes ``keys.md``: pending grants are given by an explicit action of a member,
  so that an account an administrator created or reset never gets a unit key unseen).
- Every page shows who is waiting: the member's own pending access, and colleagues waiting for
  the member's unit keys.

A wrong current password is audited (``password_change_failed``) and limited per account
(:data:`CHANGE_LIMIT`, Flask-Limiter; issue 13 L1). The grant page says when, by whom and why
each colleague's account key was made (issue 13 L8): a reset by an administrator is marked, so a
colleague checks with the person before granting.
"""

from dataclasses import dataclass

from flask import Flask, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_limiter import Limiter
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from werkzeug.wrappers import Response

from rongrian.admin import staffing
from rongrian.admin.passwords import MIN_PASSWORD
from rongrian.admin.web.auth import LIMITER, StaffUser, current_staff, home_for, roles_required
from rongrian.admin.web.staff_forms import GrantForm, PasswordForm
from rongrian.intake.errors import (
    AuthenticationFailed,
    GrantRefused,
    InvalidSubmission,
    KeyNotGranted,
)
from rongrian.intake.grants import (
    HOLDER_ROLES,
    PendingGrant,
    grant_by_member,
    grantable_by,
    pending_grants,
)
from rongrian.intake.models import StaffAccount
from rongrian.web.app import db, hashed_client_key, settings_of

#: Wrong current passwords allowed per account (issue 13 L1).
CHANGE_LIMIT = "5 per 15 minutes"
#: ``g`` flag: this request's current password was wrong (counts against :data:`CHANGE_LIMIT`).
_WRONG_CURRENT = "rongrian_wrong_current_password"

#: Endpoints an account on an issued password may still reach.
_OPEN_ENDPOINTS = frozenset({"change_password", "logout", "login", "static", "common_static"})


@dataclass(frozen=True)
class KeyNotices:
    """What the layout shows about keys: the member's own pending grants, and how many
    colleagues wait for a ring the member holds."""

    waiting: list[PendingGrant]
    to_grant: int


def key_notices() -> KeyNotices | None:
    """The notices for the logged-in member (``None`` for nobody logged in or nothing to say)."""
    user = current_user
    if not isinstance(user, StaffUser) or user.role not in HOLDER_ROLES:
        return None
    try:
        if staffing.issued_password(db(), user.account.id) is not None:
            return None
        waiting = pending_grants(db(), account_id=user.account.id)
        to_grant = len([p for p in grantable_by(db(), user.account.id)
                        if not p.awaiting_own_password])
    except SQLAlchemyError:  # an error page after a database fault: say nothing more
        return None
    if not waiting and not to_grant:
        return None
    return KeyNotices(waiting, to_grant)


def _require_own_password() -> Response | None:
    """``before_request``: an account on an issued password may only change it (or log out)."""
    if request.endpoint in _OPEN_ENDPOINTS or request.endpoint is None:
        return None
    user = current_user
    if isinstance(user, StaffUser) and staffing.issued_password(db(), user.account.id):
        return redirect(url_for("change_password"))
    return None


def _password_messages(problems: dict[str, str]) -> dict[str, str]:
    messages = {
        "required": _("Please enter a new password."),
        "too_short": _("The new password is too short: at least %(count)s characters.",
                       count=MIN_PASSWORD),
        "too_long": _("The new password is too long."),
        "same": _("The new password must differ from the current one."),
        "is_username": _("The new password must not be your user name."),
        "is_name": _("The new password must not be your name."),
        "common": _("This password is too common or too easy to guess (for example 1234567890 "
                    "or password12). Please choose another: a short sentence works well."),
        "mismatch": _("The two new passwords are not the same."),
    }
    return {field: messages.get(code, code) for field, code in problems.items()}


def _password_page(form: PasswordForm, *, errors: dict[str, str] | None = None,
                   code: int = 200) -> tuple[str, int]:
    user = current_staff()
    issued = staffing.issued_password(db(), user.account.id)
    return render_template("password.html", form=form, errors=errors or {}, issued=issued,
                           min_length=MIN_PASSWORD), code


def _change_password() -> Response | tuple[str, int]:
    user = current_staff()
    form = PasswordForm()
    if not form.validate():
        return _password_page(form, errors={"form": _("The form expired. Please try again.")},
                              code=400)
    try:
        ended = staffing.change_password(
            db(), user.account, current_password=form.current_password.data or "",
            new_password=form.new_password.data or "", confirm=form.confirm.data or "",
            keep_token=user.ticket.token, strength=settings_of(current_app).kdf_strength,
        )
    except AuthenticationFailed:
        db().rollback()
        g.setdefault(_WRONG_CURRENT, True)
        staffing.record_failed_password_change(db(), user.account)
        db().commit()
        return _password_page(form, errors={"current_password": _(
            "The current password is not right.")}, code=400)
    except InvalidSubmission as exc:
        db().rollback()
        return _password_page(form, errors=_password_messages(exc.problems), code=400)
    db().commit()
    flash(_("Your password was changed. Other sessions of your account were logged out "
            "(%(count)s).", count=ended), "ok")
    return redirect(home_for(user.role))


def _accounts_of(requests: list[PendingGrant]) -> dict[int, StaffAccount]:
    ids = {item.account_id for item in requests}
    if not ids:
        return {}
    return {account.id: account for account in
            db().scalars(select(StaffAccount).where(StaffAccount.id.in_(ids)))}


def _grants_page(*, error: str | None = None, code: int = 200) -> tuple[str, int]:
    user = current_staff()
    requests = grantable_by(db(), user.account.id)
    return render_template(
        "grants.html",
        requests=requests,
        accounts=_accounts_of(requests),
        waiting=pending_grants(db(), account_id=user.account.id),
        form=GrantForm(formdata=None),
        error=error,
    ), code


def _give_grant() -> Response | tuple[str, int]:
    user = current_staff()
    form = GrantForm()
    refused = _("This request is no longer waiting (a colleague may have granted it already, "
                "or the account changed). Nothing was changed.")
    if not form.validate() or not (str(form.account_id.data).isdigit()
                                   and str(form.ring_id.data).isdigit()):
        return _grants_page(error=refused, code=400)
    try:
        given = grant_by_member(db(), user.unlocked, int(form.account_id.data),
                                int(form.ring_id.data))
        db().commit()
    except (GrantRefused, KeyNotGranted, IntegrityError):  # IntegrityError: a colleague
        db().rollback()                                     # granted it at the same moment
        return _grants_page(error=refused, code=400)
    flash(_("Access granted to %(name)s.", name=given.display_name), "ok")
    return redirect(url_for("grants"))


def register(app: Flask) -> None:
    """Add ``/account/password``, ``/grants``, the issued-password gate and ``key_notices``."""
    app.before_request(_require_own_password)
    app.add_template_global(key_notices, "key_notices")

    limiter: Limiter = app.extensions[LIMITER]
    by_address = hashed_client_key(settings_of(app).secrets.staff_secret_key)

    def by_account() -> str:
        user = current_user
        return f"account:{user.account.id}" if isinstance(user, StaffUser) else by_address()

    @app.route("/account/password", methods=["GET", "POST"])
    @limiter.limit(CHANGE_LIMIT, key_func=by_account, methods=["POST"],
                   deduct_when=lambda _response: bool(g.get(_WRONG_CURRENT)))
    def change_password() -> Response | tuple[str, int]:
        if request.method == "POST":
            return _change_password()
        return _password_page(PasswordForm(formdata=None))

    @app.get("/grants")
    @roles_required(*HOLDER_ROLES)
    def grants() -> tuple[str, int]:
        return _grants_page()

    @app.post("/grants")
    @roles_required(*HOLDER_ROLES)
    def grant_access() -> Response | tuple[str, int]:
        return _give_grant()
