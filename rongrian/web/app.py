"""Common configuration of a Rongrian Flask app."""

import hashlib
import hmac
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import (
    Flask,
    Response,
    current_app,
    g,
    render_template,
    request,
    send_from_directory,
    session,
)
from flask_babel import Babel, get_locale, get_translations
from flask_wtf.csrf import CSRFError, CSRFProtect
from jinja2 import ChoiceLoader, FileSystemLoader
from sqlalchemy import Engine
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.middleware.proxy_fix import ProxyFix

from rongrian.intake.db import is_database_unavailable, make_engine, make_session_factory
from rongrian.settings import Settings
from rongrian.web.health import register_health
from rongrian.web.labels import label
from rongrian.web.outage import AVAILABILITY, DatabaseAvailability, unavailable_page
from rongrian.web.thaidates import format_date

HERE = Path(__file__).resolve().parent
#: Sarabun (SIL Open Font License) as packaged on PyPI by fontpkg-sarabun; served from our host.
FONTS = Path(str(resources.files("fontpkg_sarabun"))) / "files"
LOCALES = ("th", "en")
#: :data:`LOCALES` parsed once: Flask-Babel parses what the locale selector answers on every
#: request (a file lookup in Babel's locale data), and lets a ``Locale`` pass (issue 11).
_PARSED_LOCALES = {code: Locale.parse(code) for code in LOCALES}
SESSION_FACTORY = "rongrian.sessions"
#: Key of the app's engine whose connections run each statement on its own (the driver's
#: autocommit), for requests that only read (:func:`reading_db`).
READING_ENGINE = "rongrian.reading_engine"

#: Content-Security-Policy for every page: nothing from another host, no inline script or style.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
#: Permissions-Policy for every page: no camera, microphone or location (the staff app's).
PERMISSIONS = "camera=(), microphone=(), geolocation=()"


def content_security_policy(img_sources: tuple[str, ...] = ()) -> str:
    """:data:`CSP` with ``img_sources`` (origins such as ``https://tiles.example.go.th``, the
    public app's map tiles; issue 12) added to ``img-src``; :data:`CSP` itself without."""
    if not img_sources:
        return CSP
    return CSP.replace("img-src 'self' data:;", f"img-src 'self' data: {' '.join(img_sources)};")


#: HTTP Strict Transport Security (RFC 6797) whenever the public URL is HTTPS: one year, this
#: host only (an agency's other sub-domains may not all be HTTPS yet).
HSTS = "max-age=31536000"


def compile_catalogs(directory: Path) -> None:
    """Compile each ``messages.po`` under ``directory`` to ``messages.mo`` when it is stale.

    An installed package ships them compiled (``setup.py``); in a read-only installation a
    catalog that cannot be written is left as shipped.
    """
    for po_path in directory.glob("*/LC_MESSAGES/messages.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file)
        try:
            with mo_path.open("wb") as mo_file:
                write_mo(mo_file, catalog)
        except OSError:
            if not mo_path.exists():
                raise
            continue


def current_locale() -> str:
    """``th`` or ``en`` for this request."""
    locale = get_locale()
    return locale.language if locale is not None else "th"


def request_translations() -> Any:
    """Flask-Babel's translations for this request, looked up once per application context
    (``flask.g``) instead of at every ``_()`` of a page (issue 11: a thread page says about
    fifty, each costing several context lookups). The locale is fixed for a request
    (:func:`_select_locale`), so the first answer holds for the rest of it."""
    found = g.get("rongrian_translations")
    if found is None:
        found = g.rongrian_translations = get_translations()
    return found


def _install_request_translations(app: Flask) -> None:
    """Templates' ``_``/``gettext``/``ngettext``/``pgettext``/``npgettext`` through
    :func:`request_translations` (the same callables Flask-Babel installs, minus the
    repeated lookup)."""
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: request_translations().ugettext(s),
        ngettext=lambda s, p, n: request_translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: request_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: request_translations().unpgettext(c, s, p, n),
    )
    # Jinja's ``_`` looks ``gettext`` up again at every call; templates never rebind it, so
    # ``_`` is that callable itself (one call less for each of a page's fifty strings).
    app.jinja_env.globals["_"] = app.jinja_env.globals["gettext"]


def _select_locale() -> Locale:
    wanted = request.args.get("lang")
    if wanted in LOCALES:
        session["lang"] = wanted
        return _PARSED_LOCALES[wanted]
    stored = session.get("lang")
    return _PARSED_LOCALES[stored if stored in LOCALES else "th"]


def db() -> Session:
    """The request's database session (opened on first use, closed at teardown)."""
    return _request_session(reading=False)


def reading_db() -> Session:
    """The request's database session for a request that only reads: each statement runs on
    its own, without a transaction (the driver's autocommit).

    On PostgreSQL a transaction costs two round trips a request (``BEGIN`` before the first
    statement, ``ROLLBACK`` when the session closes), and at ``READ COMMITTED`` each statement
    sees its own snapshot in one anyway: a request that only reads sees the same without
    (issue 11). Call it before anything else opens :func:`db`; once the request has a session,
    that one is returned as it is. Never for a request that writes: each write would commit
    alone.
    """
    return _request_session(reading=True)


def _request_session(*, reading: bool) -> Session:
    """The request's session, kept in ``g`` and closed at teardown; opened on first use, on
    the app's reading engine (:data:`READING_ENGINE`) when ``reading``."""
    if "db" not in g:
        from flask import current_app

        factory: sessionmaker[Session] = current_app.extensions[SESSION_FACTORY]
        g.db = factory(bind=current_app.extensions[READING_ENGINE]) if reading else factory()
    return g.db  # type: ignore[no-any-return]


def _close_db(_exc: BaseException | None) -> None:
    session_ = g.pop("db", None)
    if session_ is None:
        return
    try:
        session_.rollback()
    except sa_exc.SQLAlchemyError as error:  # the connection died: it is invalidated anyway
        if not is_database_unavailable(error):
            raise
    finally:
        session_.close()


def _security_headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = current_app.config.get("RONGRIAN_CSP", CSP)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Permissions-Policy"] = current_app.config.get("RONGRIAN_PERMISSIONS",
                                                                    PERMISSIONS)
    if response.mimetype == "text/html":
        response.headers["Cache-Control"] = "no-store"
    if settings_of(current_app).https:
        response.headers["Strict-Transport-Security"] = HSTS
    return response


ErrorAnswer = tuple[str, int] | Response


def _error_page(status: int, title: tuple[str, str], detail: tuple[str, str]) -> ErrorAnswer:
    """The app's ``error.html``; the 503 page instead when rendering it needs the database that
    is down (the staff layout loads the logged-in user, for one)."""
    try:
        return render_template("error.html", status=status, title=title, detail=detail), status
    except sa_exc.SQLAlchemyError as error:
        if is_database_unavailable(error):
            return unavailable_page(error)
        raise


ERRORS: dict[int, tuple[tuple[str, str], tuple[str, str]]] = {
    400: (("คำขอไม่ถูกต้อง", "Bad request"),
          ("ข้อมูลที่ส่งมาไม่ถูกต้อง กรุณาย้อนกลับแล้วลองอีกครั้ง",
           "The request could not be understood. Please go back and try again.")),
    401: (("กรุณาเข้าสู่ระบบ", "Please log in"),
          ("เซสชันหมดอายุหรือยังไม่ได้เข้าสู่ระบบ กรุณาเข้าสู่ระบบอีกครั้ง",
           "Your session has ended or you are not logged in. Please log in again.")),
    403: (("ไม่มีสิทธิ์", "Not allowed"),
          ("บัญชีนี้ไม่มีสิทธิ์ใช้หน้านี้", "This account may not use this page.")),
    404: (("ไม่พบหน้าที่ต้องการ", "Not found"),
          ("ไม่พบหน้าหรือเรื่องที่ต้องการ", "The page or case you asked for does not exist.")),
    405: (("วิธีการไม่ถูกต้อง", "Method not allowed"),
          ("หน้านี้ไม่รับคำขอแบบนี้", "This page does not accept that kind of request.")),
    413: (("ข้อมูลใหญ่เกินไป", "Too large"),
          ("ข้อมูลที่ส่งมีขนาดใหญ่เกินกำหนด กรุณาย่อให้สั้นลง",
           "What you sent is larger than allowed. Please shorten it.")),
    429: (("ส่งคำขอถี่เกินไป", "Too many requests"),
          ("กรุณารอสักครู่แล้วลองใหม่", "Please wait a while and try again.")),
    500: (("ระบบขัดข้อง", "Something went wrong"),
          ("ระบบขัดข้องชั่วคราว ข้อมูลที่ส่งแล้วไม่สูญหาย กรุณาลองใหม่",
           "A temporary fault. Nothing already accepted was lost. Please try again.")),
}


def _csrf_error(_error: CSRFError) -> ErrorAnswer:
    return _error_page(
        400,
        ("แบบฟอร์มหมดอายุ", "The form has expired"),
        ("แบบฟอร์มหมดอายุหรือไม่ถูกต้อง กรุณาโหลดหน้าใหม่แล้วส่งอีกครั้ง",
         "The form expired or was not valid. Please reload the page and send it again."),
    )


def _http_error(error: HTTPException) -> ErrorAnswer | HTTPException:
    if isinstance(error, InternalServerError) and error.original_exception is not None \
            and is_database_unavailable(error.original_exception):
        return unavailable_page(error.original_exception)  # another handler met the outage
    code = error.code or 500
    if code not in ERRORS:
        return error
    return _error_page(code, *ERRORS[code])


def _server_error(error: Exception) -> ErrorAnswer:
    """The bilingual 500 page. The operator's log gets the exception's type, the endpoint and
    where in the code it happened (file, line, function), never its message, arguments or the
    request: a message may quote a complaint, a database parameter or a citizen's input."""
    frames = traceback.extract_tb(error.__traceback__)
    where = " < ".join(f"{Path(frame.filename).name}:{frame.lineno} {frame.name}"
                       for frame in reversed(frames[-6:]))
    current_app.logger.error("unhandled %s in endpoint %s at %s", type(error).__name__,
                             request.endpoint, where)
    return _error_page(500, *ERRORS[500])


def _database_error(error: sa_exc.SQLAlchemyError) -> ErrorAnswer:
    """503 when the database cannot be reached (:mod:`rongrian.web.outage`: one log line per
    outage, no message, no traceback); any other database error is a crash (500)."""
    if is_database_unavailable(error):
        return unavailable_page(error)
    return _server_error(error)


class RongrianFlask(Flask):
    """Flask whose last-resort exception log (an error handler that itself failed) names the
    exception's type and the endpoint, never its message or traceback (they may quote a
    complaint or a driver's message), and counts a database outage once."""

    def log_exception(self, exc_info: Any) -> None:
        error = exc_info[1]
        if error is not None and is_database_unavailable(error):
            self.extensions[AVAILABILITY].went_down()
            return
        self.logger.error("unhandled %s in endpoint %s (while answering an error)",
                          type(error).__name__, request.endpoint)


def hashed_client_key(secret: bytes) -> Callable[[], str]:
    """A rate-limit key: HMAC of the client address with a secret and today's date.

    The address itself is never stored or logged (DESIGN.md, promise 5); the key changes daily.
    """

    def key() -> str:
        day = datetime.now(UTC).date().isoformat().encode()
        address = (request.remote_addr or "").encode()
        return hmac.new(secret, day + b"|" + address, hashlib.sha256).hexdigest()[:32]

    return key


def configure(
    app: Flask,
    settings: Settings,
    *,
    secret_key: bytes,
    cookie_name: str,
    cookie_path: str = "/",
    translations: list[Path],
    engine: Engine | None = None,
    availability: DatabaseAvailability | None = None,
) -> None:
    """Apply the common configuration to ``app``.

    ``engine`` lets tests and the combined server share one connection pool; otherwise one is
    made from ``settings.database_url`` with ``settings.db_pool``. ``availability`` is shared
    the same way (one outage, one pair of log lines per process); a new one otherwise.
    Adds ``/healthz`` and ``/readyz`` (:mod:`rongrian.web.health`).
    """
    app.config.update(
        SECRET_KEY=secret_key,
        SESSION_COOKIE_NAME=cookie_name,
        SESSION_COOKIE_PATH=cookie_path,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.cookies_secure,
        MAX_CONTENT_LENGTH=256 * 1024,
        WTF_CSRF_TIME_LIMIT=4 * 3600,
        # WTForms ships no Thai catalogue and our forms word their own messages, so Flask-WTF's
        # per-field lookup of WTForms' catalogues only cost time (~0.2 ms a form; issue 11).
        WTF_I18N_ENABLED=False,
        BABEL_DEFAULT_LOCALE="th",
        BABEL_TRANSLATION_DIRECTORIES=";".join(str(path) for path in translations),
        RONGRIAN_SETTINGS=settings,
    )
    for directory in translations:
        compile_catalogs(directory)
    assert app.jinja_loader is not None  # noqa: S101 - Flask always sets one
    app.jinja_loader = ChoiceLoader([app.jinja_loader, FileSystemLoader(HERE / "templates")])
    engine = engine or make_engine(settings.database_url, settings.db_pool)
    availability = availability or DatabaseAvailability()
    availability.watch(engine)
    app.extensions[AVAILABILITY] = availability
    app.extensions[SESSION_FACTORY] = make_session_factory(engine)
    app.extensions[READING_ENGINE] = engine.execution_options(isolation_level="AUTOCOMMIT")
    CSRFProtect(app)
    Babel(app, locale_selector=_select_locale)
    _install_request_translations(app)
    app.teardown_appcontext(_close_db)
    app.after_request(_security_headers)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _server_error)
    app.register_error_handler(sa_exc.SQLAlchemyError, _database_error)
    register_health(app, settings, engine, availability)
    app.add_url_rule("/assets/<path:filename>", endpoint="common_static", view_func=_send_asset)
    _add_template_helpers(app)
    if settings.trusted_proxies:
        # Behind N reverse proxies the client address is the Nth from the right of
        # X-Forwarded-For; without this every citizen would share the proxy's rate limit. The
        # address still only feeds the hashed rate-limit key (hashed_client_key).
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=settings.trusted_proxies, x_proto=settings.trusted_proxies
        )


def _send_asset(filename: str) -> Response:
    if filename.startswith("fonts/"):
        return send_from_directory(FONTS, filename.removeprefix("fonts/"), max_age=86400)
    return send_from_directory(HERE / "static", filename, max_age=3600)


def _add_template_helpers(app: Flask) -> None:
    def template_globals() -> dict[str, Any]:
        locale = current_locale()
        return {
            "locale": locale,
            "label": lambda group, value: label(group, value, locale),
            "thai_date": lambda day: format_date(day, locale),
            "pick": lambda th, en: en if locale == "en" else th,
        }

    app.context_processor(template_globals)


def settings_of(app: Flask) -> Settings:
    """The :class:`Settings` an app was made with."""
    settings: Settings = app.config["RONGRIAN_SETTINGS"]
    return settings
