"""``rongrian staff desk USERNAME --on|--off``: the intake-desk role of an account (issue 8).

The role lets a staff member take down complaints that arrive by telephone, letter, in person,
in a suggestion box or by referral; it grants no access to them. Audited as
``desk_role_changed`` by the command line. Exit codes: 0 done, 2 no such account (Thai and
English message), 1 installation not set up.
"""

import argparse
import sys

from rongrian.admin.staffing import account_named
from rongrian.intake.audit import COMMAND_LINE, Actor
from rongrian.intake.db import make_engine, make_session_factory
from rongrian.intake.desk import set_intake_desk
from rongrian.settings import from_environment


def cmd_staff_desk(args: argparse.Namespace) -> int:
    """Give or take away the intake-desk role of ``args.username``."""
    settings = from_environment()
    factory = make_session_factory(make_engine(settings.database_url))
    with factory() as session:
        account = account_named(session, args.username)
        if account is None:
            print(f"ข้อผิดพลาด: ไม่พบบัญชีผู้ใช้ {args.username!r}\n"
                  f"Error: no account {args.username!r}", file=sys.stderr)
            return 2
        set_intake_desk(session, account, args.on, actor=Actor(None, COMMAND_LINE))
        session.commit()
    state = ("รับเรื่องจากช่องทางอื่นได้ / may take down complaints" if args.on
             else "ไม่มีหน้าที่รับเรื่อง / no intake-desk role")
    print(f"{account.username}: {state}")
    return 0


def add_desk_command(staff: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add ``desk USERNAME --on|--off`` to the ``rongrian staff`` command group."""
    parser = staff.add_parser("desk", help="give or take away the intake-desk role (audited)")
    parser.add_argument("username")
    switch = parser.add_mutually_exclusive_group(required=True)
    switch.add_argument("--on", dest="on", action="store_true", help="may take down complaints")
    switch.add_argument("--off", dest="on", action="store_false", help="no longer")
    parser.set_defaults(func=cmd_staff_desk)
