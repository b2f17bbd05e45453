"""A staff account's work e-mail address and its daily-digest choice (issue 9 §2).

An administrator sets both, on the account's page or with ``rongrian staff email``. The address
receives the daily digest (:mod:`rongrian.intake.digest`; counts and case numbers only) and, for
executives, the reports ``rongrian report-send --to executives`` delivers. It is a work address
of a staff member, not a citizen's, so it is kept in clear; a change is audited
(``staff_email_changed``, with the account's user name and whether an address is set, not the
address).
"""

import argparse
import re
import sys

from sqlalchemy.orm import Session

from rongrian.admin.staffing import account_named
from rongrian.intake.audit import COMMAND_LINE, Actor, append_entry
from rongrian.intake.db import make_engine, make_session_factory
from rongrian.intake.errors import InvalidSubmission
from rongrian.intake.models import AuditAction, StaffAccount
from rongrian.settings import from_environment

#: Longest address (RFC 5321: a path of 256 octets, less the angle brackets).
MAX_EMAIL = 254
#: One ``local@domain`` address: printable ASCII without spaces or the characters that separate
#: addresses or names in a header; a domain of dot-separated labels ending in a 2+ letter TLD.
_ADDRESS = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}")


def email_problem(text: str) -> str | None:
    """``None`` when ``text`` (trimmed; empty means "no address") is acceptable, else the
    problem code ``too_long`` or ``invalid`` (one plain address, no name, no list)."""
    address = text.strip()
    if not address:
        return None
    if len(address) > MAX_EMAIL:
        return "too_long"
    local = address.partition("@")[0]
    if (_ADDRESS.fullmatch(address) is None or ".." in address
            or local.startswith(".") or local.endswith(".")):
        return "invalid"
    return None


def set_email(session: Session, account: StaffAccount, email: str, *, digest: bool,
              actor: Actor) -> bool:
    """Set ``account``'s address (``""`` removes it) and whether it gets the daily digest.

    Audited as ``staff_email_changed`` when anything changed; returns whether it did. Raises
    :class:`InvalidSubmission` ``{"email": "too_long" | "invalid"}``, nothing changed. Flushes;
    the caller commits.
    """
    problem = email_problem(email)
    if problem is not None:
        raise InvalidSubmission({"email": problem})
    address = email.strip() or None
    if account.email == address and account.email_digest == digest:
        return False
    account.email = address
    account.email_digest = digest
    append_entry(session, AuditAction.STAFF_EMAIL_CHANGED, actor,
                 detail={"account": account.username, "email": address is not None,
                         "digest": digest})
    session.flush()
    return True


#: Thai and English text of :func:`email_problem`'s codes.
PROBLEMS = {
    "too_long": ("ที่อยู่อีเมลยาวเกิน 254 ตัวอักษร", "the e-mail address is over 254 characters"),
    "invalid": ("ที่อยู่อีเมลไม่ถูกต้อง ใส่ที่อยู่เดียว เช่น somchai@example.go.th",
                "not an e-mail address: give one address, e.g. somchai@example.go.th"),
}


def _state(account: StaffAccount) -> str:
    digest = "daily digest on" if account.email_digest else "daily digest off"
    return f"{account.username}: {account.email or '(no e-mail)'}, {digest}"


def cmd_staff_email(args: argparse.Namespace) -> int:
    """Show, set or clear an account's address and digest choice (``rongrian staff email``)."""
    factory = make_session_factory(make_engine(from_environment().database_url))
    with factory() as session:
        account = account_named(session, args.username)
        if account is None:
            print(f"ข้อผิดพลาด: ไม่พบบัญชีผู้ใช้ {args.username!r}\n"
                  f"Error: no account {args.username!r}", file=sys.stderr)
            return 2
        if args.address is None and not args.clear and args.digest is None:
            print(_state(account))
            return 0
        email = "" if args.clear else (args.address if args.address is not None
                                       else account.email or "")
        digest = account.email_digest if args.digest is None else args.digest
        try:
            set_email(session, account, email, digest=digest, actor=Actor(None, COMMAND_LINE))
        except InvalidSubmission as exc:
            th, en = PROBLEMS[exc.problems["email"]]
            print(f"ข้อผิดพลาด: {th}\nError: {en}", file=sys.stderr)
            return 2
        session.commit()
        print(_state(account))
    return 0


def add_email_command(staff: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add ``email USERNAME [ADDRESS | --clear] [--digest | --no-digest]`` to ``rongrian
    staff``; with no change asked for it shows the account's address and digest choice."""
    parser = staff.add_parser("email", help="an account's e-mail address and daily digest")
    parser.add_argument("username")
    target = parser.add_mutually_exclusive_group()
    target.add_argument("address", nargs="?", help="work e-mail address")
    target.add_argument("--clear", action="store_true", help="remove the address")
    parser.add_argument("--digest", action=argparse.BooleanOptionalAction, default=None,
                        help="whether the account gets the daily digest")
    parser.set_defaults(func=cmd_staff_email)


__all__ = ["MAX_EMAIL", "PROBLEMS", "add_email_command", "email_problem", "set_email"]
