"""Attachments: files a complainant sends, stored encrypted on disk and read by the case's unit.

This module never looks inside a file: a channel first checks the type by content and removes
the metadata (:func:`rongrian.channels.files.clean_upload`), then hands the cleaned plaintext
here. What happens here (DESIGN.md, promises 1 and 5):

- each file gets a fresh random 256-bit key; the file is encrypted chunk by chunk with
  :mod:`rongrian.crypto.stream` (AES-256-GCM, 64 KiB chunks, the last one padded, so the size on
  disk shows the size only to 64 KiB) with the complaint id and attachment id as associated data;
- the file key is encrypted under the complaint's data key (:func:`rongrian.crypto.aead.encrypt`,
  associated data = complaint id + attachment id), so whoever can read the complaint can read its
  files, and nobody else: the unit's staff through their key ring, the complainant's tracking
  code, the recovery key;
- the file's name on disk is 32 random hex digits, in ``<instance>/attachments/``; its
  modification time is set to midnight UTC of the day (dates are kept at day resolution);
- the row (:class:`rongrian.intake.models.Attachment`) holds in clear only the complaint, the
  order, the day and the thread entry it came with; the media type, the generic name and the
  size are encrypted (``details``). The original file name is never stored: files are named
  ``attachment-<n>.<ext>`` after their position and detected type.

API (every function takes the ``Session`` explicitly and only flushes; the caller commits or
rolls back; after a rollback call :func:`discard_files` for the rows it got, so no orphan
ciphertext stays on disk):

- ``store_attachment(session, attachments_dir, complaint, data_keys, cleaned, media_type, *,
  event_id=None, now=None) -> Attachment``: encrypt ``cleaned`` (a readable binary stream of
  the already cleaned file, read to its end) to a new file and add its row. Raises
  :class:`InvalidSubmission` ``{"attachments": "unsupported"}`` for a media type outside
  :data:`MEDIA_TYPES`, ``{"attachments": "too_many"}`` past :data:`MAX_PER_COMPLAINT`.
- ``attach_with_code(session, pepper, code_text, attachments_dir, files, *, text="",
  now=None) -> list[Attachment]``: what the holder of a tracking code may do: add files (and
  optionally text, in one ``information`` entry of the thread) to their complaint. ``files``
  is a sequence of ``(stream, media_type)``. Raises ``MalformedTrackingCode``,
  :class:`ComplaintNotFound`, :class:`InvalidSubmission`.
- ``attach_to_new_complaint(session, pepper, receipt_code, attachments_dir, files, *,
  now=None) -> list[Attachment]``: the files sent with the complaint itself (right after
  ``file_complaint`` in the same transaction); not linked to any thread entry.
- ``files_by_code(session, pepper, code_text) -> list[AttachmentInfo]``: what the complainant
  sees of their files (no download).
- ``list_attachments(session, unlocked, complaint_id) -> list[AttachmentInfo]`` and
  ``open_attachment(session, unlocked, complaint_id, attachment_id, attachments_dir) ->
  OpenedAttachment``: the staff of the case's unit. Raise :class:`ComplaintNotFound` for a case
  (or an attachment) they may not see, ``KeyNotGranted``, and for ``open_attachment``
  :class:`AttachmentUnavailable` when the file is missing or fails authentication: the whole
  file is authenticated before the first byte is handed out.
- ``discard_files(attachments_dir, rows)``, ``remove_orphans(session, attachments_dir, *,
  older_than)``: housekeeping.
"""

import contextlib
import os
import secrets
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import IO

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from rongrian.crypto import aead, stream
from rongrian.crypto.errors import DecryptionFailed
from rongrian.intake import envelope
from rongrian.intake.casework import _case_for, _data_key
from rongrian.intake.datakeys import DataKeys
from rongrian.intake.errors import AttachmentUnavailable, ComplaintNotFound, InvalidSubmission
from rongrian.intake.keyring import UnlockedAccount
from rongrian.intake.models import Attachment as Attachment  # re-exported for channels
from rongrian.intake.models import CaseEvent, Complaint, EventKind
from rongrian.intake.store import append_event, check_information_open, unlock_by_code
from rongrian.intake.submission import check_length, clean_text

#: Media types an attachment may have, with the extension of its generic name and its kind
#: (``image``, ``pdf``, ``document``, ``spreadsheet``, ``presentation``). The channel cleaner
#: produces only these (HEIC photos are converted to JPEG).
MEDIA_TYPES: dict[str, tuple[str, str]] = {
    "image/jpeg": ("jpg", "image"),
    "image/png": ("png", "image"),
    "application/pdf": ("pdf", "pdf"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document":
        ("docx", "document"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ("xlsx", "spreadsheet"),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation":
        ("pptx", "presentation"),
    "application/vnd.oasis.opendocument.text": ("odt", "document"),
    "application/vnd.oasis.opendocument.spreadsheet": ("ods", "spreadsheet"),
    "application/vnd.oasis.opendocument.presentation": ("odp", "presentation"),
}
#: At most this many files per complaint, whatever the channel allows per submission.
MAX_PER_COMPLAINT = 50
#: Temporary names of files being written start with this; :func:`remove_orphans` clears them.
PARTIAL_PREFIX = ".partial-"
_NAME_BYTES = 16


@dataclass(frozen=True)
class AttachmentInfo:
    """One attachment as people see it: ``name`` is generic (``2568-000123-attachment-1.jpg``),
    ``size`` in bytes of the cleaned file, ``with_complaint`` true when it came with the
    complaint itself rather than with information added later; ``from_agency`` true for a file
    the agency sent with a reply (an "after" photo), known only where the list was read with the
    thread entries' kinds (:func:`files_by_code`)."""

    id: uuid.UUID
    position: int
    name: str
    media_type: str
    kind: str
    size: int
    added_on: date
    with_complaint: bool
    from_agency: bool = False


@dataclass(frozen=True)
class OpenedAttachment:
    """An attachment whose file authenticated: ``chunks()`` yields the plaintext in order
    (64 KiB at a time), reading the file again and checking each chunk once more."""

    info: AttachmentInfo
    path: Path
    file_key: bytes
    associated_data: bytes

    def chunks(self) -> Iterator[bytes]:
        """The cleaned file, chunk by chunk. Raises :class:`AttachmentUnavailable` if the
        file changed since it was verified."""
        try:
            with self.path.open("rb") as source:
                yield from stream.decrypt_stream(self.file_key, source, self.associated_data)
        except (OSError, DecryptionFailed) as exc:
            raise AttachmentUnavailable(str(self.info.id)) from exc


def key_aad(complaint_id: uuid.UUID, attachment_id: uuid.UUID, generation: int = 1) -> bytes:
    """Associated data of an attachment's wrapped file key (and the data-key generation)."""
    return envelope.with_generation(
        b"attachment-key:" + complaint_id.bytes + attachment_id.bytes, generation)


def file_aad(complaint_id: uuid.UUID, attachment_id: uuid.UUID) -> bytes:
    """Associated data of every chunk of an attachment's file (the file id)."""
    return b"attachment-file:" + complaint_id.bytes + attachment_id.bytes


def details_aad(complaint_id: uuid.UUID, attachment_id: uuid.UUID, generation: int = 1
                ) -> bytes:
    """Associated data of an attachment's encrypted details (and the data-key generation)."""
    return envelope.with_generation(
        b"attachment-details:" + complaint_id.bytes + attachment_id.bytes, generation)


def generic_name(case_number: str, position: int, media_type: str) -> str:
    """``2568-000123-attachment-1.jpg``: the case number, the position and the detected type."""
    extension = MEDIA_TYPES.get(media_type, ("bin", ""))[0]
    return f"{case_number.replace('/', '-')}-attachment-{position}.{extension}"


def _midnight(day: date) -> float:
    return datetime.combine(day, time(0), tzinfo=UTC).timestamp()


def _write_encrypted(directory: Path, file_key: bytes, cleaned: IO[bytes], aad: bytes,
                     day: date) -> tuple[str, int]:
    """Encrypt ``cleaned`` to a new randomly named file in ``directory``; return the name and
    the plaintext size. A partial file never survives an error."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    name = secrets.token_hex(_NAME_BYTES)
    partial = directory / f"{PARTIAL_PREFIX}{name}"
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as sink:
            size = stream.encrypt_stream(file_key, cleaned, sink, aad)
            sink.flush()
            os.fsync(sink.fileno())
        os.utime(partial, (_midnight(day), _midnight(day)))
        os.replace(partial, directory / name)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return name, size


def _next_position(session: Session, complaint_id: uuid.UUID) -> int:
    last = session.scalar(
        select(func.max(Attachment.position)).where(Attachment.complaint_id == complaint_id)
    )
    return (last or 0) + 1


def store_attachment(
    session: Session,
    attachments_dir: Path,
    complaint: Complaint,
    data_keys: DataKeys,
    cleaned: IO[bytes],
    media_type: str,
    *,
    event_id: uuid.UUID | None = None,
    now: datetime | None = None,
) -> Attachment:
    """Encrypt an already cleaned file of ``complaint`` to disk and add its row (flushed); its
    key and details are encrypted under the current generation of ``data_keys``.

    ``cleaned`` is read from its current position to its end. Raises
    :class:`InvalidSubmission` ``{"attachments": "unsupported" | "too_many"}`` (nothing
    written).
    """
    now = now or datetime.now(UTC)
    if media_type not in MEDIA_TYPES:
        raise InvalidSubmission({"attachments": "unsupported"})
    position = _next_position(session, complaint.id)
    if position > MAX_PER_COMPLAINT:
        raise InvalidSubmission({"attachments": "too_many"})
    attachment_id = uuid.uuid4()
    file_key = aead.new_key()
    name, size = _write_encrypted(attachments_dir, file_key, cleaned,
                                  file_aad(complaint.id, attachment_id), now.date())
    details = {"media_type": media_type, "size": size}
    data_key, generation = data_keys.current, data_keys.generation
    row = Attachment(
        id=attachment_id,
        complaint_id=complaint.id,
        event_id=event_id,
        position=position,
        storage_name=name,
        wrapped_key=aead.encrypt(data_key, file_key,
                                 key_aad(complaint.id, attachment_id, generation)),
        details=envelope.encrypt_record(data_key, details,
                                        details_aad(complaint.id, attachment_id, generation)),
        added_on=now.date(),
        key_generation=generation,
    )
    session.add(row)
    try:
        session.flush()
    except BaseException:
        (attachments_dir / name).unlink(missing_ok=True)
        raise
    return row


def _store_all(session: Session, attachments_dir: Path, complaint: Complaint,
               data_keys: DataKeys,
               files: Sequence[tuple[IO[bytes], str]], event_id: uuid.UUID | None,
               now: datetime) -> list[Attachment]:
    stored: list[Attachment] = []
    try:
        for cleaned, media_type in files:
            stored.append(store_attachment(session, attachments_dir, complaint, data_keys,
                                           cleaned, media_type, event_id=event_id, now=now))
    except BaseException:
        discard_files(attachments_dir, stored)
        raise
    return stored


def attach_to_new_complaint(
    session: Session,
    pepper: bytes,
    receipt_code: str,
    attachments_dir: Path,
    files: Sequence[tuple[IO[bytes], str]],
    *,
    now: datetime | None = None,
) -> list[Attachment]:
    """Store the files sent with a complaint just filed (``receipt_code`` from its receipt).

    Call it in the transaction of ``file_complaint``. Raises :class:`InvalidSubmission`.
    Without files it returns ``[]`` at once: no lookup, no key unwrapped (issue 11).
    """
    if not files:
        return []
    now = now or datetime.now(UTC)
    complaint, data_keys = unlock_by_code(session, pepper, receipt_code)
    return _store_all(session, attachments_dir, complaint, data_keys, files, None, now)


def attach_with_code(
    session: Session,
    pepper: bytes,
    code_text: str,
    attachments_dir: Path,
    files: Sequence[tuple[IO[bytes], str]],
    *,
    text: str = "",
    now: datetime | None = None,
) -> list[Attachment]:
    """Add ``files`` and ``text`` (either may be empty, not both) to the complaint the code
    opens, as one ``information`` entry of its thread.

    Raises ``MalformedTrackingCode``, :class:`ComplaintNotFound`, :class:`InvalidSubmission`
    (``{"information": "required" | "too_long"}``, ``{"attachments": ...}``).
    """
    now = now or datetime.now(UTC)
    cleaned_text = clean_text(text)
    problems: dict[str, str] = {}
    check_length(problems, "information", cleaned_text, required=not files)
    if problems:
        raise InvalidSubmission(problems)
    complaint, data_keys = unlock_by_code(session, pepper, code_text, upgrade=True)
    check_information_open(complaint, now.date())  # closed after the reopen window (issue 9)
    event = append_event(session, complaint, data_keys, EventKind.INFORMATION,
                         {"text": cleaned_text, "files": str(len(files))}, now=now)
    complaint.updated_on = now.date()
    return _store_all(session, attachments_dir, complaint, data_keys, files, event.id, now)


def _info(complaint: Complaint, data_keys: DataKeys, row: Attachment, *,
          from_agency: bool = False) -> AttachmentInfo:
    details = envelope.decrypt_record(data_keys.of(row.key_generation), row.details,
                                      details_aad(complaint.id, row.id, row.key_generation))
    media_type = str(details["media_type"])
    return AttachmentInfo(
        id=row.id,
        position=row.position,
        name=generic_name(complaint.case_number, row.position, media_type),
        media_type=media_type,
        kind=MEDIA_TYPES.get(media_type, ("", "document"))[1],
        size=int(details["size"]),
        added_on=row.added_on,
        with_complaint=row.event_id is None,
        from_agency=from_agency,
    )


def _rows(session: Session, complaint_id: uuid.UUID) -> list[Attachment]:
    return list(session.scalars(
        select(Attachment).where(Attachment.complaint_id == complaint_id)
        .order_by(Attachment.position)
    ))


#: A case's files with the kind of the entry each came with, built once (issue 11).
_FILES_WITH_ENTRY_KIND = (select(Attachment, CaseEvent.kind)
                          .outerjoin(CaseEvent, CaseEvent.id == Attachment.event_id)
                          .where(Attachment.complaint_id == bindparam("complaint_id"))
                          .order_by(Attachment.position))


def files_by_code(session: Session, pepper: bytes, code_text: str) -> list[AttachmentInfo]:
    """The complainant's view of the case's files, in order, each marked ``from_agency`` when
    it came with one of the agency's replies. Raises ``MalformedTrackingCode`` or
    :class:`ComplaintNotFound`."""
    complaint, data_keys = unlock_by_code(session, pepper, code_text)
    rows = session.execute(_FILES_WITH_ENTRY_KIND, {"complaint_id": complaint.id}).all()
    return [_info(complaint, data_keys, row, from_agency=kind == EventKind.REPLY)
            for row, kind in rows]


def list_attachments(session: Session, unlocked: UnlockedAccount, complaint_id: uuid.UUID
                     ) -> list[AttachmentInfo]:
    """The attachments of a case of one of the account's units, in order.

    Raises :class:`ComplaintNotFound` or ``KeyNotGranted``.
    """
    complaint = _case_for(session, unlocked.account_id, complaint_id)
    data_keys = _data_key(session, unlocked, complaint)
    return [_info(complaint, data_keys, row) for row in _rows(session, complaint.id)]


def open_attachment(
    session: Session,
    unlocked: UnlockedAccount,
    complaint_id: uuid.UUID,
    attachment_id: uuid.UUID,
    attachments_dir: Path,
) -> OpenedAttachment:
    """Unwrap an attachment's key and authenticate its whole file (nothing kept in memory).

    Raises :class:`ComplaintNotFound` (case not visible, or no such attachment in it),
    ``KeyNotGranted``, :class:`AttachmentUnavailable` (file missing, damaged or altered).
    """
    complaint = _case_for(session, unlocked.account_id, complaint_id)
    row = session.get(Attachment, attachment_id)
    if row is None or row.complaint_id != complaint.id:
        raise ComplaintNotFound
    return open_verified(complaint, _data_key(session, unlocked, complaint), row,
                         attachments_dir)


def open_verified(complaint: Complaint, data_keys: DataKeys, row: Attachment,
                  attachments_dir: Path) -> OpenedAttachment:
    """Open ``row`` of ``complaint`` with the data keys the caller holds, the file checked
    whole (every chunk authenticated, the size as recorded) before anything is served.

    Raises :class:`AttachmentUnavailable` (file missing, damaged or altered) or
    ``DecryptionFailed`` for keys that do not open it.
    """
    info = _info(complaint, data_keys, row)
    file_key = aead.decrypt(data_keys.of(row.key_generation), row.wrapped_key,
                            key_aad(complaint.id, row.id, row.key_generation))
    path = attachments_dir / row.storage_name
    aad = file_aad(complaint.id, row.id)
    try:
        with path.open("rb") as source:
            size = stream.verify_stream(file_key, source, aad)
    except (OSError, DecryptionFailed) as exc:
        raise AttachmentUnavailable(str(row.id)) from exc
    if size != info.size:
        raise AttachmentUnavailable(str(row.id))
    return OpenedAttachment(info, path, file_key, aad)


def discard_files(attachments_dir: Path, rows: Iterable[Attachment]) -> None:
    """Delete the files of ``rows`` (after a rollback: their rows never existed)."""
    for row in rows:
        with contextlib.suppress(OSError):
            (attachments_dir / row.storage_name).unlink(missing_ok=True)


def remove_orphans(session: Session, attachments_dir: Path, *,
                   older_than: timedelta = timedelta(hours=1),
                   now: datetime | None = None) -> int:
    """Delete files in ``attachments_dir`` that no row names (left by a crash between writing
    and committing), if older than ``older_than``; return how many were deleted. Such files
    are unreadable anyway: their keys were never committed."""
    if not attachments_dir.is_dir():
        return 0
    now = now or datetime.now(UTC)
    known = set(session.scalars(select(Attachment.storage_name)))
    removed = 0
    for path in attachments_dir.iterdir():
        if not path.is_file() or path.name in known:
            continue
        changed = datetime.fromtimestamp(path.stat().st_ctime, UTC)
        if now - changed >= older_than:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
