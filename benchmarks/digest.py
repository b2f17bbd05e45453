"""The daily digest (issue 9 §2): who gets what, for units with many open cases, and sending it.

Fills กองช่าง (WORKS) with ``--open`` open cases (due days spread over two months around the
digest's day, a third assigned to ``works``) and the integrity unit with ``--tips`` open tips,
gives every member an address, then times :func:`rongrian.intake.digest.plan` (the queries and
lists for every unit) and one full ``rongrian digest send`` to a local SMTP server (aiosmtpd),
then a second run the same day (sends nothing).

    .venv/bin/python -m benchmarks.digest                          # PostgreSQL, 10,000 open
    .venv/bin/python -m benchmarks.digest --backend sqlite --open 10000

Goal: a daily job, not a page: the plan for a unit of 10,000 open cases in well under a second.
"""

import argparse
import os
import random
import secrets
import statistics
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import Engine, insert, select, update

from benchmarks.common import free_port, fresh_database, install_demo, load_line, machine_line
from rongrian.admin.cli import main
from rongrian.intake.db import make_session_factory
from rongrian.intake.digest import plan
from rongrian.intake.models import Category, Complaint, StaffAccount, Status, Unit
from rongrian.settings import create_secrets

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/rongrian_bench_digest"
DAY = date(2026, 12, 1)


def _fill(engine: Engine, unit_code: str, category_code: str, count: int, kind: str,
          assignee: int | None, start: int) -> None:
    factory = make_session_factory(engine)
    with factory() as session:
        unit_id = session.scalars(select(Unit.id).where(Unit.code == unit_code)).one()
        category_id = session.scalars(select(Category.id).where(
            Category.code == category_code)).one()
        rows = []
        for n in range(count):
            received = DAY - timedelta(days=random.randint(1, 60))
            rows.append({
                "id": uuid.uuid4(), "case_number": f"2570/{start + n:06d}", "fiscal_year": 2570,
                "tracking_digest": secrets.token_bytes(32), "kind": kind,
                "category_id": category_id, "unit_id": unit_id, "channel": "web",
                "status": random.choice([Status.RECEIVED, Status.IN_PROGRESS]),
                "received_on": received, "due_on": DAY + timedelta(days=random.randint(-30, 30)),
                "updated_on": received, "content": b"x", "tracking_wrapped_key": b"x",
                "identity": b"x", "identity_key_custodian": b"x", "identity_key_recovery": b"x",
                "assigned_to_id": assignee if n % 3 == 0 else None})
        for chunk in range(0, len(rows), 2000):
            session.execute(insert(Complaint), rows[chunk:chunk + 2000])
        session.commit()


def _smtp() -> tuple[object, int]:
    from aiosmtpd.controller import Controller

    class Handler:
        count = 0

        async def handle_DATA(self, *_args: object) -> str:  # noqa: N802
            Handler.count += 1
            return "250 OK"

    port = free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    return controller, port


def run(backend: str, url: str, open_cases: int, tips: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="rongrian-bench-digest-"))
    engine = fresh_database(backend, url, folder / "digest.db")
    install_demo(engine, "test")
    factory = make_session_factory(engine)
    with factory() as session:
        works = session.scalars(select(StaffAccount.id).where(
            StaffAccount.username == "works")).one()
        session.execute(update(StaffAccount).values(email=StaffAccount.username + "@example.go.th"))
        session.commit()
    started = time.perf_counter()
    _fill(engine, "WORKS", "road", open_cases, "complaint", works, 1)
    _fill(engine, "AUDIT", "corruption", tips, "tip", None, open_cases + 1)
    print(f"filled {open_cases:,} open cases in WORKS, {tips:,} tips in AUDIT in "
          f"{time.perf_counter() - started:.1f} s ({backend})")
    times = []
    for _ in range(5):
        with factory() as session:
            began = time.perf_counter()
            plans = plan(session, DAY)
            times.append(time.perf_counter() - began)
    [works_plan] = [p for p in plans if p.unit_code == "WORKS"]
    digest = works_plan.digests[0]
    print(f"plan (every unit): median {statistics.median(times) * 1000:.0f} ms, "
          f"max {max(times) * 1000:.0f} ms over 5 runs; WORKS: due soon {digest.due_soon.count:,}, "
          f"overdue {digest.overdue.count:,}, assigned {digest.assigned.count:,}")
    controller, port = _smtp()
    os.environ.update({
        "RONGRIAN_DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "RONGRIAN_INSTANCE": str(folder / "instance"), "RONGRIAN_SMTP_HOST": "127.0.0.1",
        "RONGRIAN_SMTP_PORT": str(port), "RONGRIAN_SMTP_SECURITY": "none",
        "RONGRIAN_SMTP_FROM": "rongrian@example.go.th"})
    create_secrets(folder / "instance")
    for label in ("send", "second run the same day"):
        began = time.perf_counter()
        assert main(["digest", "send", "--date", DAY.isoformat()]) == 0
        print(f"digest send ({label}): {time.perf_counter() - began:.2f} s")
    controller.stop()  # type: ignore[attr-defined]
    print(machine_line())
    print(load_line())


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--open", type=int, default=10_000)
    parser.add_argument("--tips", type=int, default=1_000)
    args = parser.parse_args()
    random.seed(9)
    run(args.backend, args.database_url, args.open, args.tips)


if __name__ == "__main__":
    cli()
