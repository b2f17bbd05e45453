"""Staff log-in and log-out with Flask-Login, over the server-side sessions of
:mod:`rongrian.admin.accounts`.

The signed staff cookie (Flask's session) holds only the :class:`SessionTicket`: the session
token and the per-session key that opens the account key held server-side (DESIGN.md, "the
session-held unlocked key"). Nothing about the client (address, browser) is stored: Flask-Login's
session protection, which hashes both, is off, and ``login_user`` (which stores that hash) is not
used; the user is loaded from the ticket by a request loader.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any, NoReturn, ParamSpec, TypeVar

from flask import (
    Flask,
    abort,
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

from rongrian.admin import accounts
from rongrian.admin.web.forms import LoginForm
from rongrian.intake.errors import AuthenticationFailed
from rongrian.intake.keyring import UnlockedAccount
from rongrian.intake.models import Role, StaffAccount
from rongrian.settings import Settings
from rongrian.web.app import db, hashed_client_key

#: Key of the ticket in the Flask session.
TICKET = "staff_ticket"
#: Log-in attempts allowed per client (hashed address, never stored in clear).
LOGIN_LIMIT = "10 per minute; 60 per hour"
LIMITER = "rongrian.staff_limiter"

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


def _load_user(_request: Request) -> StaffUser | None:
    """Flask-Login request loader: the live session of the cookie's ticket, or ``None``.

    A stale ticket (logged out, expired, or unreadable) is dropped from the cookie.
    """
    ticket = _ticket_in_session()
    if ticket is None:
        if TICKET in session:
            session.pop(TICKET)
        return None
    found = accounts.resume(db(), ticket)
    if found is None:
        session.pop(TICKET, None)
        return None
    return StaffUser(*found, ticket)


def unauthorised() -> NoReturn:
    """Answer 401 with the bilingual page that links to the log-in page."""
    abort(401)


def current_staff() -> StaffUser:
    """The logged-in staff member; aborts with 401 if there is none (or the session is stale)."""
    user = current_user
    if not isinstance(user, StaffUser):
        unauthorised()
    return user


def roles_required(*roles: Role) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """View decorator: 401 without a live session, 403 for a role not in ``roles``."""

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
                return redirect(home_for(user.role))
            return render_template("login.html", form=form)
        if not form.validate():
            return render_template("login.html", form=form), 400
        try:
            account, ticket = accounts.log_in(
                db(), form.username.data, form.password.data, strength=settings.kdf_strength
            )
        except AuthenticationFailed:
            db().rollback()
            accounts.record_failed_login(db(), form.username.data)
            db().commit()
            return render_template("login.html", form=form, failed=True), 401
        db().commit()
        _fresh_session()
        session[TICKET] = {"token": ticket.token, "key": ticket.key}
        flash(_("Welcome, %(name)s.", name=account.display_name), "ok")
        return redirect(home_for(account.role))

    @app.post("/logout")
    def logout() -> Response:
        ticket = _ticket_in_session()
        if ticket is not None:
            accounts.log_out(db(), ticket.token)
            db().commit()
        _fresh_session()
        flash(_("You have logged out."), "ok")
        return redirect(url_for("login"))
