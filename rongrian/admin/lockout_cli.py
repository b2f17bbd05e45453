"""``rongrian staff unlock USERNAME``: lift the log-in lock of an account (issue 13 M3).

An account is locked after failed log-ins in a row (:mod:`rongrian.admin.lockout`); an
administrator lifts it on the account page or here. Audited as ``account_unlocked`` by the
command line. Exit codes: 0 done (also when the account was not locked), 2 no such account
(message in Thai and English), 1 installation not set up.
"""

import argparse
import sys

from rongrian.admin.lockout import unlock
from rongrian.admin.staffing import account_named
from rongrian.intake.audit import COMMAND_LINE, Actor
from rongrian.intake.db import make_engine, make_session_factory
from rongrian.settings import from_environment


def cmd_staff_unlock(args: argparse.Namespace) -> int:
    """Unlock ``args.username``; print what was done."""
    settings = from_environment()
    factory = make_session_factory(make_engine(settings.database_url))
    with factory() as session:
        account = account_named(session, args.username)
        if account is None:
            print(f"ข้อผิดพลาด: ไม่พบบัญชีผู้ใช้ {args.username!r}\n"
                  f"Error: no account {args.username!r}", file=sys.stderr)
            return 2
        was_locked = unlock(session, account, actor=Actor(None, COMMAND_LINE))
        session.commit()
    if was_locked:
        print(f"{account.username}: ปลดล็อกแล้ว / unlocked")
    else:
        print(f"{account.username}: ไม่ได้ถูกล็อก / was not locked")
    return 0


def add_unlock_command(staff: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add ``unlock USERNAME`` to the ``rongrian staff`` command group."""
    parser = staff.add_parser("unlock", help="lift the lock after failed log-ins (audited)")
    parser.add_argument("username")
    parser.set_defaults(func=cmd_staff_unlock)
