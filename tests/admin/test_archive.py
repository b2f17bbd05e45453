"""The archive format alone (no database): what goes in comes out with the right key, and a
flipped bit anywhere, a cut or another key opens nothing. Property tests with hypothesis."""

import io
import random
from typing import IO

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rongrian.admin.archive import (
    CHUNK_SIZE,
    ArchiveUnreadable,
    generate_backup_key,
    open_archive,
    parse_private_key,
    parse_public_key,
    write_encrypted,
)
from rongrian.crypto import keys
from rongrian.crypto.errors import MalformedKey
from rongrian.crypto.keys import format_recovery_key

SIZES = st.integers(min_value=0, max_value=2 * CHUNK_SIZE + 100)


def _payload(size: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(size)


def _archive(payload: bytes, private: keys.X25519PrivateKey) -> bytes:
    sink = io.BytesIO()

    def produce(plain: IO[bytes]) -> None:
        plain.write(payload)

    write_encrypted(sink, private.public_key(), produce)
    return sink.getvalue()


def _read(archive: bytes, private: keys.X25519PrivateKey) -> bytes:
    source = io.BytesIO(archive)
    return open_archive(source, private).plaintext(source).read()


@settings(max_examples=15, deadline=None)
@given(size=SIZES, seed=st.integers(0, 2**32))
def test_what_goes_in_comes_out(size: int, seed: int) -> None:
    private = keys.generate_private_key()
    payload = _payload(size, seed)
    assert _read(_archive(payload, private), private) == payload


@settings(max_examples=25, deadline=None)
@given(size=SIZES, seed=st.integers(0, 2**32), where=st.floats(0, 1, exclude_max=True),
       bit=st.integers(0, 7))
def test_a_flipped_bit_anywhere_is_detected(size: int, seed: int, where: float,
                                            bit: int) -> None:
    private = keys.generate_private_key()
    archive = bytearray(_archive(_payload(size, seed), private))
    archive[int(where * len(archive))] ^= 1 << bit
    with pytest.raises(ArchiveUnreadable):
        _read(bytes(archive), private)


@settings(max_examples=15, deadline=None)
@given(size=SIZES, seed=st.integers(0, 2**32), keep=st.floats(0, 1, exclude_max=True))
def test_a_cut_archive_is_detected(size: int, seed: int, keep: float) -> None:
    private = keys.generate_private_key()
    archive = _archive(_payload(size, seed), private)
    with pytest.raises(ArchiveUnreadable):
        _read(archive[:int(keep * len(archive))], private)


def test_another_key_opens_nothing() -> None:
    archive = _archive(b"secret", keys.generate_private_key())
    with pytest.raises(ArchiveUnreadable):
        _read(archive, keys.generate_private_key())


def test_the_producers_failure_is_raised_and_not_hidden() -> None:
    def produce(plain: IO[bytes]) -> None:
        plain.write(b"half")
        raise OSError("disk gone")

    with pytest.raises(OSError, match="disk gone"):
        write_encrypted(io.BytesIO(), keys.generate_private_key().public_key(),
                        produce)


def test_key_texts_round_trip_and_are_told_apart() -> None:
    pair = generate_backup_key()
    private = parse_private_key(pair.private)
    assert keys.public_bytes(private.public_key()) == keys.public_bytes(
        parse_public_key(pair.public))
    assert keys.public_bytes(parse_private_key(pair.private.lower().replace("-", " ")
                                               ).public_key()) == keys.public_bytes(
        private.public_key())
    recovery = keys.generate_private_key()
    assert keys.private_bytes(parse_private_key(format_recovery_key(recovery))) == \
        keys.private_bytes(recovery)
    for wrong in (pair.public, "", "RGBK1-!!!!", "hello"):
        with pytest.raises(MalformedKey):
            parse_private_key(wrong)
    with pytest.raises(MalformedKey):
        parse_public_key(pair.private)
