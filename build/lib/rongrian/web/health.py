"""``GET /healthz`` and ``GET /readyz`` for a load balancer or systemd, on both apps.

- ``/healthz``: the process answers (200 ``ok``); it touches nothing else.
- ``/readyz``: 200 ``ok`` when the database answers, its schema is at the newest Alembic
  revision, the secrets are loaded and Redis (when configured, for the LINE queue or the rate
  limits) answers; else 503 ``not ready: <names>`` (``database``, ``schema``, ``secrets``,
  ``redis``, ``ratelimit-storage``).

Plain text, no data, ``Cache-Control: no-store``; no cookie, no rate limit, and (like every
request) no access log.
"""

from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic.script import ScriptDirectory
from flask import Flask, Response
from limits.storage import storage_from_string
from redis import Redis
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DatabaseError

from rongrian.intake.db import is_database_unavailable
from rongrian.settings import SECRET_BYTES, Settings
from rongrian.web.outage import DatabaseAvailability

#: The packaged Alembic scripts (``rongrian/migrations``).
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
#: Seconds a Redis check may take.
REDIS_TIMEOUT = 2.0


def plain(body: str, status: int) -> Response:
    """A plain-text answer that no cache keeps."""
    response = Response(body + "\n", status=status, mimetype="text/plain")
    response.headers["Cache-Control"] = "no-store"
    return response


class Readiness:
    """The checks of ``/readyz`` for one app; clients to Redis are made once and kept."""

    def __init__(self, settings: Settings, engine: Engine,
                 availability: DatabaseAvailability) -> None:
        self._settings = settings
        self._engine = engine
        self._availability = availability
        self._heads: frozenset[str] | None = None
        self._redis: Redis | None = None
        self._ratelimit: Any = None  # a limits storage, made on first use

    def problems(self) -> list[str]:
        """Names of what is not ready, in a fixed order (empty when all is ready)."""
        found = self._database_problems()
        if not self._secrets_loaded():
            found.append("secrets")
        if self._settings.redis_url and not self._redis_answers():
            found.append("redis")
        if self._settings.ratelimit_storage.startswith(("redis", "rediss")) \
                and not self._ratelimit_answers():
            found.append("ratelimit-storage")
        return found

    def view(self) -> Response:
        """``GET /readyz``."""
        found = self.problems()
        if found:
            return plain("not ready: " + ", ".join(found), 503)
        return plain("ok", 200)

    def _expected_heads(self) -> frozenset[str]:
        if self._heads is None:
            self._heads = frozenset(ScriptDirectory(str(MIGRATIONS)).get_heads())
        return self._heads

    def _database_problems(self) -> list[str]:
        try:
            with self._engine.connect() as connection:
                connection.execute(text("SELECT 1"))
                current = self._current_heads(connection)
        except Exception as exc:  # noqa: BLE001 - any failure means "not ready", never a 500
            if is_database_unavailable(exc):
                self._availability.went_down()
            return ["database"]
        return [] if current == self._expected_heads() else ["schema"]

    @staticmethod
    def _current_heads(connection: Connection) -> frozenset[str]:
        """The revisions in Alembic's version table (none when it is missing)."""
        try:
            with connection.begin_nested():
                rows = connection.execute(text("SELECT version_num FROM alembic_version"))
                return frozenset(str(row[0]) for row in rows)
        except DatabaseError as exc:
            if is_database_unavailable(exc):
                raise
            return frozenset()

    def _secrets_loaded(self) -> bool:
        values = self._settings.secrets
        return all(len(secret) == SECRET_BYTES for secret in
                   (values.public_secret_key, values.staff_secret_key, values.tracking_pepper))

    def _redis_answers(self) -> bool:
        try:
            if self._redis is None:
                self._redis = Redis.from_url(self._settings.redis_url,
                                             socket_connect_timeout=REDIS_TIMEOUT,
                                             socket_timeout=REDIS_TIMEOUT)
            return bool(self._redis.ping())
        except Exception:  # noqa: BLE001 - unreachable, refused, bad URL: not ready
            return False

    def _ratelimit_answers(self) -> bool:
        try:
            if self._ratelimit is None:
                self._ratelimit = storage_from_string(
                    self._settings.ratelimit_storage, socket_timeout=REDIS_TIMEOUT,
                    socket_connect_timeout=REDIS_TIMEOUT)
            return bool(self._ratelimit.check())
        except Exception:  # noqa: BLE001 - unreachable, refused, bad URI: not ready
            return False


def _healthz() -> Response:
    return plain("ok", 200)


def register_health(app: Flask, settings: Settings, engine: Engine,
                    availability: DatabaseAvailability) -> None:
    """Add ``/healthz`` and ``/readyz`` to ``app`` (``/staff/healthz`` etc. when mounted)."""
    readiness = Readiness(settings, engine, availability)
    view: Callable[..., Any] = readiness.view
    app.add_url_rule("/healthz", endpoint="healthz", view_func=_healthz)
    app.add_url_rule("/readyz", endpoint="readyz", view_func=view)
