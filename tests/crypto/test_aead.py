"""AES-256-GCM content encryption: round trips, and every kind of tampering is refused."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rongrian.crypto import aead
from rongrian.crypto.errors import DecryptionFailed, MalformedKey

keys_ = st.binary(min_size=aead.KEY_BYTES, max_size=aead.KEY_BYTES)


@given(key=keys_, plaintext=st.binary(max_size=2048), aad=st.binary(max_size=256))
def test_round_trip_for_any_bytes_and_associated_data(key: bytes, plaintext: bytes,
                                                      aad: bytes) -> None:
    blob = aead.encrypt(key, plaintext, aad)
    assert len(blob) == aead.NONCE_BYTES + len(plaintext) + aead.TAG_BYTES
    assert aead.decrypt(key, blob, aad) == plaintext


@given(plaintext=st.binary(max_size=512))
def test_two_encryptions_of_the_same_text_differ(plaintext: bytes) -> None:
    key = aead.new_key()
    assert aead.encrypt(key, plaintext, b"x") != aead.encrypt(key, plaintext, b"x")


@given(plaintext=st.binary(max_size=512), aad=st.binary(max_size=64), data=st.data())
def test_any_changed_byte_of_the_blob_fails(plaintext: bytes, aad: bytes,
                                            data: st.DataObject) -> None:
    key = aead.new_key()
    blob = bytearray(aead.encrypt(key, plaintext, aad))
    # Nonce, ciphertext and tag are all reachable: the index covers the whole blob.
    index = data.draw(st.integers(0, len(blob) - 1), label="index")
    delta = data.draw(st.integers(1, 255), label="xor")
    blob[index] ^= delta
    with pytest.raises(DecryptionFailed):
        aead.decrypt(key, bytes(blob), aad)


@pytest.mark.parametrize("where", ["nonce", "ciphertext", "tag"])
def test_each_part_of_the_blob_is_authenticated(where: str) -> None:
    key = aead.new_key()
    blob = bytearray(aead.encrypt(key, b"plaintext of several bytes", b"aad"))
    index = {"nonce": 0, "ciphertext": aead.NONCE_BYTES + 3, "tag": len(blob) - 1}[where]
    blob[index] ^= 0x01
    with pytest.raises(DecryptionFailed):
        aead.decrypt(key, bytes(blob), b"aad")


@given(plaintext=st.binary(max_size=256), aad=st.binary(max_size=64), data=st.data())
def test_changed_associated_data_fails(plaintext: bytes, aad: bytes,
                                       data: st.DataObject) -> None:
    key = aead.new_key()
    blob = aead.encrypt(key, plaintext, aad)
    other = data.draw(st.binary(max_size=64).filter(lambda b: b != aad), label="other aad")
    with pytest.raises(DecryptionFailed):
        aead.decrypt(key, blob, other)


@given(plaintext=st.binary(max_size=256), other_key=keys_)
def test_wrong_key_fails(plaintext: bytes, other_key: bytes) -> None:
    key = aead.new_key()
    blob = aead.encrypt(key, plaintext, b"")
    if other_key == key:  # pragma: no cover - 2**-256
        return
    with pytest.raises(DecryptionFailed):
        aead.decrypt(other_key, blob, b"")


@settings(max_examples=50)
@given(blob=st.binary(max_size=aead.NONCE_BYTES + aead.TAG_BYTES + 8))
def test_short_or_random_blobs_fail_cleanly(blob: bytes) -> None:
    with pytest.raises(DecryptionFailed):
        aead.decrypt(aead.new_key(), blob, b"")


def test_truncated_blob_fails() -> None:
    key = aead.new_key()
    blob = aead.encrypt(key, b"hello", b"")
    for cut in range(len(blob)):
        with pytest.raises(DecryptionFailed):
            aead.decrypt(key, blob[:cut], b"")


@pytest.mark.parametrize("length", [0, 16, 24, 31, 33, 64])
def test_key_of_wrong_length_is_malformed(length: int) -> None:
    with pytest.raises(MalformedKey):
        aead.encrypt(bytes(length), b"x", b"")
    with pytest.raises(MalformedKey):
        aead.decrypt(bytes(length), bytes(40), b"")


def test_new_keys_are_32_random_bytes() -> None:
    made = {aead.new_key() for _ in range(16)}
    assert len(made) == 16
    assert all(len(k) == 32 for k in made)
