"""The staff second factor's pages (issue 9 §5; the rules are :mod:`rongrian.admin.second_factor`).

- ``/login/code``: after a right password, an account with a second factor types its 6-digit code
  (or a recovery code). Until then its session opens no other page. A wrong or reused code is a
  failed log-in: audited and counted against the account's lock; when the lock falls, the waiting
  session is ended. Limited per address like the log-in form.
- ``/account/second-factor``: enrolment. A new secret is shown as a QR code (inline SVG) and as
  text; the first code from the app confirms it; the 10 recovery codes are then shown once.
- ``/admin/staff/<id>/second-factor/reset``: an administrator turns off another account's second
  factor (audited ``second_factor_reset``); all its sessions end.
- a gate: an account whose role requires a second factor (``RONGRIAN_STAFF_2FA_ROLES``) and has
  none is sent to enrolment after its password, and can do nothing else until enrolled.
"""

from typing import Any

from flask import (
    Flask,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter import Limiter
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from werkzeug.wrappers import Response
from wtforms import StringField

from rongrian.admin import accounts, second_factor, staffing
from rongrian.admin.web.auth import (
    LIMITER,
    LOGIN_LIMIT,
    TICKET,
    StaffUser,
    current_staff,
    home_for,
    login_policy,
    roles_required,
    safe_next,
)
from rongrian.admin.web.staff_forms import ConfirmForm
from rongrian.intake.audit import Actor
from rongrian.intake.models import Installation, Role, StaffAccount, StaffSession
from rongrian.web.app import db, settings_of
from rongrian.web.qr_svg import svg

#: Key of the secret being enrolled in the (signed) staff cookie, until the first code confirms it.
_PENDING_SECRET = "second_factor_secret"  # noqa: S105 - a cookie key, not a secret
#: Endpoints reachable before the second factor is done.
_OPEN = frozenset({"second_factor_code", "logout", "login", "static", "common_static",
                   "set_language", "healthz", "readyz"})
#: Endpoints reachable by an account that must enrol first.
_ENROL_OPEN = _OPEN | {"second_factor_enrol", "change_password"}


class CodeForm(FlaskForm):  # type: ignore[misc]  # flask_wtf has no type hints
    """``code``: a 6-digit TOTP code or a recovery code; ``current``: on re-enrolment, a code
    of the second factor being replaced (so a session left open cannot swap the phone)."""

    code = StringField(_l("Code"))
    current = StringField(_l("A code from your current app, or a recovery code"))


def _session_row(user: StaffUser) -> StaffSession | None:
    return db().get(StaffSession, accounts.session_id_of(user.ticket.token))


def _gate() -> Response | None:
    """``before_request``: a session waiting for its code reaches only the code page; an account
    that must have a second factor and has none reaches only enrolment (after its own password,
    if it is on an administrator-issued one)."""
    if request.endpoint is None or request.endpoint in _OPEN:
        return None
    user = current_user
    if not isinstance(user, StaffUser):
        return None
    row = _session_row(user)
    if row is not None and row.second_factor_pending:
        return redirect(url_for("second_factor_code"), 303)
    if request.endpoint in _ENROL_OPEN:
        return None
    if (second_factor.required_for(user.account, settings_of(current_app).second_factor_roles)
            and not second_factor.is_enrolled(db(), user.account.id)
            and staffing.issued_password(db(), user.account.id) is None):
        return redirect(url_for("second_factor_enrol"), 303)
    return None


def _pending_user() -> StaffUser:
    """The logged-in user whose session waits for a code; else to the log-in page / home."""
    user = current_user
    if not isinstance(user, StaffUser):
        abort(redirect(url_for("login"), 303))
    row = _session_row(user)
    if row is None or not row.second_factor_pending:
        abort(redirect(home_for(user.role), 303))
    return user


def _code_page(form: CodeForm, *, error: str | None = None, code: int = 200) -> tuple[str, int]:
    return render_template("second_factor_code.html", form=form, error=error,
                           next=safe_next(request.args.get("next"))), code


def _check_code() -> Response | tuple[str, int]:
    user = _pending_user()
    form = CodeForm()
    if not form.validate() or not (form.code.data or "").strip():
        return _code_page(form, error=_("Please type the code from your app."), code=400)
    settings = settings_of(current_app)
    try:
        used = second_factor.verify(db(), user.account, user.unlocked, form.code.data or "",
                                    server_secret=settings.secrets.staff_secret_key)
    except second_factor.SecondFactorRefused as exc:
        db().rollback()
        reused = isinstance(exc, second_factor.CodeReused)
        account = db().get(StaffAccount, user.account.id)
        assert account is not None  # noqa: S101 - the session's account exists
        locked = second_factor.record_failure(
            db(), account, login_policy(settings).lock,
            reason="second_factor_reused" if reused else "second_factor")
        if locked:
            staffing.end_sessions(db(), account.id)
        db().commit()
        if locked:
            session.pop(TICKET, None)
            flash(_("Too many wrong codes: the account is locked for a while."), "error")
            return redirect(url_for("login"), 303)
        message = (_("This code was already used. Wait for the next code in your app and type "
                     "that one. Nothing was changed.") if reused
                   else _("The code is not right. Please try again."))
        return _code_page(form, error=message, code=401)
    row = _session_row(user)
    assert row is not None  # noqa: S101 - checked by _pending_user
    row.second_factor_pending = False
    db().commit()
    if used == "recovery":
        left = second_factor.recovery_codes_left(db(), user.account.id)
        flash(_("You used a recovery code; %(count)s are left. Each works once: if your phone is "
                "lost, enrol again to get new ones.", count=left), "ok")
    flash(_("Welcome, %(name)s.", name=user.account.display_name), "ok")
    return redirect(safe_next(request.args.get("next")) or home_for(user.role), 303)


def _organisation() -> str:
    installation = db().get(Installation, 1)
    return installation.organisation_name if installation else ""


def _enrol_page(secret: str, form: CodeForm, *, error: str | None = None,
                code: int = 200) -> tuple[str, int]:
    user = current_staff()
    uri = second_factor.provisioning_uri(secret, user.account.username, _organisation())
    required = second_factor.required_for(user.account,
                                          settings_of(current_app).second_factor_roles)
    return render_template(
        "second_factor_enrol.html", form=form, error=error, secret=secret,
        grouped=" ".join(secret[i:i + 4] for i in range(0, len(secret), 4)),
        qr=Markup(svg(uri)),  # noqa: S704 - drawn by rongrian.web.qr_svg, no outside markup
        enrolled=second_factor.is_enrolled(db(), user.account.id), required=required,
        left=second_factor.recovery_codes_left(db(), user.account.id)), code


def _enrol() -> Response | tuple[str, int]:
    user = current_staff()
    secret = session.get(_PENDING_SECRET)
    if request.method == "GET" or not isinstance(secret, str):
        secret = second_factor.new_secret()
        session[_PENDING_SECRET] = secret
        return _enrol_page(secret, CodeForm(formdata=None))
    form = CodeForm()
    if not form.validate():
        return _enrol_page(secret, form, error=_("The form expired. Please try again."),
                           code=400)
    if second_factor.is_enrolled(db(), user.account.id) and not _current_code_ok(form):
        return _enrol_page(secret, form, error=_(
            "The code of your current second factor is not right. Nothing was changed."),
            code=401)
    try:
        done = second_factor.enrol(db(), user.account, secret, form.code.data or "",
                                   server_secret=settings_of(current_app).secrets
                                   .staff_secret_key)
    except second_factor.SecondFactorRefused:
        db().rollback()
        return _enrol_page(secret, form, error=_(
            "The code is not right. Check that the app shows the account just added and that "
            "the phone's clock is right, then type the current code. Nothing was changed."),
            code=400)
    db().commit()
    session.pop(_PENDING_SECRET, None)
    return render_template("second_factor_codes.html", codes=done.recovery_codes), 200


def _current_code_ok(form: CodeForm) -> bool:
    """Re-enrolment: the code of the second factor being replaced, checked like a log-in code
    (used up if right; if wrong, audited and counted towards the lock, committed)."""
    user = current_staff()
    settings = settings_of(current_app)
    try:
        second_factor.verify(db(), user.account, user.unlocked, form.current.data or "",
                             server_secret=settings.secrets.staff_secret_key)
    except second_factor.SecondFactorRefused:
        db().rollback()
        second_factor.record_failure(db(), user.account, login_policy(settings).lock,
                                     reason="second_factor")
        db().commit()
        return False
    return True


def _reset(account_id: int) -> Response:
    account = db().get(StaffAccount, account_id)
    if account is None:
        abort(404)
    if not ConfirmForm().validate():
        abort(400)
    had = second_factor.reset(db(), account, actor=Actor.of(current_staff().account))
    if account.id != current_staff().account.id:
        staffing.end_sessions(db(), account.id)
    db().commit()
    if had:
        flash(_("The second factor of %(user)s was turned off. They enrol again at their next "
                "log-in.", user=account.username), "ok")
    return redirect(url_for("staff_account", account_id=account.id), 303)


def second_factor_of(account_id: int) -> bool:
    """Template helper: whether the account has a second factor."""
    return second_factor.is_enrolled(db(), account_id)


def register(app: Flask) -> None:
    """Add the gate, ``/login/code``, ``/account/second-factor`` and the administrator's reset.
    Call right after :func:`rongrian.admin.web.auth.register` (the gate comes first)."""
    app.before_request(_gate)
    app.add_template_global(second_factor_of, "second_factor_of")
    limiter: Limiter = app.extensions[LIMITER]

    @app.route("/login/code", methods=["GET", "POST"])
    @limiter.limit(LOGIN_LIMIT, methods=["POST"])
    def second_factor_code() -> Any:
        if request.method == "POST":
            return _check_code()
        _pending_user()
        return _code_page(CodeForm(formdata=None))

    @app.route("/account/second-factor", methods=["GET", "POST"])
    @limiter.limit(LOGIN_LIMIT, methods=["POST"])
    def second_factor_enrol() -> Any:
        return _enrol()

    @app.post("/admin/staff/<int:account_id>/second-factor/reset")
    @roles_required(Role.ADMIN)
    def staff_second_factor_reset(account_id: int) -> Response:
        return _reset(account_id)
