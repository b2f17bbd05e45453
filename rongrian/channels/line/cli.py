"""``rongrian line …``: set up the rich menu, purge expired drafts, run a LINE worker.

Exit codes as the rest of the command line: 0 success, 1 set-up error (e.g. the LINE channel
not configured), messages in Thai and English.
"""

import argparse
import sys
from datetime import UTC, datetime
from typing import Any

from rongrian.settings import Settings, from_environment

NOT_CONFIGURED = (
    "ข้อผิดพลาด: ยังไม่ได้ตั้งค่าช่องทาง LINE ตั้ง RONGRIAN_LINE_CHANNEL_SECRET และ "
    "RONGRIAN_LINE_CHANNEL_ACCESS_TOKEN\n"
    "Error: the LINE channel is not configured: set RONGRIAN_LINE_CHANNEL_SECRET and "
    "RONGRIAN_LINE_CHANNEL_ACCESS_TOKEN."
)
NO_REDIS = (
    "ข้อผิดพลาด: ตัวประมวลผลเบื้องหลังต้องใช้ Redis ตั้ง RONGRIAN_REDIS_URL เช่น redis://127.0.0.1:6379/0\n"
    "Error: the worker needs Redis: set RONGRIAN_REDIS_URL, e.g. redis://127.0.0.1:6379/0."
)


def _configured() -> Settings | None:
    settings = from_environment()
    if not settings.line_enabled:
        print(NOT_CONFIGURED, file=sys.stderr)
        return None
    return settings


def cmd_setup_richmenu(_args: argparse.Namespace) -> int:
    from rongrian.channels.line.api import LineApiError
    from rongrian.channels.line.app import api_from_settings
    from rongrian.channels.line.richmenu import setup_rich_menu

    settings = _configured()
    if settings is None:
        return 1
    api = api_from_settings(settings)
    try:
        rich_menu_id = setup_rich_menu(api)
    except LineApiError as exc:
        print(f"ข้อผิดพลาด: LINE ไม่รับเมนู (HTTP {exc.status})\n"
              f"Error: LINE refused the rich menu (HTTP {exc.status}).", file=sys.stderr)
        return 1
    finally:
        api.close()
    print(f"ตั้งเมนูแล้ว / Rich menu set as default: {rich_menu_id}")
    return 0


def cmd_purge(_args: argparse.Namespace) -> int:
    from rongrian.channels.line.state import purge
    from rongrian.intake.db import make_engine, make_session_factory

    settings = from_environment()
    factory = make_session_factory(make_engine(settings.database_url))
    with factory() as session:
        conversations, events = purge(session, datetime.now(UTC))
        session.commit()
    print(f"ลบร่างที่หมดอายุ {conversations} รายการ / expired drafts deleted: {conversations}; "
          f"old redelivery records: {events}")
    return 0


#: The most lane threads one worker may run (there are 16 lanes; past a few, start workers).
MAX_LANE_THREADS = 16


def _lane_threads(text: str) -> int:
    """``--threads``: a whole number from 1 to :data:`MAX_LANE_THREADS`."""
    try:
        count = int(text)
    except ValueError:
        count = 0
    if not 1 <= count <= MAX_LANE_THREADS:
        raise argparse.ArgumentTypeError(
            f"ต้องเป็นจำนวนเต็ม 1 ถึง {MAX_LANE_THREADS} / must be a whole number from 1 to "
            f"{MAX_LANE_THREADS}: {text!r}")
    return count


def cmd_worker(args: argparse.Namespace) -> int:
    from rongrian.channels.line.app import runtime_from_settings
    from rongrian.channels.line.jobs import run_worker
    from rongrian.intake.db import make_engine, make_session_factory

    settings = _configured()
    if settings is None:
        return 1
    if not settings.redis_url:
        print(NO_REDIS, file=sys.stderr)
        return 1
    factory = make_session_factory(make_engine(settings.database_url))
    runtime = runtime_from_settings(settings, factory)
    queue = args.queue or settings.line_queue
    print(f"LINE worker on queue {queue} / ตัวประมวลผล LINE เริ่มทำงาน", flush=True)
    run_worker(runtime, settings.redis_url, queue, burst=args.burst, threads=args.threads)
    return 0


def add_line_commands(sub: Any) -> None:
    """Add ``line setup-richmenu|purge|worker`` to the ``rongrian`` sub-command parser."""
    from rongrian.channels.line.dispatch import DEFAULT_QUEUE
    from rongrian.channels.line.lanes import LANE_THREADS

    line = sub.add_parser("line", help="LINE Official Account channel")
    commands = line.add_subparsers(dest="line_command", required=True)
    commands.add_parser("setup-richmenu", help="create the rich menu and make it the default"
                        ).set_defaults(func=cmd_setup_richmenu)
    commands.add_parser("purge", help="delete expired drafts and old redelivery records"
                        ).set_defaults(func=cmd_purge)
    worker = commands.add_parser(
        "worker", help="run a LINE worker: events from the ordered lanes, pushes from RQ "
        "(needs RONGRIAN_REDIS_URL); several may run, each chat's events stay in order")
    worker.add_argument("--queue", default=None,
                        help="RQ queue name and lanes' key prefix "
                        f"(default: RONGRIAN_LINE_QUEUE or {DEFAULT_QUEUE})")
    worker.add_argument("--burst", action="store_true", help="stop when the queue is empty")
    worker.add_argument("--threads", type=_lane_threads, default=LANE_THREADS,
                        help="lanes handled at once by this worker, each waiting on the database "
                        f"and LINE's API on its own (default {LANE_THREADS})")
    worker.set_defaults(func=cmd_worker)
