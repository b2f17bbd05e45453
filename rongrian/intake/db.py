"""Engine and session factory for SQLite (embedded default) and PostgreSQL."""

import os
import select
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

#: Mode of a SQLite database file made here (its -wal, -shm and -journal files copy it).
SQLITE_FILE_MODE = 0o600


@dataclass(frozen=True)
class PoolOptions:
    """Connection pool of one process: ``size`` connections kept open, up to ``max_overflow``
    more under load, and at most ``timeout`` seconds waited for a free one before
    :class:`sqlalchemy.exc.TimeoutError` (the web apps answer 503 then, never hang).
    ``connect_timeout`` (seconds) bounds a new PostgreSQL connection, so an unreachable host
    fails as fast as a refused one."""

    size: int = 10
    max_overflow: int = 10
    timeout: float = 10.0
    connect_timeout: int = 5


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    # Deleted rows are overwritten with zeros (issue 7 §3). SQLite keeps this per connection
    # (not in the file), so every connection sets it.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


#: ``ConnectionPoolEntry.info`` key of a connection made for this check-out, not yet used.
_FRESH = "rongrian.fresh"


def _mark_fresh(_dbapi_connection: Any, record: Any) -> None:
    record.info[_FRESH] = True


def _closed_by_server(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    """Pool check-out of a PostgreSQL connection: refuse one the server has closed.

    An idle connection has nothing to read; a server that restarted, shut down or terminated
    the backend has sent its goodbye (an error message, then end of file), so a readable socket
    means the connection is gone. Raising ``DisconnectionError`` makes the pool drop it and
    check out another (SQLAlchemy, "Disconnect Handling - Pessimistic", custom events). This
    replaces ``pool_pre_ping``'s ``SELECT 1``: the same promise without a round trip on every
    check-out (issue 11). A connection the server has not closed but cannot reach (a network
    cut without a goodbye) is found by its first statement, as before. A connection made for
    this very check-out is not looked at: it has just talked to the server, and whatever it
    may have left to read can never refuse every connection.
    """
    if record.info.pop(_FRESH, False):
        return
    connection = getattr(dbapi_connection, "driver_connection", dbapi_connection)
    if connection.closed:
        raise sa_exc.DisconnectionError
    try:
        descriptor = connection.fileno()
    except Exception as error:  # noqa: BLE001 - the driver's: a connection it cannot use
        raise sa_exc.DisconnectionError from error
    poller = select.poll()
    poller.register(descriptor, select.POLLIN | select.POLLPRI)
    if poller.poll(0):
        raise sa_exc.DisconnectionError


def create_private_sqlite_file(url: str) -> None:
    """Create the SQLite file of ``url`` empty with mode 0600 if it does not exist yet.

    SQLite itself would create it with the process's umask (0644 usually), readable by every
    local user; it gives its ``-wal``, ``-shm`` and ``-journal`` files the database file's
    mode. In-memory URLs and files in a missing folder are left to SQLite (which then fails).
    """
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    if path.exists() or not path.parent.is_dir():
        return
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, SQLITE_FILE_MODE)
    except FileExistsError:  # another process made it first
        return
    os.close(fd)


def make_engine(url: str, pool: PoolOptions | None = None) -> Engine:
    """Engine for ``url`` (``sqlite:///…`` or ``postgresql+psycopg://…``) with ``pool``
    (:class:`PoolOptions`; defaults when ``None``).

    Connections are checked before use, so a database restart costs no request and service
    resumes by itself: SQLite's with ``pool_pre_ping``, PostgreSQL's by whether the server
    closed them (:func:`_closed_by_server`, no round trip). A new SQLite file is made 0600
    (:func:`create_private_sqlite_file`) and gets foreign keys, WAL and a 10 s busy timeout so
    that concurrent writers wait instead of failing.
    """
    pool = pool or PoolOptions()
    sizing: dict[str, Any] = {"pool_size": pool.size, "max_overflow": pool.max_overflow,
                              "pool_timeout": pool.timeout}
    if url.startswith("sqlite"):
        create_private_sqlite_file(url)
        in_memory = make_url(url).database in (None, "", ":memory:")
        engine = create_engine(url, connect_args={"check_same_thread": False},
                               **({} if in_memory else {**sizing, "pool_pre_ping": True}))
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    connect_args: dict[str, Any] = {}
    if "connect_timeout" not in make_url(url).query:
        connect_args["connect_timeout"] = pool.connect_timeout
    engine = create_engine(url, connect_args=connect_args, **sizing)
    event.listen(engine, "connect", _mark_fresh)
    event.listen(engine, "checkout", _closed_by_server)
    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


#: SQLSTATE classes of a server that cannot serve now (PostgreSQL, Appendix A): 08 connection
#: exception, 57P operator intervention (shutdown, crash recovery), 53 insufficient resources.
UNAVAILABLE_SQLSTATES = ("08", "57P", "53")
#: SQLite result codes of a file that cannot be used now: BUSY, LOCKED, IOERR, FULL, CANTOPEN.
UNAVAILABLE_SQLITE_CODES = frozenset({5, 6, 10, 13, 14})


def is_database_unavailable(error: BaseException) -> bool:
    """Whether ``error`` means the database cannot be reached or used for now (refused or lost
    connection, server shutting down or out of connections, pool exhausted, SQLite file locked
    or unopenable) rather than a fault of the query or the code (a missing table, a conflict
    between transactions, a constraint).

    True for the pool's :class:`sqlalchemy.exc.TimeoutError`, any ``DBAPIError`` whose
    connection was invalidated (a disconnect), and ``OperationalError``/``InterfaceError``
    whose driver error has no server answer or one of :data:`UNAVAILABLE_SQLSTATES` /
    :data:`UNAVAILABLE_SQLITE_CODES`.
    """
    if isinstance(error, sa_exc.TimeoutError):
        return True
    if not isinstance(error, sa_exc.DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    if not isinstance(error, sa_exc.OperationalError | sa_exc.InterfaceError):
        return False
    sqlite_code = getattr(error.orig, "sqlite_errorcode", None)
    if isinstance(sqlite_code, int):
        return sqlite_code & 0xFF in UNAVAILABLE_SQLITE_CODES
    sqlstate = getattr(error.orig, "sqlstate", None)
    return not sqlstate or str(sqlstate).startswith(UNAVAILABLE_SQLSTATES)


def is_pool_exhausted(error: BaseException) -> bool:
    """Whether ``error`` is the pool's timeout (every connection busy), not an outage."""
    return isinstance(error, sa_exc.TimeoutError)
