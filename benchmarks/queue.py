"""The working queue page (``GET /cases``, issue 9 §1) of a unit with 10,000 cases.

Makes a fresh database with the demo municipality, files one real complaint per unit and copies
its clear columns into ``--cases`` cases of กองช่าง (WORKS) and ``--others`` cases of the other
units (statuses, categories, channels, kinds, officers, days received and due spread the way a
year of work would leave them), with a thread entry each, an ``information`` entry from the
complainant on one case in ten (half of them already seen by the officer) and labels on one
case in eight. Then logs in as the WORKS officer through the staff app (Flask test client, CSRF
on) and times the queue in its default view and filtered / sorted / paged views.

    .venv/bin/python -m benchmarks.queue                         # SQLite and PostgreSQL
    .venv/bin/python -m benchmarks.queue --backend sqlite --requests 30
    .venv/bin/python -m benchmarks.queue --backend postgresql \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/rongrian_queue_bench

Goal (issue 9, "It is done when"): the queue of a unit with 10,000 cases opens in under 300 ms
at the 99th percentile. Figures are whole requests: routing, session check, the queries and the
page rendered.
"""

import argparse
import os
import random
import re
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import Engine, insert, select, text

from benchmarks.common import (
    Latencies,
    StatementCounter,
    fresh_database,
    load_line,
    machine_line,
    summarise_latencies,
    verdict,
)
from rongrian.admin.organisation import create_demo_organisation
from rongrian.admin.web.app import create_staff_app
from rongrian.intake.db import make_session_factory
from rongrian.intake.models import (
    CaseEvent,
    CaseLabel,
    CaseSeen,
    Category,
    Complaint,
    ComplaintLabel,
    StaffAccount,
    Unit,
)
from rongrian.intake.store import Submission, file_complaint
from rongrian.settings import Settings, create_secrets

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/rongrian_queue_bench"
GOAL_P99_MS = 300.0
PASSWORD = "bench-works-pass-1"  # noqa: S105 - a throw-away benchmark account
BATCH = 2000
STATUSES = (("received", 5), ("screening", 5), ("forwarded", 4), ("in_progress", 16),
            ("resolved", 40), ("closed", 25), ("rejected", 5))
FINISHED = {"resolved", "closed", "rejected"}
CHANNELS = ("web", "qr", "line", "phone", "letter", "walk_in")
KINDS = ("complaint", "grievance")
LABELS = ("รอผู้รับเหมา", "ต้องลงพื้นที่", "รองบประมาณ", "ประสานการไฟฟ้า")


def _weighted(rng: random.Random, pairs: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def _template(engine: Engine, settings: Settings, unit_code: str) -> dict[str, Any]:
    """The clear and sealed columns of one real complaint of ``unit_code`` (copied)."""
    factory = make_session_factory(engine)
    with factory() as session:
        receipt = file_complaint(session, settings.secrets.tracking_pepper, Submission(
            kind="complaint", category_code="general", unit_code=unit_code, channel="web",
            what_happened="ถนนหน้าบ้านเป็นหลุมเป็นบ่อ", when_happened="", where_happened="",
            who_involved=""), now=datetime.now(UTC))
        session.commit()
        table = Complaint.__table__
        return dict(session.execute(select(table).where(table.c.id == receipt.complaint_id)
                                    ).mappings().one())


def _rows(template: dict[str, Any], count: int, start: int, rng: random.Random,
          categories: list[int], officers: list[int | None]) -> Iterator[dict[str, Any]]:
    today = datetime.now(UTC).date()
    for n in range(start, start + count):
        status = _weighted(rng, STATUSES)
        received = today - timedelta(days=rng.randrange(0, 365))
        due = received + timedelta(days=21 + rng.choice((0, 0, 0, 7, 14)))
        yield {**template, "id": uuid.uuid4(), "case_number": f"2599/{n:06d}",
               "tracking_digest": os.urandom(32), "status": status,
               "category_id": rng.choice(categories), "channel": rng.choice(CHANNELS),
               "kind": rng.choice(KINDS), "received_on": received, "due_on": due,
               "updated_on": received,
               "finished_on": due - timedelta(days=3) if status in FINISHED else None,
               "assigned_to_id": rng.choice(officers)}


def fill(engine: Engine, settings: Settings, cases: int, others: int, seed: int) -> float:
    """Fill the database; return the seconds it took."""
    started = time.perf_counter()
    rng = random.Random(seed)
    factory = make_session_factory(engine)
    with factory() as session:
        units = {u.code: u.id for u in session.scalars(select(Unit))}
        categories = list(session.scalars(select(Category.id)))
        works = session.scalars(select(StaffAccount.id).where(
            StaffAccount.username == "works")).one()
        labels = [CaseLabel(unit_id=units["WORKS"], name=name) for name in LABELS]
        session.add_all(labels)
        session.commit()
        label_ids = [label.id for label in labels]
    plan = [("WORKS", cases)] + [(code, others // 3) for code in ("PALAD", "FINANCE", "AUDIT")]
    number = 1
    for unit_code, count in plan:
        template = _template(engine, settings, unit_code)
        officers: list[int | None] = [works, None, None] if unit_code == "WORKS" else [None]
        for batch_start in range(0, count, BATCH):
            size = min(BATCH, count - batch_start)
            rows = list(_rows(template, size, number, rng, categories, officers))
            number += size
            _insert_batch(engine, rows, rng, works if unit_code == "WORKS" else None, label_ids)
        print(f"  filled {unit_code}: {count:,} cases", flush=True)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("ANALYZE"))
        else:
            conn.execute(text("ANALYZE"))
    return time.perf_counter() - started


def _insert_batch(engine: Engine, rows: list[dict[str, Any]], rng: random.Random,
                  officer: int | None, label_ids: list[int]) -> None:
    body = os.urandom(120)
    events: list[dict[str, Any]] = []
    seen: list[dict[str, Any]] = []
    labelled: list[dict[str, Any]] = []
    for row in rows:
        events.append({"id": uuid.uuid4(), "complaint_id": row["id"], "seq": 1,
                       "kind": "status", "status": "received", "occurred_on": row["received_on"],
                       "actor_id": None, "body": body, "key_generation": 1})
        if rng.random() < 0.1:
            events.append({"id": uuid.uuid4(), "complaint_id": row["id"], "seq": 2,
                           "kind": "information", "status": None,
                           "occurred_on": row["received_on"], "actor_id": None, "body": body,
                           "key_generation": 1})
            if officer is not None and rng.random() < 0.5:
                seen.append({"account_id": officer, "complaint_id": row["id"], "seen_seq": 2})
        if officer is not None and rng.random() < 0.125:
            labelled.append({"complaint_id": row["id"], "label_id": rng.choice(label_ids)})
    with engine.begin() as conn:
        conn.execute(insert(Complaint), rows)
        conn.execute(insert(CaseEvent), events)
        if seen:
            conn.execute(insert(CaseSeen), seen)
        if labelled:
            conn.execute(insert(ComplaintLabel), labelled)


def _login(client: FlaskClient) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    if token is None:
        raise SystemExit("no CSRF token on the log-in page")
    answer = client.post("/login", data={"username": "works", "password": PASSWORD,
                                         "csrf_token": token.group(1)})
    if answer.status_code not in (302, 303):
        raise SystemExit(f"log-in failed: {answer.status_code}")


def views(engine: Engine) -> list[tuple[str, str]]:
    """(name, address) of the views timed."""
    with make_session_factory(engine)() as session:
        label = session.scalars(select(CaseLabel.id).order_by(CaseLabel.id)).first()
        category = session.scalars(select(Category.id).where(Category.code == "general")).one()
    return [
        ("default (open, due first)", "/cases"),
        ("all, newest first", "/cases?tab=all&sort=newest"),
        ("finished tab", "/cases?tab=finished"),
        ("overdue", "/cases?overdue=1"),
        ("due within 3 working days", "/cases?due_within=3"),
        ("new from the complainant", "/cases?unread=1"),
        ("label", f"/cases?label={label}&tab=all"),
        ("assigned to me", "/cases?officer=me"),
        ("category + channel + kind", f"/cases?category={category}&channel=line&kind=complaint"
                                      "&tab=all&sort=oldest"),
        ("last page of all (page 200)", "/cases?tab=all&sort=oldest&page=200"),
        ("case number search (redirect)", "/cases?number=2599/000123"),
    ]


def time_view(client: FlaskClient, address: str, requests: int, warmup: int) -> Latencies:
    """Time ``requests`` GETs of ``address`` after ``warmup`` untimed ones."""
    for _ in range(warmup):
        client.get(address)
    durations = []
    started = time.perf_counter()
    for _ in range(requests):
        begun = time.perf_counter()
        answer = client.get(address)
        durations.append(time.perf_counter() - begun)
        if answer.status_code not in (200, 302):
            raise SystemExit(f"{address}: HTTP {answer.status_code}")
    return summarise_latencies(durations, time.perf_counter() - started)


def run(backend: str, args: argparse.Namespace) -> bool:
    """Measure one backend; True when every view met the goal."""
    folder = Path(tempfile.mkdtemp(prefix="rongrian-bench-queue-"))
    engine = fresh_database(backend, args.database_url, folder / "queue.db")
    settings = Settings(database_url=engine.url.render_as_string(hide_password=False),
                        instance_path=folder / "instance",
                        secrets=create_secrets(folder / "instance"), kdf_strength="test",
                        ratelimit_enabled=False, second_factor_roles=frozenset())
    with make_session_factory(engine)() as session:
        create_demo_organisation(session, strength="test", passwords={"works": PASSWORD})
        session.commit()
    print(f"\n== {backend}: {args.cases:,} cases in กองช่าง, {args.others:,} in other units",
          flush=True)
    print(f"  fill: {fill(engine, settings, args.cases, args.others, args.seed):.1f} s")
    app = create_staff_app(settings, engine=engine)
    client = app.test_client()
    _login(client)
    all_met = True
    print(f"  {'view':34} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'SQL':>4}  goal")
    for name, address in views(engine):
        with StatementCounter(engine) as counter:
            client.get(address)
        figures = time_view(client, address, args.requests, args.warmup)
        met = figures.p99_ms < GOAL_P99_MS
        all_met &= met
        print(f"  {name:34} {figures.p50_ms:8.1f} {figures.p99_ms:8.1f} {figures.max_ms:8.1f} "
              f"{counter.count:4d}  {verdict(met)}", flush=True)
    print(f"  {load_line()}")
    engine.dispose()
    return all_met


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--database-url", default=DEFAULT_PG_URL)
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--others", type=int, default=30_000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--seed", type=int, default=9)
    args = parser.parse_args(argv)
    print(machine_line())
    print(load_line())
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    met = all([run(backend, args) for backend in backends])
    print(f"\ngoal: p99 < {GOAL_P99_MS:.0f} ms for every view — {verdict(met)}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
