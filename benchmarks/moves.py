"""The cost of data-key generations (issue 13): filing, moving a case, reading it by code.

In-process, one session (one transaction) per operation as a request would have, on a fresh
database with the demo municipality:

1. **file** — ``file_complaint`` + commit, ``--n`` complaints to the public works division
   (since issue 13 each also makes the complainant's key pair: one X25519 key generation and one
   sealed box more);
2. **reroute** — ``casework.reroute`` of each of them to the finance division + commit (since
   issue 13 a new data-key generation: one more sealed box and one link);
3. **track** — ``read_thread`` with each code after the move (since issue 13: the complainant's
   private key, the sealed generation and one link).

Run it on the tree before and after a change to compare (the script uses only APIs both have)::

    .venv/bin/python -m benchmarks.moves --backend sqlite --n 300
    .venv/bin/python -m benchmarks.moves --backend postgresql --n 300 \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/rongrian_bench

Prints operations per second, p50/p99 latency and this process's CPU time per operation (the
database server's not included; on a loaded machine CPU per operation is the steadier figure),
and the machine's load.
"""

import argparse
import os
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from benchmarks.common import (
    DEFAULT_PG_URL,
    fresh_database,
    load_line,
    machine_line,
    summarise_latencies,
)
from rongrian.admin.organisation import create_demo_organisation
from rongrian.intake.casework import reroute
from rongrian.intake.db import make_session_factory
from rongrian.intake.keyring import unlock_account
from rongrian.intake.models import StaffAccount
from rongrian.intake.store import Submission, file_complaint, read_thread

PASSWORD = "bench-pass-1"  # noqa: S105 - the benchmark's throw-away demo logins
REASON = "เรื่องนี้เป็นงานของกองคลัง ไม่ใช่กองช่าง"


def _timed(label: str, count: int, step: Callable[[int], None]) -> None:
    seconds: list[float] = []
    started, cpu = time.perf_counter(), time.process_time()
    for index in range(count):
        begun = time.perf_counter()
        step(index)
        seconds.append(time.perf_counter() - begun)
    cpu_ms = (time.process_time() - cpu) * 1000 / count
    figures = summarise_latencies(seconds, time.perf_counter() - started)
    print(f"  {label:8} {figures.per_second:8.1f}/s  p50 {figures.p50_ms:6.2f} ms  "
          f"p99 {figures.p99_ms:6.2f} ms  CPU {cpu_ms:5.2f} ms/op (this process)")


def _submission(index: int) -> Submission:
    return Submission(kind="complaint", category_code="general", unit_code="WORKS",
                      channel="web", what_happened=f"ถนนหน้าบ้านเลขที่ {index} เป็นหลุมเป็นบ่อ " * 5)


def run(backend: str, database_url: str, count: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        engine = fresh_database(backend, database_url, Path(folder) / "bench.db")
        sessions: sessionmaker[Session] = make_session_factory(engine)
        with sessions() as session:
            create_demo_organisation(session, strength="test",
                                     passwords=dict.fromkeys(("palad", "finance", "works",
                                                              "integrity", "clerk", "executive",
                                                              "admin"), PASSWORD))
            session.commit()
            works = session.query(StaffAccount).filter_by(username="works").one()
            unlocked = unlock_account(works, PASSWORD)
        pepper = os.urandom(32)
        filed: list[tuple[str, uuid.UUID]] = []

        def file(index: int) -> None:
            with sessions() as session:
                receipt = file_complaint(session, pepper, _submission(index))
                session.commit()
                filed.append((receipt.tracking_code, receipt.complaint_id))

        def move(index: int) -> None:
            with sessions() as session:
                reroute(session, unlocked, filed[index][1], "FINANCE", REASON)
                session.commit()

        def track(index: int) -> None:
            with sessions() as session:
                read_thread(session, pepper, filed[index][0])

        print(f"{backend}: n={count}")
        _timed("file", count, file)
        _timed("reroute", count, move)
        _timed("track", count, track)
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="sqlite")
    parser.add_argument("--database-url", default=DEFAULT_PG_URL)
    parser.add_argument("--n", type=int, default=300)
    args = parser.parse_args()
    print(machine_line())
    print(load_line())
    for backend in (["sqlite", "postgresql"] if args.backend == "both" else [args.backend]):
        run(backend, args.database_url, max(1, min(args.n, 20_000)))
    print(load_line())


if __name__ == "__main__":
    main()
