"""The encrypted backup archive: its header, its key texts, and streaming in and out of it.

Nothing new is invented here: the archive composes the project's own pieces.

- A fresh random 256-bit *archive key* per archive (:func:`rongrian.crypto.aead.new_key`).
- The archive key is sealed (:mod:`rongrian.crypto.sealed`: X25519 + HKDF-SHA256 + AES-256-GCM)
  to the recipient's X25519 public key: the installation's recovery key by default, or a
  separate backup key (:func:`generate_backup_key`).
- The body is a POSIX (pax) tar stream encrypted with the chunked AEAD of
  :mod:`rongrian.crypto.stream` (AES-256-GCM, STREAM construction, 256 KiB chunks) under the
  archive key, with the whole clear header as associated data: a flipped byte, a dropped,
  reordered or appended chunk, a cut end, or a header moved onto another body, fails.

Layout (bytes)::

    magic (8) = b"RGBACKUP" || version (1) = 0x01 || recipient fingerprint (16)
    || box length (2, big-endian) || sealed box (archive key; 92 bytes)
    || encrypted stream (rongrian.crypto.stream, associated data = everything above)

The fingerprint (first 16 bytes of SHA-256 of the recipient's raw public key) only lets
``restore`` say "this archive was sealed to another key"; it is not trusted for anything else.
The archive reveals in clear only that it is a Rongrian backup, its size (to the chunk), and
which key opens it.

Key texts (``rongrian backup keygen``): a backup private key is ``RGBK1-`` followed by base32 in
groups of four (as the recovery key's ``RGR1-``), a public key ``RGPK1-`` likewise. ``restore``
takes either a backup private key or the recovery key.
"""

import base64
import hashlib
import io
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO

from rongrian.crypto import aead, keys, sealed, stream
from rongrian.crypto.errors import DecryptionFailed, MalformedKey
from rongrian.crypto.keys import X25519PrivateKey, X25519PublicKey

MAGIC = b"RGBACKUP"
VERSION = 1
FINGERPRINT_BYTES = 16
#: Plaintext bytes per encrypted chunk of the archive body (256 KiB).
CHUNK_SIZE = 256 * 1024
_FIXED = len(MAGIC) + 1 + FINGERPRINT_BYTES + 2
_BOX_BYTES = aead.KEY_BYTES + sealed.OVERHEAD
PRIVATE_PREFIX = "RGBK1"
PUBLIC_PREFIX = "RGPK1"
RECOVERY_PREFIX = "RGR1"


class BackupError(Exception):
    """A backup or restore could not be done; ``th`` and ``en`` say why and what to do.

    ``exit_code`` is 2 for bad input (wrong key, damaged archive, target not empty) and 1 for a
    set-up problem (``pg_dump`` missing or failing, database unreachable).
    """

    def __init__(self, th: str, en: str, *, exit_code: int = 2) -> None:
        super().__init__(en)
        self.th = th
        self.en = en
        self.exit_code = exit_code


class ArchiveUnreadable(BackupError):
    """The archive does not open: wrong key, not an archive, or changed (tampered, truncated)."""


def fingerprint(public: X25519PublicKey) -> bytes:
    """The first 16 bytes of SHA-256 of ``public``'s raw 32 bytes."""
    return hashlib.sha256(keys.public_bytes(public)).digest()[:FINGERPRINT_BYTES]


def _group(prefix: str, raw: bytes) -> str:
    text = base64.b32encode(raw).decode("ascii").rstrip("=")
    return "-".join([prefix, *(text[i : i + 4] for i in range(0, len(text), 4))])


def _ungroup(prefix: str, text: str) -> bytes:
    compact = "".join(ch for ch in text.upper() if ch.isalnum())
    if not compact.startswith(prefix):
        raise MalformedKey(f"not a key of kind {prefix}")
    body = compact[len(prefix):]
    try:
        return base64.b32decode(body + "=" * (-len(body) % 8))
    except ValueError as exc:
        raise MalformedKey("key text has characters outside base32") from exc


@dataclass(frozen=True)
class BackupKey:
    """A new backup key pair as text: ``private`` (``RGBK1-…``) and ``public`` (``RGPK1-…``)."""

    private: str
    public: str


def generate_backup_key() -> BackupKey:
    """A fresh X25519 key pair for sealing backups (``rongrian backup --to``)."""
    private = keys.generate_private_key()
    return BackupKey(_group(PRIVATE_PREFIX, keys.private_bytes(private)),
                     _group(PUBLIC_PREFIX, keys.public_bytes(private.public_key())))


def parse_public_key(text: str) -> X25519PublicKey:
    """A backup public key from its ``RGPK1-…`` text; raises :class:`MalformedKey`."""
    return keys.load_public(_ungroup(PUBLIC_PREFIX, text))


def parse_private_key(text: str) -> X25519PrivateKey:
    """A backup private key (``RGBK1-…``) or the recovery key (``RGR1-…``).

    Raises :class:`MalformedKey` for any other text.
    """
    compact = "".join(ch for ch in text.upper() if ch.isalnum())
    if compact.startswith(PRIVATE_PREFIX):
        return keys.load_private(_ungroup(PRIVATE_PREFIX, text))
    if compact.startswith(RECOVERY_PREFIX):
        return keys.parse_recovery_key(text)
    raise MalformedKey("neither a backup key nor a recovery key")


def _box_aad(print_: bytes) -> bytes:
    return MAGIC + bytes([VERSION]) + print_


def write_encrypted(sink: IO[bytes], recipient: X25519PublicKey,
                    produce: Callable[[IO[bytes]], None]) -> None:
    """Write an archive to ``sink``: the header, then whatever ``produce`` writes, encrypted.

    ``produce(plain)`` runs in a helper thread and writes the plaintext (the tar stream) into
    a pipe; this thread encrypts from the other end, so neither the plaintext nor the whole
    archive is ever held in memory or written to disk. An exception in ``produce`` is raised
    here once the pipe is closed (the caller then discards ``sink``); an exception while
    encrypting (disk full) stops ``produce`` with a broken pipe.
    """
    archive_key = aead.new_key()
    print_ = fingerprint(recipient)
    box = sealed.seal(recipient, archive_key, _box_aad(print_))
    header = MAGIC + bytes([VERSION]) + print_ + len(box).to_bytes(2, "big") + box
    sink.write(header)
    read_fd, write_fd = os.pipe()
    failures: list[BaseException] = []

    def run() -> None:
        try:
            with os.fdopen(write_fd, "wb", buffering=CHUNK_SIZE) as plain:
                produce(plain)
        except BaseException as exc:  # handed to the main thread below
            failures.append(exc)

    worker = threading.Thread(target=run, name="backup-producer", daemon=True)
    worker.start()
    try:
        with os.fdopen(read_fd, "rb", buffering=CHUNK_SIZE) as plain_in:
            stream.encrypt_stream(archive_key, plain_in, sink, header, chunk_size=CHUNK_SIZE)
    finally:
        worker.join()
    if failures:
        raise failures[0]


@dataclass(frozen=True)
class OpenedArchive:
    """The archive key and header of an archive whose sealed box opened."""

    archive_key: bytes
    header: bytes

    def plaintext(self, source: IO[bytes]) -> IO[bytes]:
        """A readable binary stream of the decrypted body; ``source`` must be positioned just
        after the header. Reading raises :class:`ArchiveUnreadable` at the first chunk that
        fails (changed, reordered, truncated, extended)."""
        return io.BufferedReader(_Plaintext(stream.decrypt_stream(
            self.archive_key, source, self.header)), buffer_size=CHUNK_SIZE)


def _tampered() -> ArchiveUnreadable:
    return ArchiveUnreadable(
        "ไฟล์สำรองข้อมูลเสียหายหรือถูกแก้ไข (ตรวจสอบความถูกต้องไม่ผ่าน) ไม่มีการเขียนข้อมูลใด ๆ",
        "the backup archive is damaged or was changed (it failed authentication); "
        "nothing was written")


def open_archive(source: IO[bytes], private: X25519PrivateKey) -> OpenedArchive:
    """Read and open an archive's header with ``private`` (the recipient's key).

    Raises :class:`ArchiveUnreadable`: not an archive, sealed to another key, or a changed
    header. The body is not checked here (see :meth:`OpenedArchive.plaintext`).
    """
    fixed = source.read(_FIXED)
    if len(fixed) != _FIXED or fixed[:len(MAGIC)] != MAGIC:
        raise ArchiveUnreadable("ไฟล์นี้ไม่ใช่ไฟล์สำรองข้อมูลของรงเรียน",
                                "this file is not a Rongrian backup archive")
    if fixed[len(MAGIC)] != VERSION:
        raise ArchiveUnreadable("ไฟล์สำรองข้อมูลรุ่นนี้ไม่รองรับ",
                                "this backup archive's format version is not supported")
    print_ = fixed[len(MAGIC) + 1:len(MAGIC) + 1 + FINGERPRINT_BYTES]
    box_length = int.from_bytes(fixed[-2:], "big")
    box = source.read(box_length)
    if box_length != _BOX_BYTES or len(box) != box_length:
        raise _tampered()
    if print_ != fingerprint(private.public_key()):
        raise ArchiveUnreadable(
            "กุญแจนี้เปิดไฟล์สำรองข้อมูลนี้ไม่ได้ (ไฟล์ถูกปิดผนึกด้วยกุญแจอื่น) ไม่มีการเขียนข้อมูลใด ๆ",
            "this key does not open this backup archive (it was sealed to another key); "
            "nothing was written")
    try:
        archive_key = sealed.open_sealed(private, box, _box_aad(print_))
    except DecryptionFailed as exc:
        raise _tampered() from exc
    return OpenedArchive(archive_key, fixed + box)


class _Plaintext(io.RawIOBase):
    """A raw stream over the chunks :func:`rongrian.crypto.stream.decrypt_stream` yields."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        super().__init__()
        self._chunks = chunks
        self._pending = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: "memoryview | bytearray") -> int:  # type: ignore[override]
        while not self._pending:
            try:
                self._pending = memoryview(next(self._chunks))
            except StopIteration:
                return 0
            except DecryptionFailed as exc:
                raise _tampered() from exc
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size
