"""Shared helpers of the benchmarks: databases to measure on, the demo organisation, statistics.

Nothing here is imported by the application or the tests.
"""

import math
import os
import platform
import re
import socket
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url

from rongrian.admin.migrate import upgrade
from rongrian.admin.organisation import Organisation, create_demo_organisation
from rongrian.intake.db import make_engine, make_session_factory
from rongrian.settings import create_secrets

#: Default PostgreSQL database of the benchmarks (trust authentication on loopback).
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/rongrian_bench"


def python_speed() -> float:
    """Nanoseconds per iteration of a trivial pure-Python loop (a machine's speed at Python)."""
    count = 2_000_000
    started = time.perf_counter()
    total = 0
    for number in range(count):
        total += number
    return (time.perf_counter() - started) * 1e9 / count


def machine_line() -> str:
    """One line naming the machine and software the figures were taken on."""
    return (
        f"machine: {os.cpu_count()} CPU(s), {platform.machine()}, Python "
        f"{platform.python_version()}, {platform.system()} {platform.release()}; "
        f"pure-Python loop {python_speed():.0f} ns/iteration"
    )


def load_line() -> str:
    """The 1/5/15-minute load averages: other work on the machine makes the figures noisy."""
    one, five, fifteen = os.getloadavg()
    return f"load average: {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPU(s)"


def ensure_pg_database(url: str) -> None:
    """Create the database named in ``url`` if it does not exist (connects to ``postgres``)."""
    target = make_url(url)
    name = target.database
    if not name:
        raise SystemExit(f"no database name in {target.render_as_string()}")
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()


def reset_pg_schema(engine: Engine) -> None:
    """Empty the database: ``DROP SCHEMA public CASCADE; CREATE SCHEMA public``."""
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))


def fresh_database(backend: str, database_url: str, sqlite_file: Path) -> Engine:
    """A migrated, empty database: the SQLite file ``sqlite_file`` (which must not hold a schema
    yet) or the PostgreSQL ``database_url`` (created if missing, its public schema reset)."""
    if backend == "sqlite":
        engine = make_engine(f"sqlite:///{sqlite_file}")
    else:
        ensure_pg_database(database_url)
        engine = make_engine(database_url)
        reset_pg_schema(engine)
    upgrade(engine)
    return engine


def install_demo(engine: Engine, strength: str) -> tuple[Organisation, float]:
    """Create the demo municipality; return it and the seconds set-up took (Argon2id cost)."""
    started = time.perf_counter()
    with make_session_factory(engine)() as session:
        organisation = create_demo_organisation(session, strength=strength)
        session.commit()
    return organisation, time.perf_counter() - started


def fresh_instance(database_url: str, folder: Path,
                   seed: Callable[[Engine], None] | None = None) -> Path:
    """A new instance folder with fresh secrets under ``folder``, and the PostgreSQL database
    ``database_url`` emptied and set up with the demo municipality (test-strength keys);
    ``seed(engine)`` fills it further before its connections are let go. Returns the folder."""
    instance = folder / "instance"
    create_secrets(instance)
    engine = fresh_database("postgresql", database_url, folder / "unused.db")
    install_demo(engine, "test")
    if seed is not None:
        seed(engine)
    engine.dispose()
    return instance


class StatementCounter:
    """Counts the SQL statements an engine sends while the ``with`` block runs."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.count = 0

    def _seen(self, *_args: Any) -> None:
        self.count += 1

    def __enter__(self) -> "StatementCounter":
        event.listen(self.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *_exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._seen)


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of already sorted values (``fraction`` in 0..1)."""
    if not sorted_values:
        return float("nan")
    rank = max(1, min(len(sorted_values), math.ceil(fraction * len(sorted_values) - 1e-9)))
    return sorted_values[rank - 1]


@dataclass(frozen=True)
class Latencies:
    """Latency figures in milliseconds of ``count`` timed operations over ``wall`` seconds."""

    count: int
    wall: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    mean_ms: float

    @property
    def per_second(self) -> float:
        """Completed operations per wall-clock second."""
        return self.count / self.wall if self.wall > 0 else float("nan")


def summarise_latencies(seconds: Sequence[float], wall: float) -> Latencies:
    """Turn per-operation durations (seconds) and the loop's wall time into :class:`Latencies`."""
    ordered = sorted(seconds)
    as_ms = [s * 1000 for s in ordered]
    return Latencies(
        count=len(ordered),
        wall=wall,
        p50_ms=percentile(as_ms, 0.50),
        p99_ms=percentile(as_ms, 0.99),
        max_ms=as_ms[-1] if as_ms else float("nan"),
        mean_ms=statistics.fmean(as_ms) if as_ms else float("nan"),
    )


def verdict(ok: bool) -> str:
    """``met`` or ``MISSED`` for a goal line."""
    return "met" if ok else "MISSED"


#: A hidden input of a page, and the name/value attributes in it.
_HIDDEN = re.compile(r'<input[^>]*type="hidden"[^>]*>')
_ATTR = re.compile(r'(name|value)="([^"]*)"')


def hidden_fields(html: str) -> dict[str, str]:
    """Every hidden input of a page by name (the CSRF token, a one-time submission token, …)."""
    fields: dict[str, str] = {}
    for tag in _HIDDEN.findall(html):
        attrs = dict(_ATTR.findall(tag))
        if "name" in attrs:
            fields[attrs["name"]] = attrs.get("value", "")
    return fields


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
