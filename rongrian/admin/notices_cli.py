"""``rongrian notify``: the worker side of the complainant's e-mail notices (issue 9 §4).

- ``rongrian notify init-key [--replace]``: make the notifier key pair — the private key to
  ``RONGRIAN_NOTIFIER_KEY_FILE`` (default ``<instance>/notifier.key``, mode 0600), the public
  key to the database (:func:`rongrian.intake.notices.create_key`). ``rongrian init`` and
  ``rongrian setup`` do it too. ``--replace`` makes a new pair and deletes every address sealed
  to the old one (e.g. after the file was lost: nobody can open them any more).
- ``rongrian notify send``: open each waiting notice's address with the private key and send
  "something changed, use your code" through ``RONGRIAN_SMTP_*`` (:mod:`rongrian.mail`), one
  message per case whatever the number of changes. Run by ``rongrian-notices.timer``.

The message (:func:`notice_message`) holds no case content, no tracking code and no case
number (the case number is clear in the database and on every staff page: in a mailbox it
would tie the address to one case). Each notice is sent in its own transaction and marked sent
only after the relay accepted it: a relay that is down stops the run with everything left
waiting for the next run (exit 1); a crash between the relay's "OK" and the commit sends that
one notice again next time (at least once, never lost). An address the relay refuses is
deleted. Nothing is logged or printed about an address; the run prints counts only.

Exit codes: 0 done, 1 not set up (no key file, mail off) or the relay failed.
"""

import argparse
import smtplib
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from rongrian.crypto.errors import DecryptionFailed
from rongrian.crypto.keys import X25519PrivateKey
from rongrian.intake import notices
from rongrian.intake.errors import SetupError
from rongrian.intake.models import EmailNotice
from rongrian.mail import MailError, MailSettings, compose, send, settings_from_environment
from rongrian.settings import from_environment

SUBJECT = "เรื่องของท่านมีความคืบหน้า / There is news about your matter"


def notice_message(mail: MailSettings, to: str, public_base_url: str) -> EmailMessage:
    """The one message a notice sends: Thai, then English; the tracking page's address and
    nothing about the case."""
    track = public_base_url.rstrip("/") + "/track"
    body = (f"เรื่องของท่านมีความคืบหน้า กรุณาตรวจสอบด้วยรหัสติดตามของท่านที่ {track}\n\n"
            f"There is news about the matter you reported. Please check it with your tracking "
            f"code at {track}\n\n"
            "อีเมลนี้ส่งอัตโนมัติเพราะท่านขอรับการแจ้งเตือน หากไม่ต้องการรับอีก ยกเลิกได้ที่หน้าติดตามเรื่อง\n"
            "This message was sent because you asked for notices; you can stop them on the "
            "tracking page.\n")
    return compose(mail, to=to, subject=SUBJECT, body=body)


@dataclass
class NoticeRun:
    """Counts of one run: ``sent``, ``refused`` (the relay refused the address: deleted),
    ``unreadable`` (another key sealed it: deleted), ``left`` (still waiting)."""

    sent: int = 0
    refused: int = 0
    unreadable: int = 0
    left: int = 0


def _refused(error: MailError) -> bool:
    return isinstance(error.__cause__, smtplib.SMTPRecipientsRefused)


def _send_one(session: Session, row: EmailNotice, private: X25519PrivateKey,
              mail: MailSettings, public_base_url: str, run: NoticeRun) -> None:
    try:
        address = notices.open_address(private, row)
    except DecryptionFailed:
        notices.drop(session, row)
        run.unreadable += 1
        return
    try:
        send(mail, [notice_message(mail, address, public_base_url)])
    except MailError as exc:
        if not _refused(exc):
            raise
        notices.drop(session, row)
        run.refused += 1
        return
    notices.mark_sent(session, row)
    run.sent += 1


def send_waiting(factory: sessionmaker[Session], private: X25519PrivateKey,
                 mail: MailSettings, public_base_url: str) -> NoticeRun:
    """Send every waiting notice (see the module docstring). Raises :class:`MailError` when
    the relay fails; what was sent before stays marked sent, the rest waits."""
    run = NoticeRun()
    with factory() as session:
        waiting = notices.waiting(session)
    for complaint_id in waiting:
        with factory() as session:
            row = notices.claim(session, complaint_id)
            if row is None:
                continue
            try:
                _send_one(session, row, private, mail, public_base_url, run)
            except MailError:
                session.rollback()
                run.left = len(waiting) - run.sent - run.refused - run.unreadable
                raise
            session.commit()
    return run


def _fail(th: str, en: str) -> int:
    print(f"ข้อผิดพลาด: {th}\nError: {en}", file=sys.stderr)
    return 1


def ensure_key(instance_path: Path, session: Session) -> None:
    """``rongrian init``/``setup``: make the notifier key unless it exists (see
    :func:`rongrian.intake.notices.create_key`) and commit; a key file that does not match the
    database is reported (Thai and English), not replaced."""
    try:
        done = notices.create_key(session, notices.key_path(instance_path), _today().date())
    except SetupError as exc:
        session.rollback()
        print(f"หมายเหตุ / Note: {exc}", file=sys.stderr)
        return
    session.commit()
    if done != "exists":
        print(f"กุญแจผู้แจ้งเตือน / notifier key: {notices.key_path(instance_path)}")


def _today() -> datetime:
    return datetime.now(UTC)


def cmd_init_key(args: argparse.Namespace) -> int:
    """Make (or with ``--replace`` remake) the notifier key pair."""
    from rongrian.intake.db import make_engine, make_session_factory

    settings = from_environment()
    path = notices.key_path(settings.instance_path)
    engine = make_engine(settings.database_url)
    with make_session_factory(engine)() as session:
        done = notices.create_key(session, path, _today().date(), replace=args.replace)
        session.commit()
    engine.dispose()
    words = {"created": ("สร้างกุญแจผู้แจ้งเตือนแล้ว", "notifier key created"),
             "exists": ("มีกุญแจผู้แจ้งเตือนอยู่แล้ว", "the notifier key exists already"),
             "recorded": ("บันทึกกุญแจสาธารณะจากไฟล์ลงฐานข้อมูลแล้ว",
                          "the key file's public key was recorded in the database"),
             "replaced": ("สร้างกุญแจใหม่แล้ว ที่อยู่อีเมลเดิมถูกลบ",
                          "a new notifier key was made; the addresses registered were deleted")}
    th, en = words[done]
    print(f"{th}: {path}\n{en}: {path}")
    return 0


def cmd_send(_args: argparse.Namespace) -> int:
    """Send the waiting notices; print counts only."""
    from rongrian.intake.db import make_engine, make_session_factory

    settings = from_environment()
    try:
        mail = settings_from_environment()
    except MailError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    if mail is None:
        return _fail("ยังไม่ได้ตั้งค่าอีเมล (RONGRIAN_SMTP_HOST) จึงส่งการแจ้งเตือนไม่ได้",
                     "e-mail is off (RONGRIAN_SMTP_HOST), so no notice can be sent")
    private = notices.load_private_key(notices.key_path(settings.instance_path))
    engine = make_engine(settings.database_url)
    try:
        run = send_waiting(make_session_factory(engine), private, mail,
                           settings.public_base_url)
    except MailError as exc:
        print(f"{exc}\nการแจ้งเตือนที่ยังไม่ได้ส่งจะส่งในรอบถัดไป / the notices not sent wait for the "
              "next run", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print(f"ส่งแล้ว {run.sent} / sent {run.sent}; ที่อยู่ถูกปฏิเสธ {run.refused} / refused "
          f"{run.refused}; เปิดไม่ได้ {run.unreadable} / unreadable {run.unreadable}")
    return 0


def register(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add ``notify init-key [--replace]`` and ``notify send`` to the command line."""
    parser = sub.add_parser("notify", help="complainants' e-mail notices (issue 9)")
    actions = parser.add_subparsers(dest="action", required=True)
    init_key = actions.add_parser("init-key", help="make the notifier key pair")
    init_key.add_argument("--replace", action="store_true",
                          help="make a new pair; delete the addresses sealed to the old one")
    init_key.set_defaults(func=cmd_init_key)
    actions.add_parser("send", help="send the waiting notices (systemd timer)"
                       ).set_defaults(func=cmd_send)

