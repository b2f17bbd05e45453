"""``rongrian serve``: the production server (gunicorn, :mod:`rongrian.admin.production`).

``rongrian demo`` keeps Werkzeug's embedded server (:mod:`rongrian.admin.server`).
"""

import argparse
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from rongrian.settings import Settings, following_listen_address, from_environment

#: Default worker processes, threads per worker and request timeout (seconds).
DEFAULT_WORKERS = 1
DEFAULT_THREADS = 4
DEFAULT_TIMEOUT = 60

if TYPE_CHECKING:
    from rongrian.admin.production import WSGIApp


def _fail(thai: str, english: str) -> int:
    print(f"ข้อผิดพลาด: {thai}\nError: {english}", file=sys.stderr)
    return 2


def print_addresses(settings: Settings, host: str, port: int) -> None:
    """Where to open the apps, and (without ``RONGRIAN_PUBLIC_URL``) which URL the tracking
    links and QR codes carry."""
    base = settings.public_base_url.rstrip("/")
    print(f"ประชาชน / Citizens:   {base}/report   (ติดตามเรื่อง / tracking: {base}/track)")
    print(f"เจ้าหน้าที่ / Staff:    {base}/staff/login")
    print(f"ตรวจสุขภาพ / Health:   http://{host}:{port}/healthz  /readyz")
    if not os.environ.get("RONGRIAN_PUBLIC_URL"):
        print(f"RONGRIAN_PUBLIC_URL ไม่ได้ตั้งค่า ลิงก์ติดตามเรื่องจะใช้ {base} / "
              f"RONGRIAN_PUBLIC_URL is unset: tracking links use {base}")
    print("กด Ctrl+C เพื่อหยุด / Press Ctrl+C to stop", flush=True)


def cmd_serve(args: argparse.Namespace) -> int:
    """Run the combined app under gunicorn with ``--workers`` processes; refuses (exit 2) a
    configuration that cannot be shared between them."""
    # Imported here: the apps and gunicorn take seconds to import, other commands need neither.
    from rongrian.admin.production import ProductionServer, gunicorn_options, production_problems
    from rongrian.admin.server import combined_app

    if args.workers < 1 or args.threads < 1 or args.timeout < 1:
        return _fail("--workers, --threads และ --timeout ต้องเป็นจำนวนเต็มตั้งแต่ 1",
                     "--workers, --threads and --timeout must be whole numbers from 1")
    settings = following_listen_address(from_environment(), args.host, args.port)
    problems = production_problems(settings, args.workers)
    if problems:
        for thai, english in problems:
            _fail(thai, english)
        return 2
    print_addresses(settings, args.host, args.port)
    bind = f"[{args.host}]:{args.port}" if ":" in args.host else f"{args.host}:{args.port}"
    options = gunicorn_options(bind=bind, workers=args.workers, threads=args.threads,
                               timeout=args.timeout)
    factory: Callable[[], WSGIApp] = lambda: combined_app(settings)  # noqa: E731
    ProductionServer(factory, options).run()
    return 0


def register(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add ``serve`` to the ``rongrian`` command line."""
    parser = sub.add_parser(
        "serve", help="production server: gunicorn, public app at / and staff at /staff")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS,
                        help="worker processes (more than 1 needs Redis, see the README)")
    parser.add_argument("--threads", type=int, default=DEFAULT_THREADS,
                        help="threads per worker process")
    parser.add_argument("--timeout", type=int, default=DEFAULT_TIMEOUT,
                        help="seconds before a stuck worker is restarted")
    parser.set_defaults(func=cmd_serve)
