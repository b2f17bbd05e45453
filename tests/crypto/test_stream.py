"""Chunked streaming AEAD: round trips for any bytes and chunk size, and every kind of tampering
(flipped byte, truncation, reordering, duplication, appending, another key or file id) fails."""

import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rongrian.crypto import aead, stream
from rongrian.crypto.errors import DecryptionFailed, MalformedKey

chunk_sizes = st.integers(stream.MIN_CHUNK_SIZE, 64)
plaintexts = st.binary(max_size=600)
ads = st.binary(max_size=40)
SEALED = aead.TAG_BYTES  # added to every chunk


def seal(plaintext: bytes, chunk_size: int, ad: bytes = b"file-1", key: bytes | None = None
         ) -> tuple[bytes, bytes]:
    key = key or aead.new_key()
    sink = io.BytesIO()
    assert stream.encrypt_stream(key, io.BytesIO(plaintext), sink, ad,
                                 chunk_size=chunk_size) == len(plaintext)
    return key, sink.getvalue()


def open_all(key: bytes, blob: bytes, ad: bytes = b"file-1") -> bytes:
    return b"".join(stream.decrypt_stream(key, io.BytesIO(blob), ad))


def chunks_of(blob: bytes, chunk_size: int) -> tuple[bytes, list[bytes]]:
    size = chunk_size + SEALED
    body = blob[stream.HEADER_BYTES:]
    return blob[:stream.HEADER_BYTES], [body[i:i + size] for i in range(0, len(body), size)]


@given(plaintext=plaintexts, chunk_size=chunk_sizes, ad=ads)
def test_round_trip_for_any_bytes_and_chunk_size(plaintext: bytes, chunk_size: int,
                                                 ad: bytes) -> None:
    key, blob = seal(plaintext, chunk_size, ad)
    assert len(blob) == stream.encrypted_size(len(plaintext), chunk_size)
    assert open_all(key, blob, ad) == plaintext
    assert stream.verify_stream(key, io.BytesIO(blob), ad) == len(plaintext)


@given(plaintext=plaintexts, chunk_size=chunk_sizes)
def test_every_chunk_is_full_so_the_size_only_shows_the_chunk_count(plaintext: bytes,
                                                                    chunk_size: int) -> None:
    _key, blob = seal(plaintext, chunk_size)
    _header, chunks = chunks_of(blob, chunk_size)
    assert {len(chunk) for chunk in chunks} == {chunk_size + SEALED}
    assert len(chunks) == len(plaintext) // chunk_size + 1


def test_sizes_within_one_chunk_look_the_same() -> None:
    assert len(seal(b"a", 4096)[1]) == len(seal(b"a" * 4095, 4096)[1])
    assert len(seal(b"a" * 4096, 4096)[1]) > len(seal(b"a" * 4095, 4096)[1])


@given(plaintext=plaintexts, chunk_size=chunk_sizes, data=st.data())
def test_any_flipped_byte_fails(plaintext: bytes, chunk_size: int, data: st.DataObject) -> None:
    key, blob = seal(plaintext, chunk_size)
    index = data.draw(st.integers(0, len(blob) - 1), label="index")
    delta = data.draw(st.integers(1, 255), label="xor")
    tampered = bytearray(blob)
    tampered[index] ^= delta
    with pytest.raises(DecryptionFailed):
        open_all(key, bytes(tampered))


@given(plaintext=st.binary(min_size=1, max_size=600), chunk_size=chunk_sizes, data=st.data())
def test_any_truncation_fails(plaintext: bytes, chunk_size: int, data: st.DataObject) -> None:
    key, blob = seal(plaintext, chunk_size)
    cut = data.draw(st.integers(0, len(blob) - 1), label="kept bytes")
    with pytest.raises(DecryptionFailed):
        open_all(key, blob[:cut])


@given(plaintext=st.binary(min_size=2, max_size=600), chunk_size=chunk_sizes,
       data=st.data())
def test_dropping_whole_chunks_from_the_end_fails(plaintext: bytes, chunk_size: int,
                                                  data: st.DataObject) -> None:
    key, blob = seal(plaintext, chunk_size)
    header, chunks = chunks_of(blob, chunk_size)
    keep = data.draw(st.integers(0, len(chunks) - 1), label="chunks kept")
    with pytest.raises(DecryptionFailed):
        open_all(key, header + b"".join(chunks[:keep]))


@given(plaintext=st.binary(min_size=1, max_size=600), chunk_size=st.integers(1, 16),
       data=st.data())
def test_reordered_or_duplicated_chunks_fail(plaintext: bytes, chunk_size: int,
                                             data: st.DataObject) -> None:
    key, blob = seal(plaintext, chunk_size)
    header, chunks = chunks_of(blob, chunk_size)
    order = data.draw(st.lists(st.integers(0, len(chunks) - 1), min_size=1,
                               max_size=len(chunks) + 2), label="order")
    if order == list(range(len(chunks))):
        return  # the original order is not a change
    with pytest.raises(DecryptionFailed):
        open_all(key, header + b"".join(chunks[i] for i in order))


@given(plaintext=plaintexts, chunk_size=chunk_sizes,
       extra=st.binary(min_size=1, max_size=200))
def test_appended_bytes_or_chunks_fail(plaintext: bytes, chunk_size: int, extra: bytes) -> None:
    key, blob = seal(plaintext, chunk_size)
    _header, chunks = chunks_of(blob, chunk_size)
    with pytest.raises(DecryptionFailed):
        open_all(key, blob + extra)
    with pytest.raises(DecryptionFailed):
        open_all(key, blob + chunks[-1])
    # A whole chunk sealed for this position by the same key is refused too, since the chunk
    # before it was sealed as the last one.
    _key, longer = seal(plaintext + extra * (chunk_size + 1), chunk_size, key=key)
    _h, longer_chunks = chunks_of(longer, chunk_size)
    assert len(longer_chunks) > len(chunks)
    with pytest.raises(DecryptionFailed):
        open_all(key, blob + b"".join(longer_chunks[len(chunks):]))


@given(plaintext=plaintexts, chunk_size=chunk_sizes)
def test_another_key_or_file_id_fails(plaintext: bytes, chunk_size: int) -> None:
    key, blob = seal(plaintext, chunk_size, b"file-1")
    with pytest.raises(DecryptionFailed):
        open_all(aead.new_key(), blob, b"file-1")
    with pytest.raises(DecryptionFailed):
        open_all(key, blob, b"file-2")


def test_splicing_chunks_of_two_files_under_one_key_fails() -> None:
    key = aead.new_key()
    _k, first = seal(b"A" * 40, 8, key=key)
    _k, second = seal(b"B" * 40, 8, key=key)
    header, chunks = chunks_of(first, 8)
    _h, others = chunks_of(second, 8)
    with pytest.raises(DecryptionFailed):
        open_all(key, header + chunks[0] + others[1] + b"".join(chunks[2:]))


@pytest.mark.parametrize("header", [
    b"", b"RGS", b"XYZ\x01" + bytes(12), b"RGS\x02" + bytes(12),
    b"RGS\x01" + (0).to_bytes(4, "big") + bytes(8),
    b"RGS\x01" + (stream.MAX_CHUNK_SIZE + 1).to_bytes(4, "big") + bytes(8),
])
def test_malformed_headers_are_refused(header: bytes) -> None:
    with pytest.raises(DecryptionFailed):
        open_all(aead.new_key(), header + bytes(100))


def test_the_last_chunk_must_be_padded() -> None:
    """A stream whose last chunk authenticates but lacks the padding mark is refused: the
    check runs only after authentication, built here with the real key."""
    key, blob = seal(b"", 4)
    assert open_all(key, blob) == b""
    header, _chunks = chunks_of(blob, 4)
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    prefix = header[8:]
    aad = stream._aad(header, b"file-1", True)  # noqa: SLF001 - building a forged stream
    unpadded = AESGCM(key).encrypt(prefix + bytes(4), bytes(4), aad)
    with pytest.raises(DecryptionFailed):
        open_all(key, header + unpadded)


def test_large_chunks_and_a_short_reading_source() -> None:
    class Trickle(io.RawIOBase):
        """Hands out at most 1000 bytes per read, as sockets and pipes may."""

        def __init__(self, data: bytes) -> None:
            self.data = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
            piece = self.data.read(min(len(buffer), 1000))
            buffer[:len(piece)] = piece
            return len(piece)

    plaintext = bytes(range(256)) * 1000
    key, sink = aead.new_key(), io.BytesIO()
    stream.encrypt_stream(key, Trickle(plaintext), sink, b"id")  # type: ignore[arg-type]
    assert len(sink.getvalue()) == stream.encrypted_size(len(plaintext))
    assert open_all(key, sink.getvalue(), b"id") == plaintext


@pytest.mark.parametrize("size", [0, 16, 31, 33])
def test_keys_must_be_32_bytes(size: int) -> None:
    with pytest.raises(MalformedKey):
        stream.encrypt_stream(bytes(size), io.BytesIO(b"x"), io.BytesIO(), b"")


@pytest.mark.parametrize("chunk_size", [0, -1, stream.MAX_CHUNK_SIZE + 1])
def test_chunk_size_is_bounded(chunk_size: int) -> None:
    with pytest.raises(ValueError, match="chunk size"):
        stream.encrypt_stream(aead.new_key(), io.BytesIO(b"x"), io.BytesIO(), b"",
                              chunk_size=chunk_size)
