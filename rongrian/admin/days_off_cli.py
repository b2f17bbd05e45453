"""``rongrian days-off``: the agency's own days off for the service clock (issue 9 §2).

- ``rongrian days-off add 2026-07-27 --name "วันหยุดพิเศษตามมติคณะรัฐมนตรี"``
- ``rongrian days-off remove 2026-07-27``
- ``rongrian days-off list [--since 2026-01-01]``

Thai public holidays come from the ``holidays`` package; add here what it does not know, such
as a special holiday the Cabinet announced. A day added counts for cases filed from then on;
due days already set do not move (extend a case if needed). Each change is audited. Exit
codes: 0 done, 2 bad input (Thai and English message, nothing changed), 1 not set up.
"""

import argparse
import sys
from datetime import date

from rongrian.intake.audit import COMMAND_LINE, Actor, append_entry
from rongrian.intake.models import AuditAction
from rongrian.intake.service_clock import (
    add_day_off,
    is_working_day,
    list_days_off,
    remove_day_off,
    thai_public_holidays,
)
from rongrian.settings import from_environment

NAME_MAX = 200


def _fail(th: str, en: str) -> int:
    print(f"ข้อผิดพลาด: {th}\nError: {en}", file=sys.stderr)
    return 2


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def cmd_days_off(args: argparse.Namespace) -> int:
    """Add, remove or list the agency's days off."""
    from rongrian.intake.db import make_engine, make_session_factory

    day = _day(args.day) if getattr(args, "day", None) else None
    if getattr(args, "day", None) and day is None:
        return _fail(f"วันที่ต้องอยู่ในรูปแบบ ปปปป-ดด-วว (ค.ศ.) เช่น 2026-07-27: {args.day}",
                     f"the date must be YYYY-MM-DD (CE), like 2026-07-27: {args.day}")
    name = (getattr(args, "name", "") or "").strip()
    if args.action == "add" and not 0 < len(name) <= NAME_MAX:
        return _fail(f"กรุณาระบุชื่อวันหยุด (ไม่เกิน {NAME_MAX} ตัวอักษร) ด้วย --name",
                     f"give the day off a name (at most {NAME_MAX} characters) with --name")
    settings = from_environment()
    engine = make_engine(settings.database_url)
    with make_session_factory(engine)() as session:
        if args.action == "list":
            since = _day(args.since) if args.since else None
            for row in list_days_off(session, since=since):
                print(f"{row.day.isoformat()}  {row.name}")
            return 0
        assert day is not None  # noqa: S101 - checked above for add and remove
        if args.action == "add":
            if day in thai_public_holidays(day.year):
                print(f"{day.isoformat()} เป็นวันหยุดราชการอยู่แล้ว / is a public holiday already")
            elif not is_working_day(day):
                print(f"{day.isoformat()} เป็นวันเสาร์หรืออาทิตย์ / is a weekend day")
            add_day_off(session, day, name)
            append_entry(session, AuditAction.DAY_OFF_ADDED, Actor(None, COMMAND_LINE),
                         detail={"day": day.isoformat()})
        elif not remove_day_off(session, day):
            return _fail(f"ไม่มีวันหยุดของหน่วยงานวันที่ {day.isoformat()}",
                         f"no agency day off on {day.isoformat()}")
        else:
            append_entry(session, AuditAction.DAY_OFF_REMOVED, Actor(None, COMMAND_LINE),
                         detail={"day": day.isoformat()})
        session.commit()
    print(f"{args.action}: {day.isoformat()}")
    return 0


def register(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add ``days-off add|remove|list`` to the command line."""
    parser = sub.add_parser("days-off", help="the agency's own days off (service clock)")
    actions = parser.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="add a day off (YYYY-MM-DD) with --name")
    add.add_argument("day")
    add.add_argument("--name", required=True)
    remove = actions.add_parser("remove", help="remove a day off (YYYY-MM-DD)")
    remove.add_argument("day")
    listing = actions.add_parser("list", help="list the days off")
    listing.add_argument("--since", default="")
    parser.set_defaults(func=cmd_days_off)
