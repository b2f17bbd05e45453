"""Filing complaints through the production server: ``rongrian serve --workers N`` (gunicorn)
on PostgreSQL with Redis rate limits, driven by many virtual citizens at once.

Each virtual citizen has its own cookie jar and its own address (``X-Forwarded-For``, the
server started with ``RONGRIAN_TRUSTED_PROXIES=1`` as behind nginx), opens ``/report`` (its
CSRF token and hidden fields), and posts a complaint; ``--concurrency`` citizens are active at
a time. Prints submissions per second, p50/p99/max of the POST (and of the GET), errors, the
machine and ``/proc/loadavg`` before and after. The load generator runs on the same machine
(its threads compete with the server for the CPUs): the figures are a floor.

    .venv/bin/python -m benchmarks.production_http                    # 2 workers, 600 complaints
    .venv/bin/python -m benchmarks.production_http --workers 4 --submissions 2000 --concurrency 32

Empties the PostgreSQL database it is given (default ``rongrian_bench_prod``).
"""

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import requests

from benchmarks.common import (
    free_port,
    fresh_instance,
    hidden_fields,
    load_line,
    machine_line,
    summarise_latencies,
)
from benchmarks.intake_http import Form, make_forms

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/rongrian_bench_prod"
DEFAULT_REDIS = "redis://127.0.0.1:6379/15"


@dataclass
class Results:
    """Per-request timings (seconds) and failures, filled by the citizens' threads."""

    gets: list[float] = field(default_factory=list)
    posts: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def failed(self, what: str) -> None:
        with self.lock:
            self.errors[what] = self.errors.get(what, 0) + 1




def citizen_address(index: int) -> str:
    """A distinct address per virtual citizen (10.0.0.0/8)."""
    return f"10.{(index >> 16) & 255}.{(index >> 8) & 255}.{index & 255 or 1}"


def file_one(base: str, form: Form, address: str, results: Results) -> None:
    """One citizen: GET /report, then POST it; timings and failures go to ``results``."""
    session = requests.Session()
    session.headers["X-Forwarded-For"] = address
    try:
        started = time.perf_counter()
        page = session.get(f"{base}/report", timeout=60)
        got = time.perf_counter()
        if page.status_code != 200:
            results.failed(f"GET {page.status_code}")
            return
        data = {**form.fields(""), **hidden_fields(page.text)}
        answer = session.post(f"{base}/report", data=data, timeout=120)
        done = time.perf_counter()
    except requests.RequestException as exc:
        results.failed(type(exc).__name__)
        return
    if answer.status_code != 200 or 'id="tracking-code"' not in answer.text:
        results.failed(f"POST {answer.status_code}")
        return
    with results.lock:
        results.gets.append(got - started)
        results.posts.append(done - got)



def start_server(options: argparse.Namespace, instance: Path, port: int,
                 log: Path) -> subprocess.Popen[bytes]:
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("RONGRIAN_")},
           "RONGRIAN_INSTANCE": str(instance), "RONGRIAN_DATABASE_URL": options.database_url,
           "RONGRIAN_RATELIMIT_STORAGE": options.redis, "RONGRIAN_TRUSTED_PROXIES": "1",
           "RONGRIAN_PUBLIC_URL": f"http://127.0.0.1:{port}"}
    with log.open("wb") as out:
        server = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "rongrian.admin.cli", "serve", "--workers",
             str(options.workers), "--threads", str(options.threads), "--port", str(port)],
            env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited:\n{log.read_text(errors='replace')}")
        try:
            if requests.get(f"http://127.0.0.1:{port}/readyz", timeout=5).status_code == 200:
                return server
        except requests.ConnectionError:
            pass
        time.sleep(0.5)
    raise SystemExit("the server did not become ready")


def run(options: argparse.Namespace) -> None:
    folder = Path(tempfile.mkdtemp(prefix="rongrian-bench-prod-"))
    instance = fresh_instance(options.database_url, folder)
    forms = make_forms(options.submissions, seed=7)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(options, instance, port, folder / "server.log")
    print(machine_line())
    print(f"server: rongrian serve --workers {options.workers} --threads {options.threads} "
          f"(gunicorn), PostgreSQL {options.database_url.rsplit('@', 1)[-1]}, rate limits in "
          f"{options.redis}")
    print(f"load: {options.submissions} complaints by {options.citizens} virtual citizens, "
          f"{options.concurrency} at a time (each its own cookie and X-Forwarded-For)")
    print(f"before: {load_line()} (/proc/loadavg: {Path('/proc/loadavg').read_text().strip()})")
    try:
        results = Results()
        for index in range(min(options.warmup, len(forms))):  # imports, pools, caches
            file_one(base, forms[index], citizen_address(50_000 + index), Results())
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=options.concurrency) as pool:
            for index, form in enumerate(forms):
                pool.submit(file_one, base, form, citizen_address(index % options.citizens),
                            results)
        wall = time.perf_counter() - started
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
    print(f"after:  {load_line()} (/proc/loadavg: {Path('/proc/loadavg').read_text().strip()})")
    posts = summarise_latencies(results.posts, wall)
    gets = summarise_latencies(results.gets, wall)
    print(f"POST /report: {posts.count} filed in {wall:.1f} s = {posts.per_second:.1f} "
          f"submissions/s; p50 {posts.p50_ms:.0f} ms, p99 {posts.p99_ms:.0f} ms, "
          f"max {posts.max_ms:.0f} ms")
    print(f"GET /report:  p50 {gets.p50_ms:.0f} ms, p99 {gets.p99_ms:.0f} ms, "
          f"max {gets.max_ms:.0f} ms")
    print(f"errors: {results.errors or 'none'}")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else "")
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--redis", default=DEFAULT_REDIS, help="rate-limit storage")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--submissions", type=int, default=600)
    parser.add_argument("--citizens", type=int, default=300,
                        help="distinct virtual citizens (addresses); at most 20 filings an hour "
                             "each are allowed by the rate limit")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--warmup", type=int, default=20)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    run(parse_args(argv))
    return 0


if __name__ == "__main__":
    sys.exit(main())
