"""``rongrian staff …`` and ``rongrian keys …``: accounts, unit membership and key operations.

The offline recovery key is read from a file (``--recovery-key-file``) or typed at a prompt that
does not echo (:func:`getpass.getpass`); it is never printed, logged or written anywhere. Member
passwords are read the same way. One-time passwords of new or reset accounts are printed once on
standard output, and stored nowhere in clear. Progress goes to standard error.

Exit codes: 0 success, 2 bad input (unknown unit or user, wrong key; message in Thai and
English; nothing changed), 1 installation not set up.
"""

import argparse
import functools
import getpass
import sys
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from rongrian.admin import staffing
from rongrian.admin.desk_cli import add_desk_command
from rongrian.admin.identity_cli import add_repad_command
from rongrian.admin.lockout_cli import add_unlock_command
from rongrian.admin.staff_email import add_email_command
from rongrian.crypto.errors import MalformedKey
from rongrian.crypto.keys import X25519PrivateKey, parse_recovery_key
from rongrian.intake.audit import COMMAND_LINE, RECOVERY_KEY, Actor
from rongrian.intake.db import make_engine, make_session_factory
from rongrian.intake.errors import (
    AuthenticationFailed,
    GrantRefused,
    InvalidSubmission,
    KeyNotGranted,
    WrongRecoveryKey,
)
from rongrian.intake.grants import (
    PendingGrant,
    add_member,
    grant_by_recovery,
    pending_grants,
    remove_member,
)
from rongrian.intake.keyring import (
    active_unit_ring,
    check_recovery_key,
    custodian_ring,
    ring_private_key,
    ring_private_key_by_recovery,
    unlock_account,
)
from rongrian.intake.models import KeyRing, Role, StaffAccount, Unit
from rongrian.intake.rotation import (
    DEFAULT_BATCH,
    recover_unit,
    run_rotation,
    unfinished_rotation,
)
from rongrian.settings import Settings, from_environment

RECOVERY_PROMPT = "กุญแจกู้คืน / Recovery key (RGR1-…): "


class CommandFailed(Exception):
    """A bad input: carries the Thai and English message; nothing was changed."""

    def __init__(self, th: str, en: str) -> None:
        super().__init__(en)
        self.th = th
        self.en = en


Command = Callable[[argparse.Namespace], int]


def _bilingual(command: Command) -> Command:
    """Turn :class:`CommandFailed` into the bilingual message on standard error and exit 2."""

    @functools.wraps(command)
    def run(args: argparse.Namespace) -> int:
        try:
            return command(args)
        except CommandFailed as exc:
            print(f"ข้อผิดพลาด: {exc.th}\nError: {exc.en}", file=sys.stderr)
            return 2

    return run


def _settings() -> Settings:
    return from_environment()


def _sessions(settings: Settings) -> sessionmaker[Session]:
    return make_session_factory(make_engine(settings.database_url))


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _progress(done: int, total: int) -> None:
    _say(f"ปิดผนึกใหม่แล้ว {done}/{total} เรื่อง / re-sealed {done}/{total} cases")


def read_recovery_key(path: str | None) -> X25519PrivateKey:
    """The recovery key from ``path``, or typed at a prompt that does not echo.

    Raises :class:`CommandFailed` for an unreadable file or text that is not a recovery key.
    """
    if path:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandFailed("อ่านไฟล์กุญแจกู้คืนไม่ได้",
                                f"cannot read the recovery key file {path}") from exc
    else:
        text = getpass.getpass(RECOVERY_PROMPT, stream=sys.stderr)
    try:
        return parse_recovery_key(text)
    except MalformedKey as exc:
        raise CommandFailed("ข้อความนี้ไม่ใช่กุญแจกู้คืนของรงเรียน",
                            "that is not a Rongrian recovery key") from exc


def _wrong_recovery_key() -> CommandFailed:
    return CommandFailed("กุญแจกู้คืนไม่ตรงกับระบบนี้ ไม่มีการเปลี่ยนแปลงใด ๆ",
                         "the recovery key does not belong to this installation; "
                         "nothing was changed")


def _unit(session: Session, code: str) -> Unit:
    unit = session.scalars(select(Unit).where(Unit.code == code.strip().upper())).first()
    if unit is None:
        raise CommandFailed(f"ไม่พบหน่วยงานรหัส {code!r}", f"no unit with code {code!r}")
    return unit


def _account(session: Session, username: str) -> StaffAccount:
    account = session.scalars(select(StaffAccount).where(
        StaffAccount.username == staffing.normalise_username(username))).first()
    if account is None:
        raise CommandFailed(f"ไม่พบบัญชีผู้ใช้ {username!r}", f"no account {username!r}")
    return account


def _describe(grant: PendingGrant) -> str:
    where = grant.unit_code or "CUSTODIAN"
    return f"  {grant.username:<16} {where:<10} {grant.display_name}"


# --- rongrian staff … ---

_CREATION_PROBLEMS = {
    ("username", "required"): ("ต้องระบุชื่อผู้ใช้", "a user name is required"),
    ("username", "invalid"): (
        "ชื่อผู้ใช้ยาว 2–64 ตัว ใช้อักษรอังกฤษตัวพิมพ์เล็ก ตัวเลข . - _ และขึ้นต้นด้วยตัวอักษร",
        "a user name is 2-64 lower-case letters, digits, '.', '-' or '_', starting with a letter"),
    ("username", "taken"): ("ชื่อผู้ใช้นี้มีผู้ใช้แล้ว", "that user name is already in use"),
    ("display_name", "required"): ("ต้องระบุชื่อ", "a name is required"),
    ("display_name", "too_long"): ("ชื่อยาวเกินไป", "the name is too long"),
    ("unit", "not_allowed"): ("ผู้ดูแลระบบและผู้บริหารเป็นสมาชิกหน่วยงานไม่ได้",
                              "administrators and executives cannot be unit members"),
}


def _creation_failed(problems: dict[str, str]) -> CommandFailed:
    texts = [_CREATION_PROBLEMS.get(item, (f"{item[0]}: {item[1]}", f"{item[0]}: {item[1]}"))
             for item in problems.items()]
    return CommandFailed("ไม่ได้สร้างบัญชี: " + "; ".join(th for th, _ in texts),
                         "the account was not created: " + "; ".join(en for _, en in texts))


@_bilingual
def cmd_staff_add(args: argparse.Namespace) -> int:
    settings = _settings()
    with _sessions(settings)() as session:
        unit = _unit(session, args.unit) if args.unit else None
        try:
            account, password = staffing.create_staff_account(
                session, username=args.username, display_name=args.name or args.username,
                role=Role(args.role), unit=unit, actor=Actor(None, COMMAND_LINE),
                strength=settings.kdf_strength)
        except InvalidSubmission as exc:
            raise _creation_failed(exc.problems) from exc
        session.commit()
    _say(f"สร้างบัญชี {account.username} แล้ว รหัสผ่านใช้ครั้งเดียว (แสดงครั้งเดียว ต้องเปลี่ยนเมื่อ"
         f"เข้าสู่ระบบครั้งแรก) / Account {account.username} created; one-time password (shown "
         "once, to be changed at first log-in):")
    print(password)
    if unit is not None:
        _say(f"สิทธิ์อ่านเรื่องของ {unit.code} รอสมาชิกของหน่วยงานอนุญาต / access to {unit.code} "
             "cases is pending until a member of the unit grants it")
    return 0


@_bilingual
def cmd_staff_join(args: argparse.Namespace) -> int:
    with _sessions(_settings())() as session:
        account, unit = _account(session, args.username), _unit(session, args.unit)
        try:
            added = add_member(session, account, unit)
        except GrantRefused as exc:
            raise CommandFailed("บัญชีบทบาทนี้เป็นสมาชิกหน่วยงานไม่ได้ หรือบัญชี/หน่วยงานถูกปิดใช้",
                                "this account's role cannot be a unit member, or the account "
                                "or unit is inactive") from exc
        session.commit()
    state = "added (access pending)" if added else "already a member"
    print(f"{account.username} → {unit.code}: {state}")
    return 0


@_bilingual
def cmd_staff_leave(args: argparse.Namespace) -> int:
    with _sessions(_settings())() as session:
        account, unit = _account(session, args.username), _unit(session, args.unit)
        removed = remove_member(session, account, unit, actor=Actor(None, COMMAND_LINE))
        session.commit()
    state = "removed, its key grants deleted" if removed else "was not a member"
    print(f"{account.username} → {unit.code}: {state}")
    return 0


@_bilingual
def cmd_staff_reset(args: argparse.Namespace) -> int:
    settings = _settings()
    with _sessions(settings)() as session:
        account = _account(session, args.username)
        password = staffing.reset_password(session, account, actor=Actor(None, COMMAND_LINE),
                                           strength=settings.kdf_strength)
        session.commit()
    _say(f"รีเซ็ตรหัสผ่าน {account.username} แล้ว: กุญแจบัญชีใหม่ สิทธิ์เดิมถูกยกเลิก "
         f"/ {account.username} reset: new account key, earlier grants removed. "
         "One-time password (shown once):")
    print(password)
    return 0


# --- rongrian keys … ---


@_bilingual
def cmd_keys_status(args: argparse.Namespace) -> int:
    with _sessions(_settings())() as session:
        units = [_unit(session, args.unit)] if args.unit else list(
            session.scalars(select(Unit).order_by(Unit.code)))
        pending = pending_grants(session)
        wanted = {unit.id for unit in units}
        print("รอการอนุญาต / pending grants:")
        shown = [p for p in pending if p.unit_id in wanted or (p.unit_id is None
                                                              and not args.unit)]
        for item in shown:
            note = " (first log-in)" if item.awaiting_own_password else ""
            print(_describe(item) + note)
        if not shown:
            print("  –")
        for unit in units:
            rotation = unfinished_rotation(session, unit.id)
            if rotation is not None:
                print(f"{unit.code}: rotation unfinished, {rotation.done}/{rotation.total} "
                      "re-sealed: run `rongrian keys rotate-unit` again to resume")
    return 0


@_bilingual
def cmd_keys_grant(args: argparse.Namespace) -> int:
    recovery = read_recovery_key(args.recovery_key_file)
    with _sessions(_settings())() as session:
        if args.custodian:
            ring: KeyRing = custodian_ring(session)
        else:
            ring = active_unit_ring(session, _unit(session, args.unit).id)
        try:
            granted = grant_by_recovery(session, recovery, ring, args.usernames)
        except WrongRecoveryKey as exc:
            raise _wrong_recovery_key() from exc
        except GrantRefused as exc:
            raise CommandFailed("บางบัญชีที่ระบุไม่ได้รอสิทธิ์นี้ ไม่มีการเปลี่ยนแปลงใด ๆ",
                                "some named accounts are not waiting for this key; "
                                "nothing was changed") from exc
        session.commit()
    print(f"อนุญาตแล้ว {len(granted)} บัญชี / granted to {len(granted)} accounts:")
    for item in granted:
        print(_describe(item))
    return 0


def _member_unlocker(username: str) -> Callable[[Session, KeyRing], X25519PrivateKey]:
    password = getpass.getpass(f"รหัสผ่านของ / password of {username}: ", stream=sys.stderr)

    def unlock(session: Session, ring: KeyRing) -> X25519PrivateKey:
        account = _account(session, username)
        try:
            return ring_private_key(session, unlock_account(account, password), ring)
        except AuthenticationFailed as exc:
            raise CommandFailed("รหัสผ่านไม่ถูกต้อง", "wrong password") from exc
        except KeyNotGranted as exc:
            raise CommandFailed(f"{username} ไม่ได้ถือกุญแจของหน่วยงานนี้",
                                f"{username} does not hold this unit's key") from exc

    return unlock


def _recovery_unlocker(recovery: X25519PrivateKey
                       ) -> Callable[[Session, KeyRing], X25519PrivateKey]:
    def unlock(session: Session, ring: KeyRing) -> X25519PrivateKey:
        try:
            check_recovery_key(session, recovery)
            return ring_private_key_by_recovery(ring, recovery)
        except WrongRecoveryKey as exc:
            raise _wrong_recovery_key() from exc

    return unlock


@_bilingual
def cmd_keys_rotate(args: argparse.Namespace) -> int:
    settings = _settings()
    sessions = _sessions(settings)
    with sessions() as session:
        code = _unit(session, args.unit).code
        actor = (Actor.of(_account(session, args.member)) if args.member
                 else Actor(None, RECOVERY_KEY))
    unlock = (_member_unlocker(args.member) if args.member
              else _recovery_unlocker(read_recovery_key(args.recovery_key_file)))
    rotation = run_rotation(sessions, code, unlock, actor=actor, batch_size=args.batch_size,
                            progress=_progress)
    print(f"{code}: กุญแจหน่วยงานใหม่พร้อมใช้ ปิดผนึกใหม่ {rotation.done} เรื่อง กุญแจเดิมเลิกใช้แล้ว / "
          f"new unit key in use, {rotation.done} cases re-sealed, old key retired")
    return 0


@_bilingual
def cmd_keys_recover(args: argparse.Namespace) -> int:
    settings = _settings()
    recovery = read_recovery_key(args.recovery_key_file)
    sessions = _sessions(settings)
    with sessions() as session:
        code = _unit(session, args.unit).code
    try:
        rotation, granted = recover_unit(sessions, code, recovery, batch_size=args.batch_size,
                                         progress=_progress)
    except WrongRecoveryKey as exc:
        raise _wrong_recovery_key() from exc
    print(f"{code}: กู้คืนแล้ว กุญแจหน่วยงานใหม่ ปิดผนึกใหม่ {rotation.done} เรื่อง "
          f"/ recovered: new unit key, {rotation.done} cases re-sealed")
    print(f"อนุญาตแล้ว {len(granted)} บัญชี / granted to {len(granted)} accounts:")
    for item in granted:
        print(_describe(item))
    return 0


def _batch_size(text: str) -> int:
    value = int(text)
    if not 1 <= value <= 100_000:
        raise argparse.ArgumentTypeError("batch size must be 1 to 100000")
    return value


def _recovery_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--recovery-key-file", metavar="PATH",
                        help="read the recovery key from this file (else: prompt, not echoed)")


def _staff_parsers(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    staff = sub.add_parser("staff", help="staff accounts and unit membership")
    ssub = staff.add_subparsers(dest="staff_command", required=True)
    add = ssub.add_parser("add", help="create an account; prints a one-time password")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=[role.value for role in Role])
    add.add_argument("--unit", help="unit code (unit staff and custodians)")
    add.add_argument("--name", help="name and position shown in the staff app")
    add.set_defaults(func=cmd_staff_add)
    for name, func, text in (("join", cmd_staff_join, "add an account to a unit (pending grant)"),
                             ("leave", cmd_staff_leave, "remove from a unit; deletes its grant")):
        p = ssub.add_parser(name, help=text)
        p.add_argument("username")
        p.add_argument("--unit", required=True)
        p.set_defaults(func=func)
    reset = ssub.add_parser("reset-password",
                            help="new account key and one-time password; grants are dropped")
    reset.add_argument("username")
    reset.set_defaults(func=cmd_staff_reset)
    add_unlock_command(ssub)
    add_desk_command(ssub)
    add_email_command(ssub)  # issue 9 §2: address for the daily digest and reports


def register(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add the ``staff`` and ``keys`` command groups to the ``rongrian`` parser."""
    _staff_parsers(sub)
    keys = sub.add_parser("keys", help="key grants, unit key rotation and recovery")
    ksub = keys.add_subparsers(dest="keys_command", required=True)
    status = ksub.add_parser("status", help="pending grants and unfinished rotations")
    status.add_argument("unit", nargs="?")
    status.set_defaults(func=cmd_keys_status)
    grant = ksub.add_parser("grant", help="grant pending members with the recovery key")
    target = grant.add_mutually_exclusive_group(required=True)
    target.add_argument("--unit")
    target.add_argument("--custodian", action="store_true",
                        help="the identity custodian key instead of a unit's")
    grant.add_argument("usernames", nargs="*", help="only these accounts (default: all pending)")
    _recovery_option(grant)
    grant.set_defaults(func=cmd_keys_grant)
    rotate = ksub.add_parser("rotate-unit", help="new unit key; re-seal every case to it")
    rotate.add_argument("unit")
    rotate.add_argument("--member", metavar="USERNAME",
                        help="open the old key with this member's password (prompted)")
    _recovery_option(rotate)
    rotate.add_argument("--batch-size", type=_batch_size, default=DEFAULT_BATCH)
    rotate.set_defaults(func=cmd_keys_rotate)
    recover = ksub.add_parser("recover",
                              help="with the recovery key: new unit key, grant every member")
    recover.add_argument("unit")
    _recovery_option(recover)
    recover.add_argument("--batch-size", type=_batch_size, default=DEFAULT_BATCH)
    recover.set_defaults(func=cmd_keys_recover)
    add_repad_command(ksub)
