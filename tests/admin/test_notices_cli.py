"""``rongrian notify`` (issue 9 §4): the worker opens the sealed addresses with the notifier key
and sends one content-free notice per case through a real SMTP server (aiosmtpd); a relay that
is down loses nothing; the address of a finished case is gone once its last notice went."""

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from rongrian.admin.cli import main
from rongrian.admin.notices_cli import send_waiting
from rongrian.crypto.keys import X25519PrivateKey
from rongrian.intake import notices
from rongrian.intake.casework import change_status, reply
from rongrian.intake.models import EmailNotice, NotifierKey, Status
from rongrian.intake.store import file_complaint
from rongrian.intake.tracking_codes import normalise
from rongrian.mail import MailError
from rongrian.settings import Settings
from tests.conftest import Demo, SmtpSink, free_port
from tests.intake.helpers import NOW, submission, unlock

ADDRESS = "complainant.notices@example.org"
PUBLIC_URL = "https://report.example.go.th"
WHAT = "ไฟฟ้าส่องทางดับหน้าโรงเรียนบ้านหนองบัว"
REPLY = "ช่างไฟฟ้าจะเข้าซ่อมวันพรุ่งนี้"


def _file_and_opt_in(demo: Demo, settings: Settings, address: str = ADDRESS
                     ) -> tuple[str, str, uuid.UUID]:
    pepper = settings.secrets.tracking_pepper
    with demo.sessions() as session:
        receipt = file_complaint(session, pepper, submission(unit_code="WORKS",
                                                             what_happened=WHAT), now=NOW)
        notices.opt_in_by_code(session, pepper, receipt.tracking_code, address)
        session.commit()
    return receipt.tracking_code, receipt.case_number, receipt.complaint_id


def _staff(demo: Demo, complaint_id: uuid.UUID, *moves: Status, text: str = "") -> None:
    with demo.sessions() as session:
        works = unlock(session, "works")
        for target in moves:
            change_status(session, works, complaint_id, target, "", now=NOW)
        if text:
            reply(session, works, complaint_id, text, now=NOW)
        session.commit()


def _rows(demo: Demo) -> list[EmailNotice]:
    with demo.sessions() as session:
        return list(session.scalars(select(EmailNotice)))


def test_a_status_change_and_a_reply_send_one_notice_without_content(
        demo: Demo, settings: Settings, notifier_key: X25519PrivateKey,
        smtp_server: SmtpSink) -> None:
    code, case_number, complaint_id = _file_and_opt_in(demo, settings)
    _staff(demo, complaint_id, Status.IN_PROGRESS, text=REPLY)
    run = send_waiting(demo.sessions, notifier_key, smtp_server.mail_settings(), PUBLIC_URL)
    assert (run.sent, run.refused, run.unreadable) == (1, 0, 0)
    [mail] = smtp_server.messages
    assert mail["To"] == ADDRESS
    body = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "เรื่องของท่านมีความคืบหน้า กรุณาตรวจสอบด้วยรหัสติดตามของท่าน" in body
    assert f"{PUBLIC_URL}/track" in body
    whole = mail.as_string()
    for secret in (code, normalise(code), case_number, WHAT, REPLY, str(complaint_id)):
        assert secret not in whole
    # Idempotent: nothing new, nothing sent; the address is kept for the next change.
    again = send_waiting(demo.sessions, notifier_key, smtp_server.mail_settings(), PUBLIC_URL)
    assert again.sent == 0
    assert len(smtp_server.messages) == 1
    assert len(_rows(demo)) == 1
    _staff(demo, complaint_id, text="ซ่อมเสร็จแล้ว")
    send_waiting(demo.sessions, notifier_key, smtp_server.mail_settings(), PUBLIC_URL)
    assert len(smtp_server.messages) == 2


def test_nothing_is_sent_without_a_change(demo: Demo, settings: Settings,
                                          notifier_key: X25519PrivateKey,
                                          smtp_server: SmtpSink) -> None:
    _file_and_opt_in(demo, settings)
    run = send_waiting(demo.sessions, notifier_key, smtp_server.mail_settings(), PUBLIC_URL)
    assert run.sent == 0
    assert smtp_server.messages == []


def test_the_address_is_deleted_once_the_finished_case_was_told(
        demo: Demo, settings: Settings, notifier_key: X25519PrivateKey,
        smtp_server: SmtpSink) -> None:
    _code, _number, complaint_id = _file_and_opt_in(demo, settings)
    _staff(demo, complaint_id, Status.IN_PROGRESS, Status.RESOLVED, text="ซ่อมแล้ว")
    assert [row.final for row in _rows(demo)] == [True]
    send_waiting(demo.sessions, notifier_key, smtp_server.mail_settings(), PUBLIC_URL)
    assert len(smtp_server.messages) == 1
    assert _rows(demo) == []


def test_a_relay_that_is_down_loses_nothing(demo: Demo, settings: Settings,
                                            notifier_key: X25519PrivateKey,
                                            smtp_server: SmtpSink) -> None:
    _code, _number, first = _file_and_opt_in(demo, settings, "first@example.org")
    _code, _number, second = _file_and_opt_in(demo, settings, "second@example.org")
    _staff(demo, first, Status.IN_PROGRESS, Status.RESOLVED, text="ซ่อมแล้ว")
    _staff(demo, second, Status.SCREENING)
    down = SmtpSink("127.0.0.1", free_port(), []).mail_settings()
    with pytest.raises(MailError, match="RONGRIAN_SMTP_HOST"):
        send_waiting(demo.sessions, notifier_key, down, PUBLIC_URL)
    assert sorted(row.queued_on is not None for row in _rows(demo)) == [True, True]
    run = send_waiting(demo.sessions, notifier_key, smtp_server.mail_settings(), PUBLIC_URL)
    assert run.sent == 2
    assert sorted(str(m["To"]) for m in smtp_server.messages) == [
        "first@example.org", "second@example.org"]


@pytest.fixture
def refusing_server() -> Iterator[SmtpSink]:
    """An SMTP server that refuses every recipient (550), as for an address that is gone."""
    from aiosmtpd.controller import Controller

    class Refuse:
        async def handle_RCPT(self, server: object, session: object, envelope: object,  # noqa: N802
                              address: str, options: object) -> str:
            return "550 5.1.1 mailbox unavailable"

    controller = Controller(Refuse(), hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield SmtpSink("127.0.0.1", controller.port, [])
    finally:
        controller.stop()


def test_an_address_the_relay_refuses_is_deleted(demo: Demo, settings: Settings,
                                                 notifier_key: X25519PrivateKey,
                                                 refusing_server: SmtpSink) -> None:
    _code, _number, complaint_id = _file_and_opt_in(demo, settings)
    _staff(demo, complaint_id, Status.SCREENING)
    run = send_waiting(demo.sessions, notifier_key, refusing_server.mail_settings(),
                       PUBLIC_URL)
    assert (run.sent, run.refused) == (0, 1)
    assert _rows(demo) == []


def test_an_address_sealed_to_another_key_is_dropped(demo: Demo, settings: Settings,
                                                     notifier_key: X25519PrivateKey,
                                                     smtp_server: SmtpSink) -> None:
    from rongrian.crypto import keys

    _code, _number, complaint_id = _file_and_opt_in(demo, settings)
    _staff(demo, complaint_id, Status.SCREENING)
    run = send_waiting(demo.sessions, keys.generate_private_key(),
                       smtp_server.mail_settings(), PUBLIC_URL)
    assert (run.sent, run.unreadable) == (0, 1)
    assert smtp_server.messages == []


# --- the command line -----------------------------------------------------------------------

@pytest.fixture
def environment(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The test instance as the command line sees it (``RONGRIAN_*``)."""
    monkeypatch.setenv("RONGRIAN_INSTANCE", str(settings.instance_path))
    monkeypatch.setenv("RONGRIAN_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("RONGRIAN_PUBLIC_URL", PUBLIC_URL)
    monkeypatch.delenv("RONGRIAN_NOTIFIER_KEY_FILE", raising=False)
    for name in list(os.environ):
        if name.startswith("RONGRIAN_SMTP_"):
            monkeypatch.delenv(name)
    return settings.instance_path


def test_init_key_then_send_from_the_command_line(
        demo: Demo, settings: Settings, environment: Path, smtp_server: SmtpSink,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["notify", "init-key"]) == 0
    key_file = environment / "notifier.key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert main(["notify", "init-key"]) == 0
    assert "exists already" in capsys.readouterr().out
    with demo.sessions() as session:
        assert len(session.scalars(select(NotifierKey)).all()) == 1
    _code, _number, complaint_id = _file_and_opt_in(demo, settings)
    _staff(demo, complaint_id, Status.SCREENING)

    assert main(["notify", "send"]) == 1  # mail is off
    assert "RONGRIAN_SMTP_HOST" in capsys.readouterr().err
    monkeypatch.setenv("RONGRIAN_SMTP_HOST", smtp_server.host)
    monkeypatch.setenv("RONGRIAN_SMTP_PORT", str(smtp_server.port))
    monkeypatch.setenv("RONGRIAN_SMTP_SECURITY", "none")
    monkeypatch.setenv("RONGRIAN_SMTP_FROM", "rongrian@example.go.th")
    assert main(["notify", "send"]) == 0
    out = capsys.readouterr().out
    assert "sent 1" in out
    assert ADDRESS not in out
    assert [str(m["To"]) for m in smtp_server.messages] == [ADDRESS]


def test_send_without_the_key_file_says_how_to_make_it(
        demo: Demo, environment: Path, smtp_server: SmtpSink, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("RONGRIAN_SMTP_HOST", smtp_server.host)
    monkeypatch.setenv("RONGRIAN_SMTP_FROM", "rongrian@example.go.th")
    assert main(["notify", "send"]) == 1
    assert "rongrian notify init-key" in capsys.readouterr().err


def test_a_lost_key_file_needs_replace(demo: Demo, settings: Settings, environment: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["notify", "init-key"]) == 0
    _file_and_opt_in(demo, settings)
    (environment / "notifier.key").unlink()
    assert main(["notify", "init-key"]) == 1
    assert "--replace" in capsys.readouterr().err
    assert len(_rows(demo)) == 1
    assert main(["notify", "init-key", "--replace"]) == 0
    assert _rows(demo) == []


def test_init_makes_the_notifier_key_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                          ) -> None:
    from rongrian.intake.db import make_engine, make_session_factory

    instance = tmp_path / "instance"
    database = f"sqlite:///{tmp_path / 'db.sqlite'}"
    monkeypatch.setenv("RONGRIAN_INSTANCE", str(instance))
    monkeypatch.setenv("RONGRIAN_DATABASE_URL", database)
    monkeypatch.delenv("RONGRIAN_NOTIFIER_KEY_FILE", raising=False)
    assert main(["init"]) == 0
    key_file = instance / "notifier.key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    first = key_file.read_bytes()
    assert main(["init"]) == 0
    assert key_file.read_bytes() == first
    engine = make_engine(database)
    with make_session_factory(engine)() as session:
        [row] = session.scalars(select(NotifierKey)).all()
        assert notices.public_key(session) is not None
        assert row.public_key not in first
    engine.dispose()
    assert notices.load_private_key(key_file)
