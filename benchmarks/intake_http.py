"""Intake throughput: complaints filed through the public app, and tracking lookups.

Drives the real WSGI app in this process with Flask's test client (one thread, so one core; the
client's own work is included), on SQLite and/or PostgreSQL, and times the domain call alone
(``rongrian.intake.store.file_complaint`` + commit, ``read_thread``) to separate the HTTP and
template overhead from the core.

    .venv/bin/python -m benchmarks.intake_http --backend both --n 2000

Goals: at least 200 submissions/s per core on PostgreSQL; tracking lookup p99 under 10 ms.
"""

import argparse
import cProfile
import io
import pstats
import random
import re
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.exceptions import HTTPException

from benchmarks.common import (
    DEFAULT_PG_URL,
    Latencies,
    StatementCounter,
    fresh_database,
    install_demo,
    load_line,
    machine_line,
    summarise_latencies,
    verdict,
)
from rongrian.admin.organisation import STARTING_CATEGORIES
from rongrian.channels.web.app import create_public_app
from rongrian.intake.db import make_session_factory
from rongrian.intake.models import Complaint, Sensitivity
from rongrian.intake.reference import ReferenceCache
from rongrian.intake.store import Submission, file_complaint, read_thread
from rongrian.settings import Settings, create_secrets

GOAL_SUBMISSIONS_PER_SECOND = 200.0
GOAL_TRACK_P99_MS = 10.0
_CODE = re.compile(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}")
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')
_FREE_UNITS = ["", "PALAD", "FINANCE", "WORKS"]
_PLACES = ["หน้าสำนักงานเทศบาล", "ถนนเทศบาล ๓ ซอย ๒", "ตลาดสดเทศบาล", "ศูนย์พัฒนาเด็กเล็ก"]
_STORY = (
    "เมื่อวันที่ {day} เวลาประมาณ {hour} นาฬิกา ข้าพเจ้าไปติดต่อที่{place} เรื่องขออนุญาตก่อสร้าง"
    "อาคาร เจ้าหน้าที่แจ้งว่าต้องรอเอกสารอีกหลายวัน และมีผู้แนะนำให้จ่ายค่าดำเนินการเพิ่มเติม"
    "เพื่อให้เร็วขึ้น โดยไม่มีใบเสร็จรับเงิน ข้าพเจ้าเห็นว่าไม่เป็นธรรมกับประชาชนที่มาติดต่อ "
    "จึงขอให้ตรวจสอบข้อเท็จจริงและแจ้งผลให้ทราบ (เรื่องที่ {n})"
)


@dataclass(frozen=True)
class Form:
    """One complaint as the citizen types it into the web form (route contract field names)."""

    kind: str
    category: str
    unit: str
    what_happened: str
    when_happened: str
    where_happened: str
    who_involved: str

    def fields(self, csrf: str) -> dict[str, str]:
        """The POST /report body of an anonymous web submission."""
        return {
            "kind": self.kind, "category": self.category, "unit": self.unit, "channel": "web",
            "what_happened": self.what_happened, "when_happened": self.when_happened,
            "where_happened": self.where_happened, "who_involved": self.who_involved,
            "identity": "anonymous", "csrf_token": csrf,
        }

    def submission(self) -> Submission:
        """The same complaint as the core's :class:`Submission`."""
        return Submission(
            kind=self.kind, category_code=self.category, unit_code=self.unit or None,
            channel="web", what_happened=self.what_happened, when_happened=self.when_happened,
            where_happened=self.where_happened, who_involved=self.who_involved,
        )


def _kind_for(category: str, sensitivity: Sensitivity, rng: random.Random) -> str:
    if category in ("suggestion", "compliment"):
        return category
    if sensitivity == Sensitivity.WHISTLEBLOWER:
        return "tip"
    return rng.choice(["complaint", "grievance"])


def make_forms(count: int, seed: int) -> list[Form]:
    """``count`` varied, valid anonymous complaints (Thai text of a few hundred characters)."""
    rng = random.Random(seed)
    forms = []
    for n in range(count):
        code, *_names, sensitivity = rng.choice(STARTING_CATEGORIES)
        place = rng.choice(_PLACES)
        forms.append(Form(
            kind=_kind_for(code, sensitivity, rng),
            category=code,
            unit=rng.choice(_FREE_UNITS),
            what_happened=_STORY.format(day=rng.randint(1, 28), hour=rng.randint(8, 16),
                                        place=place, n=n),
            when_happened=f"{rng.randint(1, 28)} พฤศจิกายน 2568",
            where_happened=place,
            who_involved=rng.choice(["", "เจ้าหน้าที่ผู้รับคำขอ", "ไม่ทราบชื่อ"]),
        ))
    return forms


@dataclass
class Phase:
    """Timings of one loop: per-operation seconds, wall time, and why it stopped early if so."""

    seconds: list[float] = field(default_factory=list)
    wall: float = 0.0
    cpu: float = 0.0
    statements: int = 0
    stopped: str = ""

    def figures(self) -> Latencies:
        """Latency statistics of the loop."""
        return summarise_latencies(self.seconds, self.wall)


def timed_loop(
    count: int, deadline: float, step: Callable[[int], None], engine: Engine
) -> Phase:
    """Call ``step(i)`` for i in 0..count-1 until done or ``deadline`` (perf_counter) passes.

    Also records this process's CPU seconds (the database server's are not included) and the
    SQL statements ``engine`` executed.
    """
    phase = Phase()
    with StatementCounter(engine) as counter:
        started, cpu_started = time.perf_counter(), time.process_time()
        for index in range(count):
            if time.perf_counter() > deadline:
                phase.stopped = f"time limit reached after {index} of {count}"
                break
            before = time.perf_counter()
            step(index)
            phase.seconds.append(time.perf_counter() - before)
        phase.wall = time.perf_counter() - started
        phase.cpu = time.process_time() - cpu_started
    phase.statements = counter.count
    return phase


# --- domain level ---------------------------------------------------------------------------


def domain_file(factory: sessionmaker[Session], pepper: bytes, form: Form,
                cache: ReferenceCache) -> str:
    """File one complaint as a request would (own session, the worker's kept organisation,
    commit); return the tracking code."""
    with factory() as session:
        receipt = file_complaint(session, pepper, form.submission(),
                                 reference=cache.get(session))
        session.commit()
    return receipt.tracking_code


def domain_track(factory: sessionmaker[Session], pepper: bytes, code: str,
                 cache: ReferenceCache) -> None:
    """Read one thread by its tracking code, as the track page would."""
    with factory() as session:
        view = read_thread(session, pepper, code, reference=cache.get(session))
        assert view.entries, "a filed complaint has at least its 'received' entry"


# --- HTTP level -----------------------------------------------------------------------------


class HttpFailure(Exception):
    """The public app answered a request in a way the route contract does not allow."""


def route_missing(app: Flask, path: str, method: str) -> bool:
    """True if ``app`` has no route for ``method path`` (the citizen pages are not built yet)."""
    try:
        app.url_map.bind("localhost").match(path, method=method)
    except HTTPException:
        return True
    return False


def csrf_of(html: str) -> str:
    """The CSRF token of the first form of a page."""
    match = _CSRF.search(html)
    if match is None:
        raise HttpFailure("GET /report has no csrf_token field")
    return match.group(1) or match.group(2)


def code_of(html: str) -> str:
    """The tracking code shown in the receipt's ``id="tracking-code"`` element."""
    at = html.find('id="tracking-code"')
    match = _CODE.search(html, at, at + 400) if at >= 0 else None
    if match is None:
        raise HttpFailure('receipt has no code in id="tracking-code"')
    return match.group(0)


def http_submit(client: FlaskClient, csrf: str, form: Form) -> str:
    """POST /report; return the tracking code of the receipt."""
    response = client.post("/report", data=form.fields(csrf))
    html = response.get_data(as_text=True)
    if response.status_code != 200:
        raise HttpFailure(f"POST /report answered {response.status_code}: {html[:300]!r}")
    return code_of(html)


def http_track(client: FlaskClient, csrf: str, code: str) -> None:
    """POST /track with a receipt's code; expects the thread page."""
    response = client.post("/track", data={"code": code, "csrf_token": csrf})
    if response.status_code != 200:
        raise HttpFailure(f"POST /track answered {response.status_code}")


def http_form(client: FlaskClient, path: str) -> str:
    """GET a form page; return its CSRF token."""
    response = client.get(path)
    if response.status_code != 200:
        raise HttpFailure(f"GET {path} answered {response.status_code}")
    return csrf_of(response.get_data(as_text=True))


# --- where a submission's time goes ----------------------------------------------------------


class Stopwatch:
    """Wraps named functions of a module with timers while the ``with`` block runs (monkeypatch,
    only for ``--breakdown``; names the module no longer has are skipped)."""

    def __init__(self, module: ModuleType, names: Sequence[str]) -> None:
        self.module = module
        self.names = [name for name in names if callable(getattr(module, name, None))]
        self.seconds = dict.fromkeys(self.names, 0.0)
        self.originals: dict[str, Callable[..., Any]] = {}

    def _wrap(self, name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[name] += time.perf_counter() - started

        return timed

    def __enter__(self) -> "Stopwatch":
        for name in self.names:
            self.originals[name] = getattr(self.module, name)
            setattr(self.module, name, self._wrap(name, self.originals[name]))
        return self

    def __exit__(self, *_exc: object) -> None:
        for name, original in self.originals.items():
            setattr(self.module, name, original)


#: Functions the public views call, timed by ``--breakdown`` (the rest is Flask, WTForms, Jinja).
BREAKDOWN = ("file_complaint", "read_thread", "tracking_link_svg", "render_template")


def breakdown(label: str, count: int, step: Callable[[int], None]) -> str:
    """Mean milliseconds per request of ``step`` spent in each of :data:`BREAKDOWN`."""
    from rongrian.channels.web import views

    with Stopwatch(views, BREAKDOWN) as watch:
        started = time.perf_counter()
        for index in range(count):
            step(index)
        total = time.perf_counter() - started
    count = max(count, 1)
    parts = [f"{name} {watch.seconds[name] * 1000 / count:.2f}" for name in watch.names
             if watch.seconds[name]]
    rest = (total - sum(watch.seconds.values())) * 1000 / count
    return (f"  breakdown of {count} {label}, mean ms: {total * 1000 / count:.2f} = "
            + " + ".join(parts) + f" + everything else {rest:.2f}")


# --- reporting ------------------------------------------------------------------------------


def line(label: str, phase: Phase) -> str:
    """One result line: count, rate, latency percentiles, client CPU and SQL per operation."""
    figures = phase.figures()
    count = max(figures.count, 1)
    note = f"  [{phase.stopped}]" if phase.stopped else ""
    return (
        f"  {label:<30} n={figures.count:>5} {figures.per_second:7.1f}/s  "
        f"p50 {figures.p50_ms:6.2f} ms  p99 {figures.p99_ms:6.2f} ms  "
        f"max {figures.max_ms:6.2f} ms  cpu {phase.cpu * 1000 / count:5.2f} ms/op  "
        f"sql {phase.statements / count:4.1f}/op{note}"
    )


def goals(backend: str, submit: Latencies, track: Latencies) -> list[str]:
    """Goal lines beside the HTTP figures."""
    scope = "" if backend == "postgresql" else "  (the goal is set for PostgreSQL)"
    return [
        f"  goal: >= {GOAL_SUBMISSIONS_PER_SECOND:.0f} submissions/s per core: "
        f"{submit.per_second:.1f}/s -> {verdict(submit.per_second >= GOAL_SUBMISSIONS_PER_SECOND)}"
        f"{scope}",
        f"  goal: tracking lookup p99 < {GOAL_TRACK_P99_MS:.0f} ms: {track.p99_ms:.2f} ms -> "
        f"{verdict(track.p99_ms < GOAL_TRACK_P99_MS)}{scope}",
    ]


def profile_top(step: Callable[[int], None], count: int, limit: int) -> str:
    """cProfile ``count`` calls of ``step``; return the ``limit`` costliest functions."""
    profiler = cProfile.Profile()
    profiler.enable()
    for index in range(count):
        step(index)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(limit)
    return out.getvalue()


# --- one backend ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Options:
    """Command-line options."""

    backends: Sequence[str]
    n: int
    database_url: str
    strength: str
    max_seconds: float
    warmup: int
    seed: int
    profile: int
    breakdown: int


def make_settings(engine: Engine, folder: Path, strength: str) -> Settings:
    """Settings of a fresh instance folder (new secrets) with rate limits off."""
    instance = folder / "instance"
    return Settings(
        database_url=engine.url.render_as_string(hide_password=False),
        instance_path=instance,
        secrets=create_secrets(instance),
        kdf_strength=strength,
        ratelimit_enabled=False,
    )


def run_domain(options: Options, engine: Engine, pepper: bytes) -> list[str]:
    """Time file_complaint + commit and read_thread; return the result lines."""
    factory = make_session_factory(engine)
    cache = ReferenceCache()
    forms = make_forms(options.n + options.warmup, options.seed)
    for form in forms[: options.warmup]:
        domain_file(factory, pepper, form, cache)
    timed = forms[options.warmup:]
    codes: list[str] = []
    filing = timed_loop(len(timed), time.perf_counter() + options.max_seconds,
                        lambda i: codes.append(domain_file(factory, pepper, timed[i], cache)),
                        engine)
    random.Random(options.seed).shuffle(codes)
    tracking = timed_loop(len(codes), time.perf_counter() + options.max_seconds,
                          lambda i: domain_track(factory, pepper, codes[i], cache), engine)
    return [
        "domain (rongrian.intake.store, own session per call, the organisation kept as a "
        "worker keeps it):",
        line("file_complaint + commit", filing),
        line("read_thread (tracking lookup)", tracking),
    ]


def run_http(options: Options, app: Flask, backend: str, engine: Engine) -> list[str]:
    """Time GET /report, POST /report and POST /track through the WSGI app."""
    if route_missing(app, "/report", "POST") or route_missing(app, "/track", "POST"):
        return ["HTTP: SKIPPED - the public app has no POST /report or POST /track route yet"]
    client = app.test_client()
    csrf = http_form(client, "/report")
    forms = make_forms(options.n + options.warmup, options.seed + 1)
    for form in forms[: options.warmup]:
        http_submit(client, csrf, form)
    def get_form(_index: int) -> None:
        http_form(client, "/report")

    page = timed_loop(min(options.n, 200), time.perf_counter() + options.max_seconds, get_form,
                      engine)
    timed = forms[options.warmup:]
    codes: list[str] = []
    submit = timed_loop(len(timed), time.perf_counter() + options.max_seconds,
                        lambda i: codes.append(http_submit(client, csrf, timed[i])), engine)
    track_csrf = http_form(client, "/track")
    random.Random(options.seed).shuffle(codes)
    track = timed_loop(len(codes), time.perf_counter() + options.max_seconds,
                       lambda i: http_track(client, track_csrf, codes[i]), engine)
    lines = [
        "HTTP (Flask test client, in-process WSGI, one thread = one core):",
        line("GET /report (form page)", page),
        line("POST /report (submission)", submit),
        line("POST /track (tracking lookup)", track),
        *goals(backend, submit.figures(), track.figures()),
    ]
    if options.breakdown:
        extra_forms = make_forms(options.breakdown, options.seed + 3)
        extra_codes: list[str] = []
        lines.append(breakdown("POST /report", len(extra_forms), lambda i: extra_codes.append(
            http_submit(client, csrf, extra_forms[i]))))
        lines.append(breakdown("POST /track", len(extra_codes),
                               lambda i: http_track(client, track_csrf, extra_codes[i])))
    if options.profile:
        extra = make_forms(options.profile, options.seed + 2)

        def submit_extra(index: int) -> None:
            http_submit(client, csrf, extra[index])

        lines.append(f"cProfile of {options.profile} POST /report (cumulative):")
        lines.append(profile_top(submit_extra, options.profile, 25))
    return lines


def run_backend(backend: str, options: Options) -> None:
    """Set up a fresh database of ``backend`` and print its figures."""
    with tempfile.TemporaryDirectory(prefix="rongrian-bench-") as tmp:
        folder = Path(tmp)
        engine = fresh_database(backend, options.database_url, folder / "bench.db")
        try:
            _org, setup_seconds = install_demo(engine, options.strength)
            settings = make_settings(engine, folder, options.strength)
            print(f"\n== {backend} ({engine.url.render_as_string()}) ==")
            print(f"set-up: demo organisation (kdf strength {options.strength!r}) "
                  f"{setup_seconds:.2f} s")
            for text_line in run_domain(options, engine, settings.secrets.tracking_pepper):
                print(text_line)
            app = create_public_app(settings, engine=engine)
            try:
                lines = run_http(options, app, backend, engine)
            except HttpFailure as exc:
                lines = [f"HTTP: FAILED - {exc}"]
            for text_line in lines:
                print(text_line)
            with make_session_factory(engine)() as session:
                total = session.scalar(select(func.count()).select_from(Complaint))
            print(f"complaints in the database at the end: {total}")
        finally:
            engine.dispose()


def parse_args(argv: Sequence[str]) -> Options:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--n", type=int, default=2000, help="complaints to file (default 2000)")
    parser.add_argument("--database-url", default=DEFAULT_PG_URL,
                        help="PostgreSQL database to (re)create and reset")
    parser.add_argument("--strength", choices=["interactive", "test"], default="interactive",
                        help="KDF strength of the demo staff accounts (set-up time only)")
    parser.add_argument("--max-seconds", type=float, default=300.0,
                        help="time limit of each timed loop (default 300)")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests first")
    parser.add_argument("--seed", type=int, default=2568)
    parser.add_argument("--profile", type=int, default=0, metavar="K",
                        help="also cProfile K extra POST /report and print the top functions")
    parser.add_argument("--breakdown", type=int, default=0, metavar="K",
                        help="also time K extra POST /report split into the core call, the QR "
                             "code, template rendering and the rest")
    args = parser.parse_args(argv)
    if not 1 <= args.n <= 1_000_000 or args.warmup < 0 or args.max_seconds <= 0:
        parser.error("need 1 <= --n <= 1000000, --warmup >= 0, --max-seconds > 0")
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    return Options(backends, args.n, args.database_url, args.strength, args.max_seconds,
                   args.warmup, args.seed, min(args.profile, 5000), min(args.breakdown, 5000))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; figures go to standard output."""
    options = parse_args(sys.argv[1:] if argv is None else argv)
    print("Rongrian intake benchmark: one process, one thread -> figures are per core")
    print(machine_line())
    print(f"n={options.n} timed operations per loop after {options.warmup} untimed; "
          f"each loop stops after {options.max_seconds:g} s")
    print(f"at start, {load_line()}")
    for backend in options.backends:
        run_backend(backend, options)
    print(f"\nat end, {load_line()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
