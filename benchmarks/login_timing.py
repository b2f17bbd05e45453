"""Staff log-in timing: a wrong password for an existing account and any password for an unknown
user name must take the same time (issue 13 M3), at the real key-derivation strength.

Sets up the demo municipality with ``interactive`` Argon2id (RFC 9106) on a fresh SQLite file
(or PostgreSQL), then posts the log-in form through the staff app (CSRF token and all, rate
limits off) alternating a known and an unknown name, each with a wrong password, and prints the
median, 10th and 90th percentile of each and the difference of the medians.

    .venv/bin/python -m benchmarks.login_timing --n 30
    .venv/bin/python -m benchmarks.login_timing --backend postgresql --n 30
"""

import argparse
import re
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.common import fresh_database, install_demo, load_line, machine_line, percentile
from rongrian.admin.web.app import create_staff_app
from rongrian.settings import Settings, create_secrets

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/rongrian_bench_login"
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _figures(name: str, seconds: list[float]) -> str:
    ordered = sorted(seconds)
    return (f"{name:<28} median {statistics.median(ordered) * 1000:7.1f} ms   "
            f"p10 {percentile(ordered, 0.10) * 1000:7.1f} ms   "
            f"p90 {percentile(ordered, 0.90) * 1000:7.1f} ms   (n={len(ordered)})")


def run(backend: str, n: int, database_url: str) -> None:
    """Measure and print; ``n`` attempts of each kind."""
    folder = Path(tempfile.mkdtemp(prefix="rongrian-login-"))
    engine = fresh_database(backend, database_url, folder / "bench.db")
    install_demo(engine, "interactive")
    settings = Settings(database_url=engine.url.render_as_string(hide_password=False),
                        instance_path=folder / "instance",
                        secrets=create_secrets(folder / "instance"),
                        kdf_strength="interactive", ratelimit_enabled=False,
                        login_lock_after=10 * n)  # never locked during the run
    client = create_staff_app(settings, engine=engine).test_client()
    timings: dict[str, list[float]] = {"existing name, wrong password": [],
                                       "unknown name": []}
    for attempt in range(n + 2):
        for label, username in (("existing name, wrong password", "works"),
                                ("unknown name", "no-such-user")):
            page = client.get("/login").get_data(as_text=True)
            match = _CSRF.search(page)
            assert match is not None
            started = time.perf_counter()
            answer = client.post("/login", data={"username": username,
                                                 "password": f"wrong-{attempt}",
                                                 "csrf_token": match.group(1)})
            elapsed = time.perf_counter() - started
            assert answer.status_code == 401
            if attempt >= 2:  # the first two warm caches
                timings[label].append(elapsed)
    print(machine_line())
    print(load_line())
    print(f"backend: {backend}; KDF: interactive (Argon2id, 3 passes, 64 MiB, 4 lanes)")
    for label, seconds in timings.items():
        print(_figures(label, seconds))
    known, unknown = (statistics.median(values) for values in timings.values())
    print(f"difference of the medians: {(known - unknown) * 1000:+.1f} ms "
          f"({abs(known - unknown) / known * 100:.1f} % of the existing name's)")
    engine.dispose()


def main() -> None:
    """Command line: ``--backend sqlite|postgresql``, ``--n``, ``--database-url``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--n", type=int, default=30)
    parser.add_argument("--database-url", default=DEFAULT_PG_URL)
    args = parser.parse_args()
    run(args.backend, args.n, args.database_url)


if __name__ == "__main__":
    main()
