"""Encrypted attachments at the core (:mod:`rongrian.intake.attachments`), on both databases."""

import io
import os
import stat
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rongrian.crypto import stream
from rongrian.intake import attachments
from rongrian.intake.attachments import (
    attach_to_new_complaint,
    attach_with_code,
    files_by_code,
    list_attachments,
    open_attachment,
    remove_orphans,
)
from rongrian.intake.errors import AttachmentUnavailable, ComplaintNotFound, InvalidSubmission
from rongrian.intake.models import Attachment, CaseEvent, EventKind
from rongrian.intake.store import Receipt, file_complaint, read_thread
from tests.intake.helpers import NOW, submission, unlock

PDF = "application/pdf"
JPEG = "image/jpeg"
#: Plaintext that must never be found on disk.
SECRET = b"%PDF-1.7 evidence of the bribe paid on 3 March " + os.urandom(8).hex().encode()


def _file(session: Session, pepper: bytes, unit: str = "WORKS") -> Receipt:
    return file_complaint(session, pepper, submission(unit_code=unit), now=NOW)


def _body(opened: attachments.OpenedAttachment) -> bytes:
    return b"".join(opened.chunks())


def test_a_file_round_trips_to_the_units_staff(session: Session, pepper: bytes,
                                              tmp_path: Path) -> None:
    receipt = _file(session, pepper)
    big = os.urandom(200_000)
    rows = attach_to_new_complaint(session, pepper, receipt.tracking_code, tmp_path,
                                   [(io.BytesIO(SECRET), PDF), (io.BytesIO(big), JPEG)], now=NOW)
    session.commit()
    works = unlock(session, "works")
    listed = list_attachments(session, works, receipt.complaint_id)
    number = receipt.case_number.replace("/", "-")
    assert [(a.position, a.name, a.media_type, a.size, a.with_complaint) for a in listed] == [
        (1, f"{number}-attachment-1.pdf", PDF, len(SECRET), True),
        (2, f"{number}-attachment-2.jpg", JPEG, len(big), True),
    ]
    assert listed[0].added_on == NOW.date()
    assert _body(open_attachment(session, works, receipt.complaint_id, rows[0].id,
                                 tmp_path)) == SECRET
    assert _body(open_attachment(session, works, receipt.complaint_id, rows[1].id,
                                 tmp_path)) == big


def test_on_disk_names_sizes_dates_and_modes_tell_nothing(session: Session, pepper: bytes,
                                                         tmp_path: Path) -> None:
    receipt = _file(session, pepper)
    rows = attach_to_new_complaint(session, pepper, receipt.tracking_code, tmp_path,
                                   [(io.BytesIO(SECRET), PDF), (io.BytesIO(b"x" * 10), PDF)],
                                   now=NOW)
    session.commit()
    stored = sorted(tmp_path.iterdir())
    assert sorted(path.name for path in stored) == sorted(row.storage_name for row in rows)
    for path in stored:
        assert len(path.name) == 32
        assert int(path.name, 16) >= 0
        info = path.stat()
        assert stat.S_IMODE(info.st_mode) == 0o600
        assert info.st_size == stream.encrypted_size(0)  # both fit one padded chunk
        assert datetime.fromtimestamp(info.st_mtime, UTC) == datetime(2026, 11, 2, tzinfo=UTC)
        data = path.read_bytes()
        assert SECRET not in data
        assert SECRET[:16] not in data
    assert str(receipt.complaint_id) not in " ".join(p.name for p in stored)


def test_other_units_and_other_complaints_get_not_found(session: Session, pepper: bytes,
                                                       tmp_path: Path) -> None:
    receipt = _file(session, pepper)
    other = _file(session, pepper, unit="FINANCE")
    row = attach_to_new_complaint(session, pepper, receipt.tracking_code, tmp_path,
                                  [(io.BytesIO(SECRET), PDF)], now=NOW)[0]
    session.commit()
    with pytest.raises(ComplaintNotFound):
        open_attachment(session, unlock(session, "finance"), receipt.complaint_id, row.id,
                        tmp_path)
    with pytest.raises(ComplaintNotFound):
        list_attachments(session, unlock(session, "finance"), receipt.complaint_id)
    finance = unlock(session, "finance")
    with pytest.raises(ComplaintNotFound):  # its own case, another case's attachment
        open_attachment(session, finance, other.complaint_id, row.id, tmp_path)
    with pytest.raises(ComplaintNotFound):
        open_attachment(session, unlock(session, "works"), receipt.complaint_id, uuid.uuid4(),
                        tmp_path)


@pytest.mark.parametrize("damage", ["flip", "truncate", "remove", "swap"])
def test_a_damaged_or_swapped_file_is_never_served(session: Session, pepper: bytes,
                                                   tmp_path: Path, damage: str) -> None:
    receipt = _file(session, pepper)
    first, second = attach_to_new_complaint(
        session, pepper, receipt.tracking_code, tmp_path,
        [(io.BytesIO(SECRET * 3000), PDF), (io.BytesIO(SECRET * 3000), PDF)], now=NOW)
    session.commit()
    path = tmp_path / first.storage_name
    data = bytearray(path.read_bytes())
    if damage == "flip":
        data[len(data) // 2] ^= 1
        path.write_bytes(bytes(data))
    elif damage == "truncate":
        path.write_bytes(bytes(data[: -(stream.DEFAULT_CHUNK_SIZE + 16)]))
    elif damage == "remove":
        path.unlink()
    else:  # the other attachment's file under this one's name
        path.write_bytes((tmp_path / second.storage_name).read_bytes())
    with pytest.raises(AttachmentUnavailable):
        open_attachment(session, unlock(session, "works"), receipt.complaint_id, first.id,
                        tmp_path)


def test_unsupported_media_type_writes_nothing(session: Session, pepper: bytes,
                                              tmp_path: Path) -> None:
    receipt = _file(session, pepper)
    with pytest.raises(InvalidSubmission) as refused:
        attach_to_new_complaint(session, pepper, receipt.tracking_code, tmp_path,
                                [(io.BytesIO(b"MZ"), "application/x-msdownload")], now=NOW)
    assert refused.value.problems == {"attachments": "unsupported"}
    assert not tmp_path.exists() or list(tmp_path.iterdir()) == []


def test_a_failure_midway_leaves_no_file(session: Session, pepper: bytes,
                                        tmp_path: Path) -> None:
    class Failing(io.BytesIO):
        def readinto(self, buffer: object) -> int:
            raise OSError("disk went away")

    receipt = _file(session, pepper)
    with pytest.raises(OSError, match="disk went away"):
        attach_to_new_complaint(session, pepper, receipt.tracking_code, tmp_path,
                                [(io.BytesIO(SECRET), PDF), (Failing(), PDF)], now=NOW)
    assert list(tmp_path.iterdir()) == []  # the first file, already written, is gone too


def test_the_complainant_adds_files_and_text_as_one_entry(session: Session, pepper: bytes,
                                                         tmp_path: Path) -> None:
    receipt = _file(session, pepper)
    later = NOW + timedelta(days=2)
    rows = attach_with_code(session, pepper, receipt.tracking_code, tmp_path,
                            [(io.BytesIO(SECRET), PDF)], text="  รูปเพิ่มเติม ", now=later)
    attach_with_code(session, pepper, receipt.tracking_code, tmp_path,
                     [(io.BytesIO(b"%PDF-1.4 x"), PDF)], now=later)
    session.commit()
    events = list(session.scalars(select(CaseEvent).where(
        CaseEvent.complaint_id == receipt.complaint_id, CaseEvent.kind == EventKind.INFORMATION)
        .order_by(CaseEvent.seq)))
    assert len(events) == 2
    assert rows[0].event_id == events[0].id
    thread = read_thread(session, pepper, receipt.tracking_code)
    assert [e.text for e in thread.entries if e.kind == EventKind.INFORMATION] == [
        "รูปเพิ่มเติม", ""]
    mine = files_by_code(session, pepper, receipt.tracking_code)
    assert [(f.position, f.with_complaint, f.added_on) for f in mine] == [
        (1, False, later.date()), (2, False, later.date())]


def test_nothing_to_add_is_refused(session: Session, pepper: bytes, tmp_path: Path) -> None:
    receipt = _file(session, pepper)
    with pytest.raises(InvalidSubmission) as refused:
        attach_with_code(session, pepper, receipt.tracking_code, tmp_path, [], text="  ")
    assert refused.value.problems == {"information": "required"}
    with pytest.raises(ComplaintNotFound):
        attach_with_code(session, pepper, "ABCD-EFGH-JKMN-PQRS", tmp_path,
                         [(io.BytesIO(SECRET), PDF)])
    assert not tmp_path.exists() or list(tmp_path.iterdir()) == []


def test_per_complaint_limit(session: Session, pepper: bytes, tmp_path: Path,
                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(attachments, "MAX_PER_COMPLAINT", 2)
    receipt = _file(session, pepper)
    attach_to_new_complaint(session, pepper, receipt.tracking_code, tmp_path,
                            [(io.BytesIO(b"a"), PDF), (io.BytesIO(b"b"), PDF)], now=NOW)
    with pytest.raises(InvalidSubmission) as refused:
        attach_with_code(session, pepper, receipt.tracking_code, tmp_path,
                         [(io.BytesIO(b"c"), PDF)], now=NOW)
    assert refused.value.problems == {"attachments": "too_many"}
    assert len(list(tmp_path.iterdir())) == 2


def test_orphans_are_swept_after_a_rollback(session: Session, pepper: bytes,
                                           tmp_path: Path) -> None:
    receipt = _file(session, pepper)
    session.commit()
    kept = attach_with_code(session, pepper, receipt.tracking_code, tmp_path,
                            [(io.BytesIO(b"kept"), PDF)])
    session.commit()
    attach_with_code(session, pepper, receipt.tracking_code, tmp_path,
                     [(io.BytesIO(b"lost"), PDF)])
    session.rollback()  # a crash before discard_files ran: the file stays
    assert len(list(tmp_path.iterdir())) == 2
    assert remove_orphans(session, tmp_path) == 0  # too recent
    later = datetime.now(UTC) + timedelta(hours=2)
    assert remove_orphans(session, tmp_path, now=later) == 1
    assert [p.name for p in tmp_path.iterdir()] == [kept[0].storage_name]
    assert session.scalar(select(func.count()).select_from(Attachment)) == 1
