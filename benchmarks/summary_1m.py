"""Executive summary over a large complaint table (rongrian.intake.reporting.summarise).

Fills the ``complaint`` table server-side (one INSERT … SELECT over a generated series) with
plausible rows of the demo municipality spread over fiscal years 2568–2570, in the order they would
have been received, then times ``summarise`` for a fiscal year, a quarter and a month.

    .venv/bin/python -m benchmarks.summary_1m                     # PostgreSQL, 1,000,000 rows
    .venv/bin/python -m benchmarks.summary_1m --keep              # reuse the rows filled before
    .venv/bin/python -m benchmarks.summary_1m --backend sqlite    # SQLite, 200,000 rows

Goal: the fiscal-year summary over 1,000,000 complaints in under 2 s (PostgreSQL).
"""

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, and_, event, func, inspect, select, text
from sqlalchemy.orm import Session

from benchmarks.common import (
    ensure_pg_database,
    fresh_database,
    install_demo,
    load_line,
    machine_line,
    verdict,
)
from rongrian.intake.db import make_engine, make_session_factory
from rongrian.intake.models import Category, Complaint, Sensitivity, Unit
from rongrian.intake.reporting import Period, Summary, parse_period, summarise
from rongrian.intake.thaidate import fiscal_year_bounds
from rongrian.intake.workflow import FINISHED

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/rongrian_bench_1m"
DEFAULT_SQLITE = Path(tempfile.gettempdir()) / "rongrian-bench-summary.db"
FIRST_YEAR, LAST_YEAR = 2568, 2570
PERIODS = ("2569", "2569-Q2", "2569-01")
GOAL_SECONDS = 2.0
GOAL_ROWS = 1_000_000
SLOTS = 1000
FILL_TIMEOUT_MS = 45 * 60 * 1000

#: Relative frequencies (per 100) of categories and channels in the generated rows.
CATEGORY_WEIGHTS = {
    "corruption": 6, "property_misuse": 3, "procurement": 4, "abuse_of_power": 4,
    "unfair_service": 8, "late_service": 14, "general": 45, "suggestion": 10, "compliment": 6,
}
CHANNEL_WEIGHTS = {
    "web": 30, "qr": 15, "line": 25, "phone": 12, "letter": 6, "walk_in": 8, "suggestion_box": 4,
}
#: Status shares (per 100); the last three are finished (they carry finished_on).
STATUS_WEIGHTS = {
    "received": 4, "screening": 4, "forwarded": 5, "in_progress": 12,
    "resolved": 45, "closed": 25, "rejected": 5,
}
FINISHED_STATUSES = ("resolved", "closed", "rejected")

COLUMNS = (
    "id, case_number, fiscal_year, tracking_digest, kind, category_id, unit_id, channel, status, "
    "received_on, due_on, updated_on, finished_on, content, tracking_wrapped_key, identity, "
    "identity_key_custodian, identity_key_recovery"
)


# --- the generated rows -----------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    """One slot of the category/kind/unit table: a row's routing fields are one slot."""

    slot: int
    category_id: int
    sla_days: int
    unit_id: int
    kind: str


def weighted(weights: dict[str, int], rng: random.Random) -> str:
    """One key of ``weights`` drawn by weight."""
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def choice_table(connection: Connection, seed: int) -> list[Choice]:
    """``SLOTS`` plausible (category, SLA, unit, kind) combinations of the demo organisation.

    Whistleblower categories go to the integrity unit as tips or complaints; suggestions and
    compliments are their own kind; the others go to the unit the citizen named or the default.
    """
    rng = random.Random(seed)
    with Session(connection) as session:
        categories = {c.code: c for c in session.scalars(select(Category))}
        units = {u.code: u.id for u in session.scalars(select(Unit))}
        integrity = next(u.id for u in session.scalars(select(Unit).where(Unit.is_integrity)))
    free_units = [units[code] for code in ("PALAD", "FINANCE", "WORKS")]
    table = []
    for slot in range(SLOTS):
        category = categories[weighted(CATEGORY_WEIGHTS, rng)]
        if category.sensitivity == Sensitivity.WHISTLEBLOWER:
            unit_id, kind = integrity, rng.choice(["tip", "tip", "complaint"])
        elif category.code in ("suggestion", "compliment"):
            unit_id, kind = category.default_unit_id, category.code
        else:
            unit_id = (category.default_unit_id if rng.random() < 0.6
                       else rng.choice(free_units))
            kind = rng.choice(["complaint", "grievance"])
        table.append(Choice(slot, category.id, category.sla_days, unit_id, kind))
    return table


def slotted(weights: dict[str, int], rng: random.Random) -> list[tuple[int, str]]:
    """``SLOTS`` (slot, value) pairs drawn by weight (a lookup table for the fill)."""
    return [(slot, weighted(weights, rng)) for slot in range(SLOTS)]


def day_span() -> tuple[date, int, list[int]]:
    """First day of fiscal year 2568, number of days to the end of 2570, and the day offsets
    where 2569 and 2570 begin."""
    first = fiscal_year_bounds(FIRST_YEAR)[0]
    last = fiscal_year_bounds(LAST_YEAR)[1]
    starts = [(fiscal_year_bounds(year)[0] - first).days for year in range(FIRST_YEAR + 1,
                                                                            LAST_YEAR + 1)]
    return first, (last - first).days + 1, starts


def fiscal_year_case(starts: list[int]) -> str:
    """SQL CASE turning the day offset ``d`` into the fiscal year (พ.ศ.)."""
    whens = " ".join(f"WHEN d < {start} THEN {FIRST_YEAR + index}"
                     for index, start in enumerate(starts))
    return f"CASE {whens} ELSE {LAST_YEAR} END"


def create_lookups(connection: Connection, seed: int) -> None:
    """Temporary lookup tables of the fill: routing choices, channels and statuses."""
    rng = random.Random(seed + 1)
    connection.execute(text(
        "CREATE TEMPORARY TABLE bench_choice (slot INTEGER PRIMARY KEY, category_id INTEGER, "
        "sla_days INTEGER, unit_id INTEGER, kind VARCHAR(24))"))
    connection.execute(
        text("INSERT INTO bench_choice VALUES (:slot, :category_id, :sla_days, :unit_id, :kind)"),
        [vars(choice) for choice in choice_table(connection, seed)],
    )
    for name, weights in (("channel", CHANNEL_WEIGHTS), ("status", STATUS_WEIGHTS)):
        connection.execute(text(
            f"CREATE TEMPORARY TABLE bench_{name} (slot INTEGER PRIMARY KEY, value VARCHAR(24))"))
        insert = f"INSERT INTO bench_{name} VALUES (:slot, :value)"  # noqa: S608 - constant name
        connection.execute(text(insert),
                           [{"slot": s, "value": v} for s, v in slotted(weights, rng)])


def _finished_list() -> str:
    return ", ".join(f"'{status}'" for status in FINISHED_STATUSES)


def fill_postgresql(connection: Connection, rows: int, seed: int) -> None:
    """One INSERT … SELECT generate_series, ordered by the day received (as a live table grows).

    Encrypted columns get random-looking bytes of their real sizes (AES-GCM of 256-byte padded
    records: 284/540/796 bytes; a wrapped key 60; a sealed key 92) from a pool of md5 output.
    """
    first, days, starts = day_span()
    connection.execute(text("SELECT set_config('statement_timeout', :ms, true)"),
                       {"ms": str(FILL_TIMEOUT_MS)})
    connection.execute(text("SELECT setseed(:s)"), {"s": (seed % 1000) / 1000})
    connection.execute(text(
        "CREATE TEMPORARY TABLE bench_blob AS SELECT n, decode(string_agg(md5(random()::text), "
        "'' ORDER BY k), 'hex') AS b FROM generate_series(0, 1023) n, generate_series(1, 52) k "
        "GROUP BY n"))
    create_lookups(connection, seed)
    connection.execute(text(f"""
        WITH base AS MATERIALIZED (
            SELECT i, floor(random() * {days})::int AS d, floor(random() * {SLOTS})::int AS sc,
                   floor(random() * {SLOTS})::int AS sh, floor(random() * {SLOTS})::int AS ss,
                   random() AS rf
            FROM generate_series(1, :rows) AS i
        ), shaped AS (
            SELECT b.i, b.d, {fiscal_year_case(starts)} AS fy, c.category_id, c.sla_days,
                   c.unit_id, c.kind, ch.value AS channel, st.value AS status, b.rf,
                   DATE '{first.isoformat()}' + b.d AS received
            FROM base b JOIN bench_choice c ON c.slot = b.sc
            JOIN bench_channel ch ON ch.slot = b.sh JOIN bench_status st ON st.slot = b.ss
        ), finished AS (
            SELECT s.*, CASE WHEN s.status IN ({_finished_list()})
                        THEN s.received + floor(s.rf * s.sla_days * 1.6)::int END AS done
            FROM shaped s
        )
        INSERT INTO complaint ({COLUMNS})
        SELECT gen_random_uuid(),
               f.fy || '/' || lpad((row_number() OVER (PARTITION BY f.fy ORDER BY f.d, f.i))::text,
                                   6, '0'),
               f.fy, sha256(int8send(f.i)), f.kind, f.category_id, f.unit_id, f.channel,
               f.status, f.received, f.received + f.sla_days,
               coalesce(f.done, f.received + floor(f.rf * 10)::int), f.done,
               substring(p.b FROM 1 FOR 284 + 256 * (f.i % 3)::int),
               substring(q.b FROM 1 FOR 60), substring(q.b FROM 61 FOR 284),
               substring(q.b FROM 345 FOR 92), substring(q.b FROM 437 FOR 92)
        FROM finished f
        JOIN bench_blob p ON p.n = f.i % 1024
        JOIN bench_blob q ON q.n = (f.i * 7 + 3) % 1024
        ORDER BY f.d, f.i
    """), {"rows": rows})  # noqa: S608 - built from module constants only


def fill_sqlite(connection: Connection, rows: int, seed: int) -> None:
    """The SQLite version of :func:`fill_postgresql` (recursive series, randomblob)."""
    first, days, starts = day_span()
    create_lookups(connection, seed)

    def rnd(n: int) -> str:
        return f"(abs(random()) % {n})"

    connection.execute(text(f"""
        WITH RECURSIVE series(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM series WHERE i < :rows),
        base AS MATERIALIZED (
            SELECT i, {rnd(days)} AS d, {rnd(SLOTS)} AS sc, {rnd(SLOTS)} AS sh,
                   {rnd(SLOTS)} AS ss, {rnd(1000)} / 1000.0 AS rf
            FROM series
        ), shaped AS (
            SELECT b.i, b.d, {fiscal_year_case(starts)} AS fy, c.category_id, c.sla_days,
                   c.unit_id, c.kind, ch.value AS channel, st.value AS status, b.rf
            FROM base b JOIN bench_choice c ON c.slot = b.sc
            JOIN bench_channel ch ON ch.slot = b.sh JOIN bench_status st ON st.slot = b.ss
        ), finished AS (
            SELECT s.*, CASE WHEN s.status IN ({_finished_list()})
                        THEN CAST(s.rf * s.sla_days * 1.6 AS INTEGER) END AS done_after
            FROM shaped s
        )
        INSERT INTO complaint ({COLUMNS})
        SELECT lower(hex(randomblob(16))),
               f.fy || '/' || printf('%06d', row_number() OVER (PARTITION BY f.fy
                                                                  ORDER BY f.d, f.i)),
               f.fy, randomblob(32), f.kind, f.category_id, f.unit_id, f.channel, f.status,
               date('{first.isoformat()}', '+' || f.d || ' days'),
               date('{first.isoformat()}', '+' || (f.d + f.sla_days) || ' days'),
               date('{first.isoformat()}',
                    '+' || (f.d + coalesce(f.done_after, CAST(f.rf * 10 AS INTEGER))) || ' days'),
               CASE WHEN f.done_after IS NOT NULL
                    THEN date('{first.isoformat()}', '+' || (f.d + f.done_after) || ' days') END,
               randomblob(284 + 256 * (f.i % 3)), randomblob(60), randomblob(284),
               randomblob(92), randomblob(92)
        FROM finished f ORDER BY f.d, f.i
    """), {"rows": rows})  # noqa: S608 - built from module constants only


def sync_case_counters(connection: Connection) -> None:
    """Set each fiscal year's case counter to the last number issued by the fill."""
    connection.execute(text("DELETE FROM case_counter"))
    connection.execute(text(
        "INSERT INTO case_counter (fiscal_year, last_number) SELECT fiscal_year, count(*) "
        "FROM complaint GROUP BY fiscal_year"))


def fill(engine: Engine, rows: int, seed: int) -> float:
    """Fill ``rows`` complaints and refresh statistics; return the seconds it took."""
    started = time.perf_counter()
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            fill_postgresql(connection, rows, seed)
        else:
            fill_sqlite(connection, rows, seed)
        sync_case_counters(connection)
    analyse(engine)
    return time.perf_counter() - started


def analyse(engine: Engine) -> None:
    """VACUUM (ANALYZE) on PostgreSQL (as autovacuum would after a bulk load), ANALYZE on SQLite."""
    statement = "VACUUM (ANALYZE) complaint" if engine.dialect.name == "postgresql" else "ANALYZE"
    with engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").execute(text(statement))


# --- timing -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Timing:
    """Seconds of the first call and of the following ``runs`` calls of one period."""

    label: str
    total: int
    first: float
    runs: list[float]

    def row(self) -> str:
        """One result line."""
        return (
            f"  {self.label:<9} {self.total:>9,} complaints  first {self.first:7.3f} s  "
            f"min {min(self.runs):7.3f}  median {statistics.median(self.runs):7.3f}  "
            f"max {max(self.runs):7.3f} s  (runs={len(self.runs)})"
        )


Summariser = Callable[[Session, Period], Summary]


def current(session: Session, period: Period) -> Summary:
    """``rongrian.intake.reporting.summarise`` as it is."""
    return summarise(session, period)


def time_summary(
    engine: Engine, label: str, runs: int, deadline: float, summariser: Summariser = current
) -> Timing:
    """Call ``summariser`` on a fresh session 1 + ``runs`` times (until ``deadline``)."""
    factory = make_session_factory(engine)
    period = parse_period(label)
    durations: list[float] = []
    total = 0
    for _ in range(runs + 1):
        with factory() as session:
            started = time.perf_counter()
            result = summariser(session, period)
            durations.append(time.perf_counter() - started)
            total = result.total
        if time.perf_counter() > deadline:
            break
    return Timing(label, total, durations[0], durations[1:] or durations[:1])


@contextmanager
def captured_statements(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    """Record (SQL, parameters) of every statement ``engine`` runs within the block."""
    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_rest: Any) -> None:
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def explain(engine: Engine, label: str, summariser: Summariser = current) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) — or SQLite's EXPLAIN QUERY PLAN — of the summary query."""
    with captured_statements(engine) as seen, make_session_factory(engine)() as session:
        summariser(session, parse_period(label))
    statement, parameters = next((s, p) for s, p in seen if "GROUP BY" in s)
    prefix = ("EXPLAIN (ANALYZE, BUFFERS) " if engine.dialect.name == "postgresql"
              else "EXPLAIN QUERY PLAN ")
    with engine.connect() as connection:
        plan = connection.exec_driver_sql(prefix + statement, parameters).all()
    return "\n".join(" | ".join(str(v) for v in row) for row in plan)


# --- the proposed query (for --proposal; not applied to rongrian/intake/reporting.py) ----------


def proposed_summarise(session: Session, period: Period, *, as_of: date | None = None) -> Summary:
    """``summarise`` with the proposed query: group by the five clear columns only and count the
    service-standard classes with FILTER aggregates, instead of grouping by a CASE expression.

    PostgreSQL cannot estimate the number of groups of a CASE expression (here it guessed 98,000
    for 2,600), so it picks a sort that spills to disk; with five plain columns it picks an
    in-memory hash aggregate. Same :class:`Summary` as ``summarise``.
    """
    as_of = min(as_of or period.end, period.end)
    finished = Complaint.status.in_(list(FINISHED))
    columns = (Complaint.category_id, Complaint.unit_id, Complaint.channel, Complaint.status,
               Complaint.kind)
    query = (
        select(
            *columns, func.count(),
            func.count().filter(finished),
            func.count().filter(and_(finished, Complaint.finished_on <= Complaint.due_on)),
            func.count().filter(and_(~finished, Complaint.due_on < as_of)),
        )
        .where(Complaint.received_on.between(period.start, period.end))
        .group_by(*columns)
    )
    categories = {c.id: c for c in session.scalars(select(Category))}
    units = {u.id: u for u in session.scalars(select(Unit))}
    summary = Summary(period)
    summary.category_names = {c.code: (c.name_th, c.name_en) for c in categories.values()}
    summary.unit_names = {u.code: (u.name_th, u.name_en) for u in units.values()}
    for category_id, unit_id, channel, status, kind, n, done, within, overdue in session.execute(
        query
    ):
        summary.total += n
        summary.by_category[categories[category_id].code] += n
        summary.by_unit[units[unit_id].code] += n
        summary.by_channel[str(channel)] += n
        summary.by_status[str(status)] += n
        summary.by_kind[str(kind)] += n
        summary.within_standard += within
        summary.late += done - within
        summary.open_overdue += overdue
    return summary


# --- set-up -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Options:
    """Command-line options."""

    backend: str
    rows: int
    keep: bool
    url: str
    runs: int
    seed: int
    explain: bool
    try_index: bool
    proposal: bool
    max_seconds: float


def existing_rows(engine: Engine) -> int:
    """Complaints already in the database (0 when it has no schema yet)."""
    if not inspect(engine).has_table("complaint"):
        return 0
    with engine.connect() as connection:
        return int(connection.scalar(text("SELECT count(*) FROM complaint")) or 0)


def prepare(options: Options) -> tuple[Engine, str]:
    """The database to measure (filled unless ``--keep`` finds rows); and a note on the fill."""
    if options.backend == "postgresql":
        ensure_pg_database(options.url)
        engine = make_engine(options.url)
    else:
        engine = make_engine(f"sqlite:///{options.url}")
    if options.keep:
        found = existing_rows(engine)
        if found:
            return engine, f"kept {found:,} complaints from an earlier fill (--keep)"
    engine.dispose()
    if options.backend == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(options.url + suffix).unlink(missing_ok=True)
    engine = fresh_database(options.backend, options.url, Path(options.url))
    install_demo(engine, "test")
    seconds = fill(engine, options.rows, options.seed)
    return engine, f"filled {options.rows:,} complaints in {seconds:.1f} s (incl. VACUUM/ANALYZE)"


def size_note(engine: Engine) -> str:
    """Size of the complaint table (PostgreSQL: heap + TOAST + indexes)."""
    if engine.dialect.name != "postgresql":
        return ""
    with engine.connect() as connection:
        size = connection.scalar(text(
            "SELECT pg_size_pretty(pg_total_relation_size('complaint')) || ' total, heap ' || "
            "pg_size_pretty(pg_relation_size('complaint'))"))
    return f"complaint table: {size}"


def index_sizes(engine: Engine) -> str:
    """PostgreSQL: sizes of the trial index and of the existing received_on index."""
    if engine.dialect.name != "postgresql":
        return ""
    with engine.connect() as connection:
        sizes = connection.execute(text(
            "SELECT pg_size_pretty(pg_relation_size('bench_ix_summary')), "
            "pg_size_pretty(pg_relation_size('ix_complaint_received_on'))")).one()
    return f"; {sizes[0]}, vs {sizes[1]} for ix_complaint_received_on"


SQLITE_INDEX = ("CREATE INDEX bench_ix_summary ON complaint (received_on, category_id, unit_id, "
                "channel, status, kind, due_on, finished_on)")
PG_INDEX = ("CREATE INDEX bench_ix_summary ON complaint (received_on) INCLUDE (category_id, "
            "unit_id, channel, status, kind, due_on, finished_on)")


@contextmanager
def trial_index(engine: Engine) -> Iterator[str]:
    """A covering index for the summary query, present only within the block."""
    ddl = PG_INDEX if engine.dialect.name == "postgresql" else SQLITE_INDEX
    with engine.begin() as connection:
        connection.execute(text(ddl))
    analyse(engine)
    try:
        yield ddl
    finally:
        with engine.begin() as connection:
            connection.execute(text("DROP INDEX bench_ix_summary"))


def run(options: Options, engine: Engine, summariser: Summariser = current) -> list[Timing]:
    """Time every period; print the figures; return them."""
    deadline = time.perf_counter() + options.max_seconds
    timings = [time_summary(engine, label, options.runs, deadline, summariser)
               for label in PERIODS]
    for timing in timings:
        print(timing.row())
    return timings


def same_results(engine: Engine) -> bool:
    """True if the proposed query gives the very same summaries as ``summarise``."""
    with make_session_factory(engine)() as session:
        return all(
            proposed_summarise(session, parse_period(label)) == summarise(session,
                                                                          parse_period(label))
            for label in PERIODS
        )


def goal_line(engine: Engine, year: Timing) -> str:
    """The goal beside the fiscal-year figures (met only on PostgreSQL with 1,000,000 rows)."""
    median = statistics.median(year.runs)
    scope = ("" if engine.dialect.name == "postgresql" and existing_rows(engine) >= GOAL_ROWS
             else "  [not the goal's set-up: information only]")
    return (f"  goal: fiscal-year summary over {GOAL_ROWS:,} complaints < {GOAL_SECONDS:.0f} s "
            f"(PostgreSQL): median {median:.3f} s, max {max(year.runs):.3f} s -> "
            f"{verdict(median < GOAL_SECONDS)}{scope}")


def measure(options: Options, engine: Engine, heading: str, *, goal: bool = False) -> None:
    """Time the current query and, with ``--proposal``, the proposed one; print the plans."""
    print(heading)
    year = run(options, engine)[0]
    if goal:
        print(goal_line(engine, year))
    if options.explain:
        print(f"plan of the {PERIODS[0]} summary query:")
        print(explain(engine, PERIODS[0]))
    if options.proposal:
        print(f"proposed query (see proposed_summarise); same summaries as summarise: "
              f"{same_results(engine)}")
        run(options, engine, proposed_summarise)
        if options.explain:
            print(f"plan of the proposed {PERIODS[0]} query:")
            print(explain(engine, PERIODS[0], proposed_summarise))


def parse_args(argv: Sequence[str]) -> Options:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--rows", type=int, default=None,
                        help="complaints to fill (default 1,000,000; 200,000 on SQLite)")
    parser.add_argument("--keep", action="store_true", help="reuse the rows of an earlier fill")
    parser.add_argument("--database-url", default=None,
                        help=f"PostgreSQL URL (default {DEFAULT_URL}) or, with --backend sqlite, "
                             f"a file path (default {DEFAULT_SQLITE})")
    parser.add_argument("--runs", type=int, default=5, help="timed runs after the first")
    parser.add_argument("--seed", type=int, default=2569)
    parser.add_argument("--explain", action="store_true",
                        help="print the query plan of the fiscal-year summary")
    parser.add_argument("--try-index", action="store_true",
                        help="re-time with a temporary covering index (dropped afterwards)")
    parser.add_argument("--proposal", action="store_true",
                        help="also time the proposed query (proposed_summarise) and check that "
                             "it gives the same summaries")
    parser.add_argument("--max-seconds", type=float, default=600.0,
                        help="stop repeating runs after this many seconds (default 600)")
    args = parser.parse_args(argv)
    sqlite = args.backend == "sqlite"
    rows = args.rows if args.rows is not None else (200_000 if sqlite else GOAL_ROWS)
    if not 1_000 <= rows <= 10_000_000 or not 1 <= args.runs <= 100:
        parser.error("need 1000 <= --rows <= 10,000,000 and 1 <= --runs <= 100")
    url = args.database_url or (str(DEFAULT_SQLITE) if sqlite else DEFAULT_URL)
    return Options(args.backend, rows, args.keep, url, args.runs, args.seed, args.explain,
                   args.try_index, args.proposal, args.max_seconds)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; figures go to standard output."""
    options = parse_args(sys.argv[1:] if argv is None else argv)
    print("Rongrian summary benchmark (rongrian.intake.reporting.summarise)")
    print(machine_line())
    engine, note = prepare(options)
    try:
        print(f"{options.backend}: {note}")
        print(f"before timing, {load_line()}")
        if size := size_note(engine):
            print(size)
        measure(options, engine, "summarise as it is (rongrian.intake.reporting):",
                goal=True)
        if options.try_index:
            with trial_index(engine) as ddl:
                heading = f"with a trial covering index ({ddl}){index_sizes(engine)}:"
                measure(options, engine, heading)
        print(f"at end, {load_line()}")
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
