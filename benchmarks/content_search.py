"""Search in the content of 10,000 open cases (issue 9 §1; rongrian.intake.content_search).

The server cannot index encrypted text, so ``/cases/search`` opens the member's units' open
cases in their session, 1,000 per request. This files ``--n`` real complaints (encrypted like
any other: ``file_complaint``) to the public works division, a staff reply on every fifth, and
then searches all of them as the ``works`` member, batch by batch as the page does (one session
and one commit — the audit entry — per batch), for a word that occurs in 1 % of the cases.

    .venv/bin/python -m benchmarks.content_search --backend sqlite
    .venv/bin/python -m benchmarks.content_search --backend postgresql \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/rongrian_bench

Prints the time of each batch of 1,000 (p50 and the slowest), the total for all of them, the
CPU time of this process per 1,000 cases, and the machine's load.
"""

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from benchmarks.common import DEFAULT_PG_URL, fresh_database, load_line, machine_line
from rongrian.admin.organisation import create_demo_organisation
from rongrian.intake.casework import reply
from rongrian.intake.content_search import BATCH, Cursor, search
from rongrian.intake.db import make_session_factory
from rongrian.intake.keyring import UnlockedAccount, unlock_account
from rongrian.intake.models import StaffAccount
from rongrian.intake.store import Submission, file_complaint

PASSWORD = "bench-pass-1"  # noqa: S105 - the benchmark's throw-away demo logins
RARE = "ท่อประปาแตก"


def _submission(index: int) -> Submission:
    rare = f" {RARE}" if index % 100 == 0 else ""
    return Submission(
        kind="complaint", category_code="general", unit_code="WORKS", channel="web",
        what_happened=(f"ถนนหน้าบ้านเลขที่ {index} เป็นหลุมเป็นบ่อ น้ำขังเวลาฝนตก "
                       f"รถจักรยานยนต์ล้มหลายครั้งแล้ว{rare} ") * 3,
        when_happened="ตั้งแต่ต้นเดือน", where_happened=f"ซอย {index % 40} หมู่ {index % 9}",
        who_involved="")


def _fill(sessions: sessionmaker[Session], unlocked: UnlockedAccount, count: int) -> float:
    started = time.perf_counter()
    pepper = os.urandom(32)
    with sessions() as session:
        for index in range(count):
            receipt = file_complaint(session, pepper, _submission(index))
            if index % 5 == 0:
                reply(session, unlocked, receipt.complaint_id,
                      "หน่วยงานรับเรื่องแล้ว จะส่งเจ้าหน้าที่ไปตรวจสอบภายในสัปดาห์นี้")
            if index % 500 == 499:
                session.commit()
                print(f"  filed {index + 1:,}", flush=True)
        session.commit()
    return time.perf_counter() - started


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
        print(f"{backend}: filing {count:,} cases…", flush=True)
        print(f"  filed in {_fill(sessions, unlocked, count):.0f} s")
        batches: list[float] = []
        after: Cursor | None = None
        searched = matched = 0
        started, cpu = time.perf_counter(), time.process_time()
        while True:
            begun = time.perf_counter()
            with sessions() as session:
                batch = search(session, unlocked, RARE, budget=BATCH, after=after)
                session.commit()
            batches.append(time.perf_counter() - begun)
            searched, matched, after = searched + batch.searched, matched + batch.matched, \
                batch.after
            if after is None:
                break
        wall, cpu_s = time.perf_counter() - started, time.process_time() - cpu
        per_thousand = [seconds * 1000 * 1000 / BATCH for seconds in batches[:-1] or batches]
        print(f"  searched {searched:,} cases in {len(batches)} batches, {matched} matched")
        print(f"  per 1,000 cases: p50 {statistics.median(per_thousand):.0f} ms, slowest "
              f"{max(per_thousand):.0f} ms; total {wall:.2f} s for {searched:,}; "
              f"CPU (this process) {cpu_s * 1000 * 1000 / max(1, searched):.0f} ms per 1,000")
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="sqlite")
    parser.add_argument("--database-url", default=DEFAULT_PG_URL)
    parser.add_argument("--n", type=int, default=10_000)
    args = parser.parse_args()
    print(machine_line())
    print(load_line())
    for backend in (["sqlite", "postgresql"] if args.backend == "both" else [args.backend]):
        run(backend, args.database_url, max(1, min(args.n, 100_000)))
    print(load_line())


if __name__ == "__main__":
    main()
