"""When the database cannot be reached: a 503 page in Thai and English with ``Retry-After``,
rendered without the database, and two log lines per outage and process.

The operator's log gets ``database unavailable`` when an outage starts (the first request,
readiness probe or pool check-out that fails) and ``database available again`` when the next
connection is checked out successfully — never the driver's message (it may quote a host, a user
or a query parameter) and never a traceback. Connections are checked before use
(``pool_pre_ping``, :func:`rongrian.intake.db.make_engine`), so service resumes by itself.
"""

import contextlib
import logging
import threading
import time
from typing import Any

from flask import Flask, Response, current_app, g
from sqlalchemy import Engine, event

from rongrian.intake.db import is_pool_exhausted

#: Key of the process's :class:`DatabaseAvailability` in ``app.extensions``.
AVAILABILITY = "rongrian.database_availability"
#: Seconds a client is asked to wait (``Retry-After``, RFC 9110 section 10.2.3).
RETRY_AFTER_SECONDS = 30
#: Seconds between two log lines about an exhausted pool (it is load, not an outage).
POOL_LOG_INTERVAL = 60.0
LOG = logging.getLogger("rongrian.database")


class DatabaseAvailability:
    """Whether this process's database was last seen reachable; logs each change once.

    One per process and engine: the combined server passes the same one to both apps.
    Thread-safe (gunicorn's threaded workers, Werkzeug's threaded server).
    """

    def __init__(self, logger: logging.Logger = LOG) -> None:
        self._logger = logger
        self._lock = threading.Lock()
        self._down = False
        self._pool_logged_at = -POOL_LOG_INTERVAL

    @property
    def down(self) -> bool:
        """Whether an outage was seen and no connection has worked since."""
        return self._down

    def went_down(self) -> None:
        """Record a failed connection; logs ``database unavailable`` if it was up."""
        with self._lock:
            if self._down:
                return
            self._down = True
        self._logger.warning("database unavailable")

    def came_back(self) -> None:
        """Record a working connection; logs ``database available again`` if it was down."""
        if not self._down:  # the common case, without the lock
            return
        with self._lock:
            if not self._down:
                return
            self._down = False
        self._logger.warning("database available again")

    def pool_exhausted(self) -> None:
        """Record a request that found no free connection in time (at most one line a
        minute: it is load, and the pool size is a setting)."""
        now = time.monotonic()
        with self._lock:
            if now - self._pool_logged_at < POOL_LOG_INTERVAL:
                return
            self._pool_logged_at = now
        self._logger.warning("no free database connection within the pool timeout "
                             "(RONGRIAN_DB_POOL_SIZE, RONGRIAN_DB_MAX_OVERFLOW)")

    def watch(self, engine: Engine) -> None:
        """Count every successful check-out from ``engine``'s pool as the database working."""
        if not event.contains(engine, "checkout", self._checked_out):
            event.listen(engine, "checkout", self._checked_out)

    def _checked_out(self, *_args: Any) -> None:
        self.came_back()


def availability_of(app: Flask) -> DatabaseAvailability:
    """The :class:`DatabaseAvailability` ``app`` reports to."""
    availability: DatabaseAvailability = app.extensions[AVAILABILITY]
    return availability


def _discard_request_session() -> None:
    """Drop the request's database session without touching the database again."""
    session = g.pop("db", None)
    if session is None:
        return
    with contextlib.suppress(Exception):  # a dead connection is invalidated; nothing to do
        session.close()


def unavailable_page(error: BaseException | None = None) -> Response:
    """The 503 answer of a request the database could not serve: records the outage (or the
    exhausted pool) and renders ``unavailable.html`` straight from Jinja (no context
    processor runs: they may read the database or the logged-in user)."""
    availability = availability_of(current_app)
    if error is not None and is_pool_exhausted(error):
        availability.pool_exhausted()
    else:
        availability.went_down()
    _discard_request_session()
    minutes = max(1, RETRY_AFTER_SECONDS // 60)
    html = current_app.jinja_env.get_template("unavailable.html").render(
        minutes_th=minutes, minutes_en="a minute" if minutes == 1 else f"{minutes} minutes")
    response = Response(html, status=503, mimetype="text/html")
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    return response
