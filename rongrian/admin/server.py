"""The embedded default: one process serving the public app at ``/`` and the staff app at
``/staff``, without request logging (no client address ever reaches a log)."""

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

STAFF_PREFIX = "/staff"


class QuietRequestHandler(WSGIRequestHandler):
    """Werkzeug's handler minus its access log, which would record client addresses."""

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def combined_app(settings: Settings, *, engine: Engine | None = None) -> DispatcherMiddleware:
    """Public app at ``/``, staff app at ``/staff`` (its cookie limited to that path).

    Both share one connection pool: ``engine``, or one made from ``settings.database_url``.
    """
    engine = engine or make_engine(settings.database_url)
    public = create_public_app(settings, engine=engine)
    staff = create_staff_app(settings, engine=engine, cookie_path=STAFF_PREFIX)
    notifier = public.extensions.get(NOTIFIER_EXTENSION)
    if notifier is not None:  # staff status changes and replies push to LINE subscribers
        deliver_after_commit(staff.extensions[SESSION_FACTORY], notifier)
    return DispatcherMiddleware(public, {STAFF_PREFIX: staff})


def serve(settings: Settings, host: str, port: int) -> None:
    """Run the combined app with Werkzeug's threaded server until interrupted."""
    run_simple(host, port, combined_app(settings), threaded=True,
               request_handler=QuietRequestHandler)
