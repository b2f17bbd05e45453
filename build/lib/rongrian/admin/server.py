"""The embedded default: one process serving the public app at ``/`` and the staff app at
``/staff``, without request logging (no client address ever reaches a log)."""

import logging
from typing import Any

from sqlalchemy import Engine
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.serving import WSGIRequestHandler, run_simple

from rongrian.admin.web.app import create_staff_app
from rongrian.channels.web.app import create_public_app
from rongrian.intake.db import make_engine
from rongrian.intake.notify import NOTIFIER_EXTENSION, deliver_after_commit
from rongrian.settings import Settings
from rongrian.web.app import SESSION_FACTORY
from rongrian.web.outage import DatabaseAvailability

STAFF_PREFIX = "/staff"
#: The embedded server's own lines (never a client address, a path or a request line).
SERVER_LOG = logging.getLogger("rongrian.server")


class QuietRequestHandler(WSGIRequestHandler):
    """Werkzeug's handler minus every log line that would name the client (issue 13, L4).

    Werkzeug prefixes each line with the client address: the access log (``log_request``)
    is dropped; the standard library's error lines (``log_error``: a malformed request line,
    a bad HTTP version, a timeout) are written without the address and without their
    arguments (a malformed request line is whatever the client sent), keeping only the
    status code where there is one; anything else (``log_message``) is dropped.
    """

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        return None

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
        return None

    def log_error(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
        if format.startswith("code %d") and args and isinstance(args[0], int):
            SERVER_LOG.info("refused a malformed request: HTTP %d", args[0])
        else:
            SERVER_LOG.info("request error: %s", format.split("%", 1)[0].strip(" :"))

    def log(self, type: str, message: str, *args: Any) -> None:  # noqa: A002
        return None

    def handle(self) -> None:
        """Handle a connection; an unexpected error is logged by its type only (the socket
        server's own report would print the client address)."""
        try:
            super().handle()
        except Exception as exc:  # noqa: BLE001 - one broken connection must not log an address
            SERVER_LOG.warning("connection failed: %s", type(exc).__name__)


def combined_app(settings: Settings, *, engine: Engine | None = None) -> DispatcherMiddleware:
    """Public app at ``/``, staff app at ``/staff`` (its cookie limited to that path).

    Both share one connection pool (``engine``, or one made from ``settings.database_url``
    and ``settings.db_pool``) and one :class:`DatabaseAvailability` (one pair of outage log
    lines per process).
    """
    engine = engine or make_engine(settings.database_url, settings.db_pool)
    availability = DatabaseAvailability()
    public = create_public_app(settings, engine=engine, availability=availability)
    staff = create_staff_app(settings, engine=engine, cookie_path=STAFF_PREFIX,
                             availability=availability)
    notifier = public.extensions.get(NOTIFIER_EXTENSION)
    if notifier is not None:  # staff status changes and replies push to LINE subscribers
        deliver_after_commit(staff.extensions[SESSION_FACTORY], notifier)
    return DispatcherMiddleware(public, {STAFF_PREFIX: staff})


def serve(settings: Settings, host: str, port: int) -> None:
    """Run the combined app with Werkzeug's threaded server until interrupted."""
    run_simple(host, port, combined_app(settings), threaded=True,
               request_handler=QuietRequestHandler)
