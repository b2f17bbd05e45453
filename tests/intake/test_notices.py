"""E-mail notices (:mod:`rongrian.intake.notices`, issue 9 §4): the address is sealed to the
notifier key at a fixed size, queued once per batch of changes, and gone once the case is
finished and that last notice went, or when the case is purged."""

import os
import uuid
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from rongrian.crypto import keys
from rongrian.crypto.errors import DecryptionFailed
from rongrian.crypto.keys import X25519PrivateKey
from rongrian.intake import notices
from rongrian.intake.casework import change_status, reply
from rongrian.intake.errors import InvalidSubmission, SetupError
from rongrian.intake.models import Complaint, EmailNotice, NotifierKey, Status
from rongrian.intake.retention import purge_case
from rongrian.intake.store import file_complaint
from rongrian.settings import Settings
from tests.intake.helpers import NOW, submission, unlock

ADDRESS = "somchai.notices@example.org"
TODAY = date(2026, 11, 2)


def _filed(session: Session, pepper: bytes) -> tuple[str, uuid.UUID]:
    receipt = file_complaint(session, pepper, submission(unit_code="WORKS"), now=NOW)
    return receipt.tracking_code, receipt.complaint_id


def _row(session: Session, complaint_id: uuid.UUID) -> EmailNotice | None:
    session.expire_all()
    return session.get(EmailNotice, complaint_id)


@pytest.mark.parametrize(("value", "problem"), [
    ("", "required"),
    ("   ", "required"),
    ("somchai", "invalid"),
    ("somchai@example", "invalid"),
    ("som chai@example.org", "invalid"),
    ("somchai@@example.org", "invalid"),
    ("somchai@example..org", "invalid"),
    (".somchai@example.org", "invalid"),
    ("สมชาย@example.org", "invalid"),
    ("somchai@ตัวอย่าง.ไทย", "invalid"),
    ('"quoted"@example.org', "invalid"),
    ("x" * 65 + "@example.org", "invalid"),
    ("a@" + "b" * 250 + ".org", "too_long"),
    (None, "invalid"),
    (12345, "invalid"),
])
def test_a_malformed_address_is_refused(value: object, problem: str) -> None:
    with pytest.raises(InvalidSubmission) as refused:
        notices.check_address(value)
    assert refused.value.problems == {"notice_email": problem}


@pytest.mark.parametrize("value", [ADDRESS, "  a.b+tag@mail.example.co.th ", "x" * 64 + "@e.th"])
def test_a_plain_address_is_accepted_trimmed(value: str) -> None:
    assert notices.check_address(value) == value.strip()


def test_the_address_is_sealed_to_the_notifier_key_at_a_fixed_size(
        session: Session, pepper: bytes, notifier_key: X25519PrivateKey) -> None:
    _code, short_id = _filed(session, pepper)
    _code, long_id = _filed(session, pepper)
    longest = "x" * 64 + "@" + ("d" * 59 + ".") * 3 + "examp.th"
    assert len(longest) <= notices.ADDRESS_MAX
    notices.opt_in(session, short_id, "a@b.th")
    notices.opt_in(session, long_id, longest)
    short, long = _row(session, short_id), _row(session, long_id)
    assert short is not None
    assert long is not None
    assert len(short.sealed_address) == len(long.sealed_address) == notices.RECORD_BYTES + 60
    assert b"a@b.th" not in short.sealed_address
    assert notices.open_address(notifier_key, short) == "a@b.th"
    assert notices.open_address(notifier_key, long) == longest
    with pytest.raises(DecryptionFailed):
        notices.open_address(keys.generate_private_key(), short)
    moved = EmailNotice(complaint_id=long_id, sealed_address=short.sealed_address)
    with pytest.raises(DecryptionFailed):  # bound to its complaint
        notices.open_address(notifier_key, moved)


def test_without_a_notifier_key_notices_are_unavailable(session: Session, pepper: bytes
                                                        ) -> None:
    _code, complaint_id = _filed(session, pepper)
    assert notices.public_key(session) is None
    with pytest.raises(InvalidSubmission) as refused:
        notices.opt_in(session, complaint_id, ADDRESS)
    assert refused.value.problems == {"notice_email": "unavailable"}
    assert _row(session, complaint_id) is None


def test_several_changes_make_one_waiting_notice(session: Session, pepper: bytes,
                                                 notifier_key: X25519PrivateKey) -> None:
    code, complaint_id = _filed(session, pepper)
    notices.opt_in_by_code(session, pepper, code, ADDRESS)
    assert notices.waiting(session) == []
    works = unlock(session, "works")
    change_status(session, works, complaint_id, Status.IN_PROGRESS, "", now=NOW)
    reply(session, works, complaint_id, "กำลังซ่อม", now=NOW)
    assert notices.waiting(session) == [complaint_id]
    row = notices.claim(session, complaint_id)
    assert row is not None
    assert not row.final
    notices.mark_sent(session, row)
    assert notices.waiting(session) == []
    assert notices.opted_in(session, complaint_id)  # kept for the next change


def test_the_address_goes_once_the_finishing_notice_is_sent(session: Session, pepper: bytes,
                                                            notifier_key: X25519PrivateKey
                                                            ) -> None:
    code, complaint_id = _filed(session, pepper)
    notices.opt_in_by_code(session, pepper, code, ADDRESS)
    works = unlock(session, "works")
    change_status(session, works, complaint_id, Status.IN_PROGRESS, "", now=NOW)
    change_status(session, works, complaint_id, Status.RESOLVED, "", now=NOW)
    row = notices.claim(session, complaint_id)
    assert row is not None
    assert row.final
    notices.mark_sent(session, row)
    assert _row(session, complaint_id) is None
    assert session.scalars(select(EmailNotice)).all() == []
    with pytest.raises(InvalidSubmission) as refused:  # finished: no new address
        notices.opt_in_by_code(session, pepper, code, ADDRESS)
    assert refused.value.problems == {"notice_email": "finished"}


def test_staff_reopening_before_the_notice_went_keeps_the_address(
        session: Session, pepper: bytes, notifier_key: X25519PrivateKey) -> None:
    code, complaint_id = _filed(session, pepper)
    notices.opt_in_by_code(session, pepper, code, ADDRESS)
    works = unlock(session, "works")
    change_status(session, works, complaint_id, Status.IN_PROGRESS, "", now=NOW)
    change_status(session, works, complaint_id, Status.RESOLVED, "", now=NOW)
    change_status(session, works, complaint_id, Status.IN_PROGRESS, "", now=NOW)
    row = notices.claim(session, complaint_id)
    assert row is not None
    assert not row.final
    notices.mark_sent(session, row)
    assert notices.opted_in(session, complaint_id)


def test_opting_out_deletes_the_address_and_its_waiting_notice(
        session: Session, pepper: bytes, notifier_key: X25519PrivateKey) -> None:
    code, complaint_id = _filed(session, pepper)
    notices.opt_in_by_code(session, pepper, code, ADDRESS)
    reply(session, unlock(session, "works"), complaint_id, "รับเรื่องแล้ว", now=NOW)
    assert notices.waiting(session) == [complaint_id]
    assert notices.opt_out_by_code(session, pepper, code)
    assert not notices.opt_out_by_code(session, pepper, code)
    assert notices.waiting(session) == []
    assert _row(session, complaint_id) is None


def test_a_bad_address_changes_nothing(session: Session, pepper: bytes,
                                       notifier_key: X25519PrivateKey) -> None:
    code, complaint_id = _filed(session, pepper)
    notices.opt_in_by_code(session, pepper, code, ADDRESS)
    before = bytes(session.get_one(EmailNotice, complaint_id).sealed_address)
    with pytest.raises(InvalidSubmission):
        notices.opt_in_by_code(session, pepper, code, "not an address")
    assert bytes(session.get_one(EmailNotice, complaint_id).sealed_address) == before


def test_a_retention_purge_deletes_the_address(session: Session, pepper: bytes,
                                               notifier_key: X25519PrivateKey,
                                               tmp_path: Path) -> None:
    code, complaint_id = _filed(session, pepper)
    notices.opt_in_by_code(session, pepper, code, ADDRESS)
    complaint = session.get_one(Complaint, complaint_id)
    purge_case(session, complaint, tmp_path, TODAY)
    assert _row(session, complaint_id) is None


# --- the key --------------------------------------------------------------------------------

def test_the_key_file_is_private_and_init_is_idempotent(session: Session, tmp_path: Path
                                                        ) -> None:
    path = tmp_path / "keys" / "notifier.key"
    assert notices.create_key(session, path, TODAY) == "created"
    assert path.stat().st_mode & 0o777 == 0o600
    public = session.get_one(NotifierKey, 1).public_key
    private = notices.load_private_key(path)
    assert keys.public_bytes(private.public_key()) == public
    assert bytes(public) not in path.read_bytes()
    assert keys.private_bytes(private) not in bytes(public)
    assert notices.create_key(session, path, TODAY) == "exists"
    assert session.get_one(NotifierKey, 1).public_key == public


def test_a_file_without_its_database_row_is_recorded(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "notifier.key"
    notices.create_key(session, path, TODAY)
    public = bytes(session.get_one(NotifierKey, 1).public_key)
    session.delete(session.get_one(NotifierKey, 1))
    session.flush()
    assert notices.create_key(session, path, TODAY) == "recorded"
    assert bytes(session.get_one(NotifierKey, 1).public_key) == public


def test_a_lost_key_file_is_replaced_only_on_request(session: Session, pepper: bytes,
                                                     tmp_path: Path) -> None:
    path = tmp_path / "notifier.key"
    notices.create_key(session, path, TODAY)
    _code, complaint_id = _filed(session, pepper)
    notices.opt_in(session, complaint_id, ADDRESS)
    path.unlink()
    with pytest.raises(SetupError, match="--replace"):
        notices.create_key(session, path, TODAY)
    assert not path.exists()
    assert notices.opted_in(session, complaint_id)
    assert notices.create_key(session, path, TODAY, replace=True) == "replaced"
    assert not notices.opted_in(session, complaint_id)  # nobody could open it any more
    assert notices.load_private_key(path)


def test_another_key_file_is_not_taken_for_the_databases(session: Session,
                                                         tmp_path: Path) -> None:
    notices.create_key(session, tmp_path / "first.key", TODAY)
    other = tmp_path / "other.key"
    with pytest.raises(SetupError):
        notices.create_key(session, other, TODAY)  # the database has a key, the file none
    notices._write_key(other, keys.generate_private_key())
    with pytest.raises(SetupError, match="does not match"):
        notices.create_key(session, other, TODAY)


@pytest.mark.parametrize(("content", "mode", "message"), [
    (None, 0o600, "missing"),
    ("rongrian-notifier-key-v1\nAAAA\n", 0o600, "not a notifier key"),
    ("ssh-ed25519 AAAA\n", 0o600, "not a notifier key"),
    ("rongrian-notifier-key-v1\n" + "A" * 44 + "\n", 0o644, "chmod 600"),
])
def test_an_unusable_key_file_is_refused(tmp_path: Path, content: str | None, mode: int,
                                         message: str) -> None:
    path = tmp_path / "notifier.key"
    if content is not None:
        path.write_text(content, encoding="ascii")
        os.chmod(path, mode)
    with pytest.raises(SetupError, match=message):
        notices.load_private_key(path)


def test_the_key_file_setting_moves_it(settings: Settings, tmp_path: Path) -> None:
    assert notices.key_path(settings.instance_path, {}) == (
        settings.instance_path / "notifier.key")
    elsewhere = tmp_path / "worker" / "notifier.key"
    assert notices.key_path(settings.instance_path,
                            {"RONGRIAN_NOTIFIER_KEY_FILE": str(elsewhere)}) == elsewhere
