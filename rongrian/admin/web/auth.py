"""Staff log-in and log-out with Flask-Login, over the server-side sessions of
:mod:`rongrian.admin.accounts`.

The signed staff cookie (Flask's session) holds only the :class:`SessionTicket`: the session
token and the per-session key that opens the account key held server-side (DESIGN.md, "the
session-held unlocked key"). Nothing about the client (address, browser) is stored: Flask-Login's
session protection, which hashes both, is off, and ``login_user`` (which stores that hash) is not
used; the user is loaded from the ticket by a request loader.

A visitor without a live session is sent to the log-in page, which takes them back afterwards to
the page they asked for (``?next=``, only a path of this app: :func:`safe_next`; issue 7 §4).
A session unused for ``RONGRIAN_STAFF_IDLE_MINUTES`` is deleted (issue 13 L3).
An account with a second factor gets a session marked as waiting for its code, which opens only
the code page (:mod:`rongrian.admin.web.second_factor_pages`; issue 9 §5).
"""

from collections.abc import Callable
from functools import wraps
from typing import Any, NoReturn, ParamSpec, TypeVar
from urllib.parse import urlsplit

from flask import (
    Flask,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    session,
    url_for,
)
from flask import request as current_request
from flask_babel import gettext as _
from flask_limiter import Limiter
from flask_login import LoginManager, current_user
from werkzeug.wrappers import Request, Response

from rongrian.admin import accounts, second_factor
from rongrian.admin.lockout import LockPolicy
from rongrian.admin.web.forms import LoginForm
from rongrian.intake.errors import AuthenticationFailed
from rongrian.intake.keyring import UnlockedAccount
from rongrian.intake.models import Role, StaffAccount, StaffSession
from rongrian.settings import Settings
from rongrian.web.app import db, hashed_client_key, settings_of

#: Key of the ticket in the Flask session.
TICKET = "staff_ticket"
#: Log-in attempts allowed per client (hashed address, never stored in clear).
LOGIN_LIMIT = "10 per minute; 60 per hour"
LIMITER = "rongrian.staff_limiter"
#: Longest ``next`` address kept.
_MAX_NEXT = 2048

P = ParamSpec("P")
R = TypeVar("R")


class StaffUser:
    """The logged-in staff member: the account, its key unlocked for this request, the ticket."""

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def __init__(self, account: StaffAccount, unlocked: UnlockedAccount,
                 ticket: accounts.SessionTicket) -> None:
        self.account = account
        self.unlocked = unlocked
        self.ticket = ticket

    def get_id(self) -> str:
        """The account id as text (Flask-Login's contract)."""
        return str(self.account.id)

    @property
    def role(self) -> Role:
        """The account's role."""
        return self.account.role

    @property
    def display_name(self) -> str:
        """The name shown in the navigation bar."""
        return self.account.display_name


def _ticket_in_session() -> accounts.SessionTicket | None:
    raw = session.get(TICKET)
    if not isinstance(raw, dict):
        return None
    token, key = raw.get("token"), raw.get("key")
    if not (isinstance(token, str) and isinstance(key, str) and token.isascii()
            and key.isascii()):
        return None
    return accounts.SessionTicket(token, key)


def login_policy(settings: Settings) -> accounts.LoginPolicy:
    """The log-in rules of ``settings`` (KDF strength, one-time password hours, lock, idle)."""
    return accounts.LoginPolicy(
        strength=settings.kdf_strength,
        one_time_password_hours=settings.one_time_password_hours,
        lock=LockPolicy(after=settings.login_lock_after, minutes=settings.login_lock_minutes),
        idle_minutes=settings.staff_idle_minutes,
    )


def _load_user(_request: Request) -> StaffUser | None:
    """Flask-Login request loader: the live session of the cookie's ticket, or ``None``.

    A stale ticket (logged out, expired, idle too long, or unreadable) is dropped from the
    cookie; an idle or expired session row is deleted (committed here, before the view runs).
    """
    ticket = _ticket_in_session()
    if ticket is None:
        if TICKET in session:
            session.pop(TICKET)
        return None
    found = accounts.resume(db(), ticket,
                            idle_minutes=settings_of(current_app).staff_idle_minutes)
    db().commit()
    if found is None:
        session.pop(TICKET, None)
        flash(_("Your session has ended. Please log in again."), "ok")
        return None
    return StaffUser(*found, ticket)


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path of this app (``/staff/cases/…`` when mounted at ``/staff``),
    else ``None``: never another host (``https://…``, ``//host``, ``/\\host``), a scheme
    (``javascript:``), control characters, or a path outside the app's mount point."""
    if not target or len(target) > _MAX_NEXT or "\\" in target:
        return None
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in target):
        return None
    root = current_request.script_root.rstrip("/") + "/"
    if not target.startswith(root) or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def _wanted_here() -> str | None:
    """This request's address (mount point included), if going back to it after log-in makes
    sense: a GET or HEAD."""
    if current_request.method not in ("GET", "HEAD"):
        return None
    query = current_request.query_string.decode("latin-1")
    return current_request.script_root + current_request.path + (f"?{query}" if query else "")


def unauthorised() -> NoReturn:
    """Send a visitor without a live session to the log-in page (303), with ``next`` set to the
    page they asked for when it was a GET."""
    wanted = safe_next(_wanted_here())
    abort(redirect(url_for("login", next=wanted) if wanted else url_for("login"), 303))


def current_staff() -> StaffUser:
    """The logged-in staff member; without one (or with a stale session) the visitor is sent to
    the log-in page (:func:`unauthorised`)."""
    user = current_user
    if not isinstance(user, StaffUser):
        unauthorised()
    return user


def roles_required(*roles: Role) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """View decorator: to the log-in page without a live session, 403 for a role not in
    ``roles``."""

    def decorate(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
            if current_staff().role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return guarded

    return decorate


def home_for(role: Role) -> str:
    """Where a role starts: unit staff and custodians at their cases, others at the summary."""
    if role in (Role.STAFF, Role.CUSTODIAN):
        return url_for("cases")
    return url_for("summary")


def _fresh_session() -> None:
    """Start a new cookie session (no fixation), keeping only the chosen language."""
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language


#: Why an attempt failed, for the audit entry (a wrong password or unknown name has none).
_FAILURE_REASONS: dict[type[AuthenticationFailed], str] = {
    accounts.AccountLocked: "locked",
    accounts.OneTimePasswordExpired: "one_time_password_expired",
    accounts.OneTimePasswordUsed: "one_time_password_used",
}


def _login_page(form: LoginForm, *, code: int = 200, failure: str | None = None,
                policy: accounts.LoginPolicy | None = None) -> tuple[str, int]:
    return render_template("login.html", form=form, failure=failure, policy=policy,
                           next=safe_next(current_request.args.get("next"))), code


def _attempt(form: LoginForm, policy: accounts.LoginPolicy) -> Any:
    """POST /login with a valid form: log in, or say why not (a locked account is shown exactly
    as a wrong password; an expired or used one-time password is named, since only its holder
    can type it)."""
    try:
        account, ticket = accounts.log_in(db(), form.username.data, form.password.data,
                                          policy=policy)
    except AuthenticationFailed as exc:
        db().rollback()
        reason = _FAILURE_REASONS.get(type(exc))
        accounts.record_failed_login(db(), form.username.data, lock=policy.lock, reason=reason)
        db().commit()
        failure = reason if reason and reason.startswith("one_time") else "wrong"
        return _login_page(form, code=401, failure=failure, policy=policy)
    wants_code = _hold_for_second_factor(account, ticket)
    db().commit()
    _fresh_session()
    session[TICKET] = {"token": ticket.token, "key": ticket.key}
    wanted = safe_next(current_request.args.get("next"))
    if wants_code:
        return redirect(url_for("second_factor_code", next=wanted) if wanted
                        else url_for("second_factor_code"), 303)
    flash(_("Welcome, %(name)s.", name=account.display_name), "ok")
    return redirect(wanted or home_for(account.role))


def _hold_for_second_factor(account: StaffAccount, ticket: accounts.SessionTicket) -> bool:
    """After a right password: if the account has a second factor, mark the new session as
    waiting for its code (issue 9 §5) and return ``True``. A second factor sealed to an account
    key an administrator's password reset replaced can no longer be opened: it is removed
    (audited), and the gate sends a role that requires one to enrolment."""
    if not second_factor.is_enrolled(db(), account.id):
        return False
    found = accounts.resume(db(), ticket)
    if found is None or not second_factor.opens(db(), account, found[1]):
        return False
    row = db().get(StaffSession, accounts.session_id_of(ticket.token))
    if row is None:
        return False
    row.second_factor_pending = True
    return True


def register(app: Flask, settings: Settings) -> None:
    """Add Flask-Login, ``/login``, ``/logout`` and ``/`` to ``app``."""
    login_manager = LoginManager()
    login_manager.session_protection = None
    login_manager.request_loader(_load_user)
    login_manager.unauthorized_handler(unauthorised)
    login_manager.init_app(app)
    limiter = Limiter(
        hashed_client_key(settings.secrets.staff_secret_key),
        app=app,
        storage_uri=settings.ratelimit_storage,
        enabled=settings.ratelimit_enabled,
    )
    app.extensions[LIMITER] = limiter  # Flask-Limiter itself keeps only a weak reference
    policy = login_policy(settings)
    accounts.stand_in_account(policy.strength)  # made now, not during someone's first log-in

    @app.get("/")
    def home() -> Response:
        user = current_user
        if isinstance(user, StaffUser):
            return redirect(home_for(user.role))
        return redirect(url_for("login"))

    @app.route("/login", methods=["GET", "POST"])
    @limiter.limit(LOGIN_LIMIT, methods=["POST"])
    def login() -> Any:
        form = LoginForm()
        if current_request.method == "GET":
            user = current_user
            if isinstance(user, StaffUser):
                return redirect(safe_next(current_request.args.get("next"))
                                or home_for(user.role))
            return _login_page(form)
        if not form.validate():
            return _login_page(form, code=400)
        return _attempt(form, policy)

    @app.post("/logout")
    def logout() -> Response:
        ticket = _ticket_in_session()
        if ticket is not None:
            accounts.log_out(db(), ticket.token)
            db().commit()
        _fresh_session()
        flash(_("You have logged out."), "ok")
        return redirect(url_for("login"))
