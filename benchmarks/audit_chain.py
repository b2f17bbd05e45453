"""The audit chain: appends (one per transaction, as each staff action does) and ``audit verify``.

Every case page view now writes an audit entry under the chain head's row lock, so appends are
serialised across workers; this measures what that costs. For each backend: a fresh database,
then ``--n`` appends from one thread (latency per append+commit), then ``--n`` appends from
``--threads`` threads at once (throughput under contention, chain checked afterwards), then
:func:`rongrian.intake.audit.verify_chain` over everything (entries verified per second).

    .venv/bin/python -m benchmarks.audit_chain --backend both --n 2000 --threads 4
"""

import argparse
import tempfile
import threading
import time
from pathlib import Path

from sqlalchemy import Engine

from benchmarks.common import fresh_database, load_line, machine_line, summarise_latencies
from rongrian.intake.audit import COMMAND_LINE, Actor, append_entry, verify_chain
from rongrian.intake.db import make_session_factory
from rongrian.intake.models import AuditAction

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/rongrian_bench_audit"
ACTOR = Actor(None, COMMAND_LINE)


def _append(engine: Engine, count: int, durations: list[float], deadline: float) -> None:
    sessions = make_session_factory(engine)
    for number in range(count):
        if time.perf_counter() > deadline:
            return
        started = time.perf_counter()
        with sessions() as session:
            append_entry(session, AuditAction.CASE_OPENED, ACTOR,
                         detail={"period": f"bench-{number}"})
            session.commit()
        durations.append(time.perf_counter() - started)


def _line(name: str, durations: list[float], wall: float) -> str:
    figures = summarise_latencies(durations, wall)
    return (f"  {name:<34} {figures.count:>6} appends  {figures.per_second:8.0f}/s  "
            f"p50 {figures.p50_ms:6.2f} ms  p99 {figures.p99_ms:6.2f} ms  "
            f"max {figures.max_ms:7.2f} ms")


def _run(backend: str, n: int, threads: int, database_url: str, max_seconds: float) -> None:
    folder = Path(tempfile.mkdtemp(prefix="rongrian-audit-"))
    engine = fresh_database(backend, database_url, folder / "bench.db")
    print(f"{backend}:")
    single: list[float] = []
    started = time.perf_counter()
    _append(engine, n, single, started + max_seconds)
    print(_line("one thread", single, time.perf_counter() - started))

    shared: list[float] = []
    per_thread = max(1, n // threads)
    workers = [threading.Thread(target=_append, args=(
        engine, per_thread, shared, time.perf_counter() + max_seconds)) for _ in range(threads)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    print(_line(f"{threads} threads at once", shared, time.perf_counter() - started))

    sessions = make_session_factory(engine)
    started = time.perf_counter()
    with sessions() as session:
        report = verify_chain(session)
    wall = time.perf_counter() - started
    expected = len(single) + len(shared)
    state = "OK" if report.ok and report.count == expected else f"BROKEN {report}"
    print(f"  verify: {report.count} entries in {wall:.3f} s ({report.count / wall:,.0f}/s), "
          f"chain {state}")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--n", type=int, default=2000, help="appends per phase")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--database-url", default=DEFAULT_PG_URL)
    parser.add_argument("--max-seconds", type=float, default=120.0,
                        help="stop a phase after this long")
    args = parser.parse_args()
    print(machine_line())
    print(load_line())
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    for backend in backends:
        _run(backend, args.n, args.threads, args.database_url, args.max_seconds)


if __name__ == "__main__":
    main()
