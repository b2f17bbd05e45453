"""Chunked streaming AEAD for files: AES-256-GCM per chunk, composed from ``cryptography``.

The construction is the STREAM pattern (Hoang, Reyhanitabar, Rogaway and Vizár, "Online
Authenticated-Encryption and its Nonce-Reuse Misuse-Resistance", CRYPTO 2015), as Tink's
streaming AEAD and age use it: the plaintext is cut into chunks of a fixed size, each chunk is
sealed with AES-256-GCM under one per-file key, with

- nonce = the file's random 8-byte prefix || the chunk counter (4 bytes, big-endian), so a chunk
  moved to another position fails to open (reordering, duplication);
- associated data = a label, the 16-byte header, the caller's associated data (e.g. the file id)
  and a final-chunk flag (one byte, 1 on the last chunk, 0 otherwise), so dropping chunks from the
  end (truncation) or adding chunks after the last one (appending) is detected, and the file
  cannot be moved under another id.

Padding: the plaintext is padded with ISO/IEC 7816-4 padding (one ``0x80`` byte, then zeros) up
to a multiple of the chunk size, so every chunk, the last included, is full. The file's size on
disk therefore tells only the plaintext size rounded up to the chunk size (default 64 KiB); a
plaintext that fills its last chunk exactly gets one more chunk of pure padding. The padding is
checked only after the chunk authenticated, so it is no padding oracle.

File layout (bytes)::

    header (16) = b"RGS" || version (1 = 0x01) || chunk size (4, big-endian) || nonce prefix (8)
    chunk i     = AES-256-GCM(key, prefix || i, chunk_i, AD_i) = ciphertext (chunk size) || tag (16)

The chunk counter limits a file to 2**32 chunks (256 TiB at 64 KiB): far above any attachment.

API (shapes; ``IO[bytes]`` is any readable/writable binary file object):

- ``encrypt_stream(key, source, sink, associated_data, *, chunk_size=DEFAULT_CHUNK_SIZE) -> int``
  reads ``source`` to its end, writes header and chunks to ``sink``; returns the plaintext length.
- ``decrypt_stream(key, source, associated_data) -> Iterator[bytes]`` yields the plaintext chunk
  by chunk; raises :class:`DecryptionFailed` (from the generator) as soon as a chunk fails, the
  header is malformed, the file was truncated, reordered or extended.
- ``verify_stream(key, source, associated_data) -> int`` authenticates a whole file without
  keeping its plaintext; returns the plaintext length or raises :class:`DecryptionFailed`.
- ``encrypted_size(plaintext_length, chunk_size) -> int`` what :func:`encrypt_stream` writes.

Memory: at most one plaintext chunk and two ciphertext chunks (decryption reads one chunk ahead to
know which chunk is the last) are held at a time, whatever the file's size. ``key`` is 32 bytes
(:class:`MalformedKey` otherwise); use a fresh random key per file (``aead.new_key()``).
"""

import functools
import os
from collections.abc import Iterator
from typing import IO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from rongrian.crypto.aead import KEY_BYTES, TAG_BYTES
from rongrian.crypto.errors import DecryptionFailed, MalformedKey

MAGIC = b"RGS"
VERSION = 1
HEADER_BYTES = 16
PREFIX_BYTES = 8
#: Default plaintext bytes per chunk (64 KiB): large enough for GCM to run at full speed, small
#: enough that a worker holds only a few of them.
DEFAULT_CHUNK_SIZE = 64 * 1024
MIN_CHUNK_SIZE = 1
#: A header may not ask a reader to hold more than this per chunk (16 MiB).
MAX_CHUNK_SIZE = 16 * 1024 * 1024
MAX_CHUNKS = 2**32
_LABEL = b"rongrian/stream/v1\x00"
_PAD_MARK = 0x80


def _cipher(key: bytes) -> AESGCM:
    if len(key) != KEY_BYTES:
        raise MalformedKey(f"AES-256-GCM key must be {KEY_BYTES} bytes, got {len(key)}")
    return AESGCM(key)


def _check_chunk_size(chunk_size: int) -> None:
    if not MIN_CHUNK_SIZE <= chunk_size <= MAX_CHUNK_SIZE:
        raise ValueError(f"chunk size must be {MIN_CHUNK_SIZE}..{MAX_CHUNK_SIZE} bytes")


@functools.lru_cache(maxsize=4)
def _zeros(size: int) -> memoryview:
    """``size`` zero bytes, made once per chunk size (padding without a new chunk each file)."""
    return memoryview(bytes(size))


def _header(chunk_size: int, prefix: bytes) -> bytes:
    return MAGIC + bytes([VERSION]) + chunk_size.to_bytes(4, "big") + prefix


def _nonce(prefix: bytes, counter: int) -> bytes:
    if counter >= MAX_CHUNKS:
        raise ValueError("stream too long for a 32-bit chunk counter")
    return prefix + counter.to_bytes(4, "big")


def _aad(header: bytes, associated_data: bytes, last: bool) -> bytes:
    # Every part but the last flag has a fixed length or is length-prefixed: no ambiguity.
    return (_LABEL + header + len(associated_data).to_bytes(4, "big") + associated_data
            + (b"\x01" if last else b"\x00"))


def _read_full(source: IO[bytes], buffer: memoryview) -> int:
    """Fill ``buffer`` from ``source`` (reads may return less than asked); return bytes read."""
    filled = 0
    while filled < len(buffer):
        got = source.readinto(buffer[filled:])  # type: ignore[attr-defined]
        if not got:
            break
        filled += got
    return int(filled)


def encrypted_size(plaintext_length: int, chunk_size: int = DEFAULT_CHUNK_SIZE) -> int:
    """Bytes :func:`encrypt_stream` writes for ``plaintext_length`` bytes of plaintext."""
    _check_chunk_size(chunk_size)
    chunks = plaintext_length // chunk_size + 1  # padding takes at least one byte
    return HEADER_BYTES + chunks * (chunk_size + TAG_BYTES)


def encrypt_stream(
    key: bytes,
    source: IO[bytes],
    sink: IO[bytes],
    associated_data: bytes,
    *,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> int:
    """Encrypt everything ``source`` yields into ``sink``; return the plaintext length in bytes.

    ``source`` must support ``readinto`` (files, ``BytesIO``, spooled files). Raises
    :class:`MalformedKey` for a key that is not 32 bytes, ``ValueError`` for a chunk size outside
    ``MIN_CHUNK_SIZE..MAX_CHUNK_SIZE``.
    """
    cipher = _cipher(key)
    _check_chunk_size(chunk_size)
    prefix = os.urandom(PREFIX_BYTES)
    header = _header(chunk_size, prefix)
    sink.write(header)
    plain = bytearray(chunk_size)
    view = memoryview(plain)
    sealed = bytearray(chunk_size + TAG_BYTES)
    aad_more, aad_last = _aad(header, associated_data, False), _aad(header, associated_data, True)
    counter = total = 0
    while True:
        filled = _read_full(source, view)
        total += filled
        last = filled < chunk_size
        if last:
            plain[filled] = _PAD_MARK
            view[filled + 1:] = _zeros(chunk_size)[: chunk_size - filled - 1]
        cipher.encrypt_into(_nonce(prefix, counter), plain, aad_last if last else aad_more,
                            sealed)
        sink.write(sealed)
        counter += 1
        if last:
            return total


def _parse_header(header: bytes) -> tuple[int, bytes]:
    if len(header) != HEADER_BYTES or header[:3] != MAGIC or header[3] != VERSION:
        raise DecryptionFailed("not an encrypted stream of a known version")
    chunk_size = int.from_bytes(header[4:8], "big")
    if not MIN_CHUNK_SIZE <= chunk_size <= MAX_CHUNK_SIZE:
        raise DecryptionFailed("encrypted stream has an impossible chunk size")
    return chunk_size, header[8:]


def _unpad(chunk: bytes) -> bytes:
    stripped = chunk.rstrip(b"\x00")
    if not stripped or stripped[-1] != _PAD_MARK:
        raise DecryptionFailed("last chunk is not padded")
    return stripped[:-1]


def decrypt_stream(key: bytes, source: IO[bytes], associated_data: bytes) -> Iterator[bytes]:
    """Yield the plaintext of a stream written by :func:`encrypt_stream`, chunk by chunk.

    The generator raises :class:`DecryptionFailed` when it meets a bad header, a chunk that fails
    authentication (flipped byte, wrong key or associated data, reordered or duplicated chunk), a
    short chunk, or an end that is not the real end (truncated or appended chunks). Chunks
    yielded before that point were authentic, but the whole is only known good once the
    generator finished; call :func:`verify_stream` first when a partial output is unwanted.
    """
    cipher = _cipher(key)
    header = source.read(HEADER_BYTES)
    chunk_size, prefix = _parse_header(header)
    sealed_size = chunk_size + TAG_BYTES
    aad_more, aad_last = _aad(header, associated_data, False), _aad(header, associated_data, True)
    current = source.read(sealed_size)
    counter = 0
    while True:
        if len(current) != sealed_size:
            raise DecryptionFailed("encrypted stream is truncated")
        ahead = source.read(sealed_size)
        last = not ahead
        try:
            plain = cipher.decrypt(_nonce(prefix, counter), current,
                                   aad_last if last else aad_more)
        except InvalidTag as exc:
            raise DecryptionFailed("encrypted stream failed authentication") from exc
        if last:
            yield _unpad(plain)
            return
        yield plain
        current, counter = ahead, counter + 1


def verify_stream(key: bytes, source: IO[bytes], associated_data: bytes) -> int:
    """Authenticate a whole stream without keeping its plaintext; return its plaintext length.

    Raises :class:`DecryptionFailed` exactly when :func:`decrypt_stream` would.
    """
    return sum(len(chunk) for chunk in decrypt_stream(key, source, associated_data))
