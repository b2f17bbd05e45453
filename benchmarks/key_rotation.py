"""Unit key rotation over many cases: ``rongrian keys rotate-unit`` at the domain level.

Fills a fresh database with ``--n`` complaints of the WORKS unit (real ``file_complaint``, so every
data key is really sealed), then times :func:`rongrian.intake.rotation.run_rotation` opened with
the WORKS member's key, in batches of ``--batch-size``, printing the progress lines the command
prints and, at the end, cases per second, SQL statements per case and the slowest batch.

    .venv/bin/python -m benchmarks.key_rotation --backend both --n 5000
"""

import argparse
import tempfile
import time
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from benchmarks.common import (
    StatementCounter,
    fresh_database,
    install_demo,
    load_line,
    machine_line,
)
from rongrian.crypto.keys import X25519PrivateKey
from rongrian.intake.audit import Actor
from rongrian.intake.db import make_session_factory
from rongrian.intake.keyring import ring_private_key, unlock_account
from rongrian.intake.models import KeyRing, StaffAccount
from rongrian.intake.rotation import run_rotation
from rongrian.intake.store import Submission, file_complaint

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/rongrian_bench_keys"
TEXT = "ท่อระบายน้ำหน้าตลาดอุดตัน น้ำท่วมขังถนนทุกครั้งที่ฝนตก ขอให้กองช่างเข้ามาแก้ไขโดยเร็ว " * 3


def _run(backend: str, n: int, batch_size: int, database_url: str, max_seconds: float) -> None:
    folder = Path(tempfile.mkdtemp(prefix="rongrian-rotation-"))
    engine = fresh_database(backend, database_url, folder / "bench.db")
    organisation, _setup = install_demo(engine, "test")
    password = dict((user, pw) for user, pw, _role in organisation.logins)["works"]
    sessions = make_session_factory(engine)
    started = time.perf_counter()
    with sessions() as session:
        for number in range(n):
            file_complaint(session, b"p" * 32, Submission(
                kind="complaint", category_code="general", unit_code="WORKS", channel="web",
                what_happened=f"{TEXT} #{number}"))
            if number % 500 == 499:
                session.commit()
            if time.perf_counter() - started > max_seconds:
                raise SystemExit(f"filing took over {max_seconds} s; use a smaller --n")
        session.commit()
    fill = time.perf_counter() - started

    def unlock(session: Session, ring: KeyRing) -> X25519PrivateKey:
        works = session.scalars(select(StaffAccount).where(StaffAccount.username == "works")).one()
        return ring_private_key(session, unlock_account(works, password), ring)

    marks: list[tuple[float, int]] = []

    def progress(done: int, total: int) -> None:
        marks.append((time.perf_counter(), done))
        if done in (0, total) or len(marks) % 4 == 0:
            print(f"  re-sealed {done}/{total} cases")

    with StatementCounter(engine) as counter:
        began = time.perf_counter()
        rotation = run_rotation(sessions, "WORKS", unlock, actor=Actor(None, "(benchmark)"),
                                batch_size=batch_size, progress=progress)
        wall = time.perf_counter() - began
    batch_times = [b[0] - a[0] for a, b in zip(marks, marks[1:], strict=False)]
    print(f"{backend}: filled {n} cases in {fill:.1f} s; rotation of {rotation.done} cases in "
          f"{wall:.2f} s = {rotation.done / wall:.0f} cases/s, "
          f"{counter.count / max(rotation.done, 1):.2f} SQL statements per case, "
          f"slowest batch of {batch_size}: {max(batch_times or [0.0]):.2f} s")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--database-url", default=DEFAULT_PG_URL)
    parser.add_argument("--max-seconds", type=float, default=600.0)
    args = parser.parse_args()
    print(machine_line())
    print(load_line())
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    for backend in backends:
        _run(backend, args.n, args.batch_size, args.database_url, args.max_seconds)


if __name__ == "__main__":
    main()
