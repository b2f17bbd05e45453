"""The period report's documents over a large complaint table (issue 10 §5).

Fills the ``complaint`` table as :mod:`benchmarks.summary_1m` does (server-side, plausible rows
of the demo municipality over fiscal years 2568–2570), then times, for fiscal year 2569 (about a
third of the rows), :func:`rongrian.intake.period_report.build_report` of each kind,
:func:`rongrian.intake.reporting.summarise`, the whole executive summary page
(``GET /summary?period=2569&kind=…`` through the staff app and Flask's test client, logged in as
``bench-executive``, an executive account the benchmark adds once: tables, trend chart, overdue
list) and :func:`rongrian.admin.report_documents.build` of the memo Word file, the memo PDF (both
with their charts) and the workbook (both kinds): a first call, then ``--runs`` calls, each on a
fresh session. The documents' sizes and page counts are printed too.

    .venv/bin/python -m benchmarks.report_documents                       # 1,000,000 rows
    .venv/bin/python -m benchmarks.report_documents --keep                # reuse the rows
    .venv/bin/python -m benchmarks.report_documents --rows 100000
    .venv/bin/python -m benchmarks.report_documents --keep --proposed-index  # with PROPOSED_INDEX

Goals (issue 10 §5, PostgreSQL, 1,000,000 complaints, fiscal year): the summary page under 1 s;
each document under 5 s.
"""

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from flask.testing import FlaskClient
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from benchmarks.common import (
    ensure_pg_database,
    fresh_database,
    install_demo,
    load_line,
    machine_line,
    verdict,
)
from benchmarks.summary_1m import fill as fill_rows
from rongrian.admin.accounts import add_staff
from rongrian.admin.report_documents import build
from rongrian.admin.web.app import create_staff_app
from rongrian.intake.audit import ChainHead
from rongrian.intake.db import make_engine, make_session_factory
from rongrian.intake.models import Complaint, Role, StaffAccount
from rongrian.intake.period_report import ReportKind, build_report
from rongrian.intake.reporting import parse_period, summarise
from rongrian.settings import Settings, create_secrets

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/rongrian_bench_reports"
PERIOD = "2569"
GOAL_SECONDS = 5.0
PAGE_GOAL_SECONDS = 1.0
HEAD = ChainHead(1, "0" * 64)
EXECUTIVE = "bench-executive"
#: The covering index proposed for the reports (issue 10 §5): every column the summary and the
#: period reports read, so PostgreSQL answers them with index-only scans instead of reading a
#: third of the table's heap (about 420 MB at 1,000,000 rows) five to seven times a page.
PROPOSED_INDEX = ("CREATE INDEX IF NOT EXISTS bench_ix_report ON complaint (received_on) INCLUDE "
                  "(category_id, unit_id, channel, status, kind, due_on, finished_on, "
                  "acknowledged_on, reopen_count, duplicate_of_id, poster_id, box_opening_id, "
                  "case_number)")
PASSWORD = "bench-executive-pass-1"  # noqa: S105 - a throw-away benchmark account


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="reuse the rows of an earlier fill")
    parser.add_argument("--seed", type=int, default=20)
    parser.add_argument("--formats", default="pdf,xlsx,docx",
                        help="which documents to time, in order (comma-separated)")
    parser.add_argument("--kinds", default="general,corruption",
                        help="which reports to time (the workbook always holds both)")
    parser.add_argument("--no-page", action="store_true", help="skip the summary page")
    parser.add_argument("--proposed-index", action="store_true",
                        help="create PROPOSED_INDEX (then VACUUM ANALYZE) first, drop it after")
    return parser.parse_args(argv)


def prepare(options: argparse.Namespace) -> tuple[Engine, str]:
    """The database to measure, filled unless ``--keep`` finds rows; and a note on it."""
    ensure_pg_database(options.database_url)
    engine = make_engine(options.database_url)
    if options.keep:
        with make_session_factory(engine)() as session:
            found = session.scalar(select(func.count()).select_from(Complaint)) or 0
        if found:
            return engine, f"kept {found:,} complaints from an earlier fill (--keep)"
    engine.dispose()
    engine = fresh_database("postgresql", options.database_url, Path("unused"))
    install_demo(engine, "test")
    seconds = fill_rows(engine, options.rows, options.seed)
    return engine, f"filled {options.rows:,} complaints in {seconds:.1f} s (incl. VACUUM/ANALYZE)"


def timed(engine: Engine, name: str, runs: int, work: Callable[[Session], str]) -> float:
    """Run ``work`` on a fresh session 1 + ``runs`` times; print and return the median."""
    factory = make_session_factory(engine)
    seconds, note = [], ""
    for _ in range(runs + 1):
        with factory() as session:
            started = time.perf_counter()
            note = work(session)
            seconds.append(time.perf_counter() - started)
    rest = seconds[1:] or seconds
    median = statistics.median(rest)
    print(f"  {name:<28} first {seconds[0]:6.2f} s  median {median:6.2f} s  "
          f"max {max(rest):6.2f} s  {note}", flush=True)
    return median


def staff_client(engine: Engine) -> FlaskClient:
    """A test client of the staff app on ``engine``, logged in as :data:`EXECUTIVE` (added,
    with the weak test KDF, when missing)."""
    with make_session_factory(engine)() as session:
        if session.scalar(select(StaffAccount.id).where(StaffAccount.username == EXECUTIVE)
                          ) is None:
            add_staff(session, username=EXECUTIVE, display_name="ผู้บริหาร (benchmark)",
                      role=Role.EXECUTIVE, password=PASSWORD, strength="test")
            session.commit()
    folder = Path(tempfile.mkdtemp(prefix="rongrian-bench-reports-")) / "instance"
    settings = Settings(database_url=engine.url.render_as_string(hide_password=False),
                        instance_path=folder, secrets=create_secrets(folder),
                        kdf_strength="test", ratelimit_enabled=False,
                        second_factor_roles=frozenset())
    client = create_staff_app(settings, engine=engine).test_client()
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
    answer = client.post("/login", data={"username": EXECUTIVE, "password": PASSWORD,
                                         "csrf_token": token})
    if answer.status_code not in (302, 303):
        raise SystemExit(f"log-in failed: HTTP {answer.status_code}")
    return client


def time_page(client: FlaskClient, address: str, runs: int) -> float:
    """GET ``address`` 1 + ``runs`` times; print and return the median seconds."""
    seconds, size = [], 0
    for _ in range(runs + 1):
        started = time.perf_counter()
        answer = client.get(address)
        seconds.append(time.perf_counter() - started)
        if answer.status_code != 200:
            raise SystemExit(f"{address}: HTTP {answer.status_code}")
        size = len(answer.get_data())
    rest = seconds[1:] or seconds
    median = statistics.median(rest)
    print(f"  {'page ' + address:<40} first {seconds[0]:6.2f} s  median {median:6.2f} s  "
          f"max {max(rest):6.2f} s  {size:,} bytes of HTML", flush=True)
    return median


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; figures go to standard output."""
    options = parse_args(sys.argv[1:] if argv is None else argv)
    print("Rongrian report documents benchmark (issue 10 §5)")
    print(machine_line())
    engine, note = prepare(options)
    if options.proposed_index:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text(PROPOSED_INDEX))
            connection.execute(text("VACUUM ANALYZE complaint"))
        note += "; with the proposed covering index"
    period = parse_period(PERIOD)
    today = datetime.now(UTC).date()
    print(f"postgresql: {note}; fiscal year {PERIOD}; {load_line()}", flush=True)
    worst, page_worst = 0.0, 0.0
    try:
        kinds = [ReportKind(kind) for kind in options.kinds.split(",")]
        for kind in kinds:
            def tables(session: Session, k: ReportKind = kind) -> str:
                report = build_report(session, period, k, as_of=today)
                return f"{report.total:,} complaints, {len(report.overdue):,} overdue listed"
            timed(engine, f"build_report {kind.value}", options.runs, tables)
        timed(engine, "summarise", options.runs,
              lambda session: f"{summarise(session, period, as_of=today).total:,} complaints")
        if not options.no_page:
            client = staff_client(engine)
            for kind in kinds:
                address = f"/summary?period={PERIOD}&kind={kind.value}"
                page_worst = max(page_worst, time_page(client, address, options.runs))
        for fmt in options.formats.split(","):
            for kind in kinds if fmt != "xlsx" else kinds[:1]:
                def work(session: Session, f: str = fmt, k: ReportKind = kind) -> str:
                    data = build(session, period, k, f, audit_head=HEAD, today=today).data
                    pages = data.count(b"/Type /Page\n") if f == "pdf" else 0
                    return f"{len(data):,} bytes" + (f", {pages} pages" if pages else "")
                name = f"{fmt} {kind.value if fmt != 'xlsx' else 'both kinds'}"
                worst = max(worst, timed(engine, name, options.runs, work))
        if not options.no_page:
            print(f"goal: the summary page of the fiscal year under {PAGE_GOAL_SECONDS:.0f} s: "
                  f"{verdict(page_worst < PAGE_GOAL_SECONDS)} "
                  f"(slowest median {page_worst:.2f} s)")
        print(f"goal: every document of the fiscal year under {GOAL_SECONDS:.0f} s: "
              f"{verdict(worst < GOAL_SECONDS)} (slowest median {worst:.2f} s)")
        print(f"at end, {load_line()}")
    finally:
        if options.proposed_index:
            with engine.begin() as connection:
                connection.execute(text("DROP INDEX IF EXISTS bench_ix_report"))
        engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
