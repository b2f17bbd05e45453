"""Rongrian against a minimal reference service, side by side in one command (issue 11).

Starts both under gunicorn with the same settings (``--workers 2``, sync workers, no access
log) on PostgreSQL: Rongrian's combined app (``rongrian.wsgi:create_app()``, rate limits in
Redis, ``RONGRIAN_TRUSTED_PROXIES=1``) on a fresh database with the demo municipality, and
:mod:`benchmarks.reference.app` on its own database. Then, interleaving the two servers
(reference, Rongrian, reference, Rongrian, …), ``--citizens`` virtual citizens in a closed loop
(:mod:`benchmarks.closed_loop`) for ``--seconds`` each:

1. ``POST /report``: varied anonymous Thai complaints; submissions/s, p50/p99, errors, ratio;
2. ``POST /track`` with valid codes filed in step 1 (a reference lookup: one indexed select by
   HMAC digest, decrypt, render); the same figures;
3. unless ``--skip-line``: LINE webhooks through to the reply at the stand-in LINE API
   (:mod:`benchmarks.line_webhook`), in-process and with RQ and ``--rq-workers`` workers.

Modes: ``--memory N`` files N complaints into Rongrian alone and prints each worker's resident
memory after the first 100 and after N; ``--seed-complaints N`` fills N complaints into
Rongrian's database first (the server-side fill of :mod:`benchmarks.summary_1m`).

    .venv/bin/python -m benchmarks.side_by_side                      # 2 rounds × 15 s
    .venv/bin/python -m benchmarks.side_by_side --rounds 3 --seconds 20 --skip-line
    .venv/bin/python -m benchmarks.side_by_side --memory 10000 --skip-line
    .venv/bin/python -m benchmarks.side_by_side --seed-complaints 1000000 --skip-line

Empties both PostgreSQL databases it is given.
"""

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import requests
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from benchmarks.closed_loop import CitizenResult, Phase, run_phase
from benchmarks.common import (
    ensure_pg_database,
    free_port,
    fresh_instance,
    load_line,
    machine_line,
    summarise_latencies,
)
from benchmarks.intake_http import make_forms
from benchmarks.reference.app import create_schema, environment
from benchmarks.summary_1m import fill
from rongrian.admin.organisation import STARTING_CATEGORIES

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/rongrian_perf"
DEFAULT_REF_URL = "postgresql://postgres@127.0.0.1:5432/rongrian_perf_ref"
DEFAULT_REDIS = "redis://127.0.0.1:6379/14"
#: The same gunicorn settings for both (those of ``rongrian serve`` but sync workers).
GUNICORN = ["--worker-class", "sync", "--timeout", "60", "--graceful-timeout", "30",
            "--keep-alive", "5", "--no-control-socket",
            "--logger-class", "rongrian.admin.production.QuietLogger"]
GOAL_RATIO = 0.6
GOAL_P99_FACTOR = 2.0


@dataclass
class Server:
    """A gunicorn master started by this benchmark."""

    name: str
    port: int
    process: "subprocess.Popen[bytes]"

    def workers(self) -> list[int]:
        """Process ids of the master's worker children."""
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(fields[1]) == self.process.pid:
                    found.append(int(entry.name))
        return sorted(found)

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=60)



def start(name: str, app: str, env: dict[str, str], workers: int, log: Path) -> Server:
    """``gunicorn`` with :data:`GUNICORN` and ``workers`` running ``app``; wait until ready."""
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - our interpreter, fixed arguments
            [sys.executable, "-m", "gunicorn", *GUNICORN, "--workers", str(workers),
             "--bind", f"127.0.0.1:{port}", app],
            env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    server = Server(name, port, process)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{name} exited:\n{log.read_text(errors='replace')}")
        try:
            if requests.get(f"http://127.0.0.1:{port}/readyz", timeout=10).status_code == 200:
                return server
        except requests.RequestException:
            pass
        time.sleep(0.3)
    server.stop()
    raise SystemExit(f"{name} did not become ready")


def rongrian_env(options: argparse.Namespace, instance: Path, port_hint: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RONGRIAN_")}
    env.update({"RONGRIAN_INSTANCE": str(instance), "RONGRIAN_DATABASE_URL": options.database_url,
                "RONGRIAN_RATELIMIT_STORAGE": options.redis, "RONGRIAN_TRUSTED_PROXIES": "1",
                "RONGRIAN_PUBLIC_URL": port_hint})
    return env


def rss_kib(pid: int) -> int:
    """Resident memory of a process in KiB (``VmRSS`` of ``/proc/<pid>/status``)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


@dataclass
class Figures:
    """One server's figures over its phases of one kind."""

    per_second: list[float]
    p50: list[float]
    p99: list[float]
    errors: dict[str, int]

    def line(self) -> str:
        return (f"{statistics.median(self.per_second):7.1f}/s  p50 "
                f"{statistics.median(self.p50):6.1f} ms  p99 {statistics.median(self.p99):6.1f}"
                f" ms  errors {self.errors or 'none'}  (runs: "
                + ", ".join(f"{rate:.0f}" for rate in self.per_second) + ")")


def timed(server: Server, phase: Phase, citizens: int, figures: Figures) -> CitizenResult:
    """Run ``phase`` on ``server``, print its line and add it to ``figures``."""
    def progress(count: int, seconds: float) -> None:
        print(f"    … {server.name} {phase.kind}: {count} requests in {seconds:.0f} s",
              flush=True)

    before = load_line()
    result, wall = run_phase(phase, citizens, progress)
    lat = summarise_latencies(result.latencies, wall)
    figures.per_second.append(lat.per_second)
    figures.p50.append(lat.p50_ms)
    figures.p99.append(lat.p99_ms)
    for what, count in result.errors.items():
        figures.errors[what] = figures.errors.get(what, 0) + count
    print(f"  {server.name:9} {phase.kind:6} {lat.count:6d} in {wall:5.1f} s = "
          f"{lat.per_second:6.1f}/s  p50 {lat.p50_ms:6.1f} ms  p99 {lat.p99_ms:6.1f} ms  "
          f"errors {result.errors or 'none'}  [{before}]", flush=True)
    return result


def compare(kind: str, reference: Figures, rongrian: Figures) -> None:
    ratio = statistics.median(rongrian.per_second) / statistics.median(reference.per_second)
    p99_factor = statistics.median(rongrian.p99) / statistics.median(reference.p99)
    met = ratio >= GOAL_RATIO and (kind == "track" or p99_factor <= GOAL_P99_FACTOR)
    clean = not rongrian.errors and not reference.errors
    print(f"POST /{kind} (medians of the runs)\n  reference {reference.line()}\n"
          f"  rongrian  {rongrian.line()}\n  ratio {ratio:.2f} of the reference's throughput, "
          f"p99 {p99_factor:.2f} × the reference's — goal ≥ {GOAL_RATIO}"
          + ("" if kind == "track" else f", p99 ≤ {GOAL_P99_FACTOR} ×")
          + f", no error: {'met' if met and clean else 'MISSED'}", flush=True)


def side_by_side(options: argparse.Namespace, ours: Server, ref: Server) -> None:
    forms = make_forms(500, seed=11)
    figures = {(name, kind): Figures([], [], [], {}) for name in ("reference", "rongrian")
               for kind in ("report", "track")}
    codes: dict[str, list[str]] = {"reference": [], "rongrian": []}
    for round_number in range(options.rounds):  # POST /report: always (it makes the codes)
        print(f"round {round_number + 1}/{options.rounds}", flush=True)
        for server in (ref, ours):
            phase = Phase("report", server.port, options.seconds, forms=forms,
                          fresh_form=options.fresh_form)
            result = timed(server, phase, options.citizens, figures[(server.name, "report")])
            codes[server.name] += result.codes
    compare("report", figures[("reference", "report")], figures[("rongrian", "report")])
    if options.skip_track:
        return
    for round_number in range(options.rounds):
        print(f"round {round_number + 1}/{options.rounds}", flush=True)
        for server in (ref, ours):
            phase = Phase("track", server.port, options.seconds, codes=codes[server.name][::-1])
            timed(server, phase, options.citizens, figures[(server.name, "track")])
    compare("track", figures[("reference", "track")], figures[("rongrian", "track")])


def memory(options: argparse.Namespace, ours: Server) -> None:
    """Each worker's resident memory after the first 100 submissions and after ``--memory``."""
    forms = make_forms(500, seed=13)
    sink = Figures([], [], [], {})
    first = 100
    filed = 0
    sizes: dict[int, int] = {}
    while filed < options.memory:
        seconds = 2.0 if filed < first else options.seconds
        result = timed(ours, Phase("report", ours.port, seconds, forms=forms), options.citizens,
                       sink)
        filed += len(result.latencies)
        if not sizes and filed >= first:
            sizes = {pid: rss_kib(pid) for pid in ours.workers()}
            print(f"  after {filed} submissions: worker RSS "
                  + ", ".join(f"{pid}: {kib / 1024:.1f} MiB" for pid, kib in sizes.items()))
    for pid in ours.workers():
        now = rss_kib(pid)
        was = sizes.get(pid, 0)
        growth = (now - was) / was * 100 if was else float("nan")
        print(f"  after {filed} submissions: worker {pid} RSS {now / 1024:.1f} MiB "
              f"(was {was / 1024:.1f} MiB: {growth:+.1f} %) — goal within 10 %: "
              + ("met" if abs(growth) <= 10 else "MISSED"))
    print(f"  errors: {sink.errors or 'none'}")


#: The LINE workers' niceness: the deployed unit's (``deploy/systemd/rongrian-line-worker.service``,
#: ``Nice=10``), so the webhook keeps answering first.
LINE_NICE = 10


def line(options: argparse.Namespace) -> None:
    from benchmarks.line_webhook import Options, run

    for mode, workers in (("inprocess", 1), ("rq", options.rq_workers)):
        print(f"LINE webhooks, {mode}" + (f", {workers} RQ workers" if mode == "rq" else ""),
              flush=True)
        run(Options("postgresql", options.line_database_url, options.line_rate,
                    options.seconds, 16, mode, workers, options.redis_line, 60.0, LINE_NICE))


def reference_environment(reference_url: str) -> dict[str, str]:
    """The reference's database ``reference_url`` (a psycopg conninfo) made if missing with its
    table recreated, and the environment its workers run with: this one plus fresh secrets, a
    unit's public key and the demo's category and unit codes."""
    ensure_pg_database(make_url(reference_url.replace("postgresql://", "postgresql+psycopg://")
                                ).render_as_string(hide_password=False))
    create_schema(reference_url)
    categories = [row[0] for row in STARTING_CATEGORIES]
    units = sorted({row[3] for row in STARTING_CATEGORIES} | {"PALAD", "FINANCE", "WORKS"})
    return {**os.environ, **environment(reference_url, categories, units)}


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="rongrian-side-by-side-"))

    def seed(engine: Engine) -> None:
        if options.seed_complaints:
            print(f"filling {options.seed_complaints} complaints …", flush=True)
            print(f"  filled in {fill(engine, options.seed_complaints, seed=5):.1f} s",
                  flush=True)

    instance = fresh_instance(options.database_url, folder, seed)
    ref_env = reference_environment(options.reference_url)
    print(machine_line())
    print(f"servers: gunicorn {' '.join(GUNICORN[:2])} --workers {options.workers}; "
          f"{options.citizens} virtual citizens (processes), closed loop, "
          f"{options.seconds:.0f} s per run; " + ("a fresh form (GET) before each POST"
                                                   if options.fresh_form else
                                                   "one GET per citizen, then POSTs"))
    ours = start("rongrian", "rongrian.wsgi:create_app()", rongrian_env(
        options, instance, "https://report.example.go.th"), options.workers, folder / "r.log")
    try:
        ref = start("reference", "benchmarks.reference.app:create_app()", ref_env,
                    options.workers, folder / "ref.log")
    except BaseException:
        ours.stop()
        raise
    try:
        if options.memory:
            memory(options, ours)
        else:
            side_by_side(options, ours, ref)
    finally:
        ours.stop()
        ref.stop()
    if not options.skip_line and not options.memory:
        line(options)
    print(load_line())
    return 0


def add_server_options(parser: argparse.ArgumentParser, *, seconds: float) -> None:
    """The options of a run of the two servers side by side: databases, Redis, workers,
    citizens, ``--seconds`` per run (default ``seconds``) and rounds."""
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--reference-url", default=DEFAULT_REF_URL, help="psycopg conninfo")
    parser.add_argument("--redis", default=DEFAULT_REDIS, help="Rongrian's rate-limit storage")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--citizens", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=seconds, help="per run")
    parser.add_argument("--rounds", type=int, default=2)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else "")
    add_server_options(parser, seconds=15.0)
    parser.add_argument("--fresh-form", action="store_true",
                        help="GET the form before each POST (the one-time token spent)")
    parser.add_argument("--memory", type=int, default=0, metavar="N")
    parser.add_argument("--seed-complaints", type=int, default=0, metavar="N")
    parser.add_argument("--skip-track", action="store_true", help="no POST /track runs")
    parser.add_argument("--skip-line", action="store_true")
    parser.add_argument("--line-rate", type=float, default=200.0,
                        help="webhooks/s offered (default 200, the goal)")
    parser.add_argument("--rq-workers", type=int, default=2)
    parser.add_argument("--line-database-url",
                        default="postgresql+psycopg://postgres@127.0.0.1:5432/rongrian_perf_line")
    parser.add_argument("--redis-line", default="redis://127.0.0.1:6379/13")
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(main())
