"""Sealed boxes (X25519 + HKDF-SHA256 + AES-256-GCM): only the recipient opens them."""

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from rongrian.crypto import aead, keys, sealed
from rongrian.crypto.errors import DecryptionFailed

RECIPIENT = X25519PrivateKey.generate()
OTHER = X25519PrivateKey.generate()

# Low-order points of Curve25519 (and non-canonical encodings of them) in little-endian form,
# as listed by libsodium's and the NaCl community's blocklists. Each yields an all-zero shared
# secret, which ``cryptography`` refuses with ValueError.
_P = 2**255 - 19
LOW_ORDER_POINTS = [
    0,
    1,
    325606250916557431795983626356110631294008115727848805560023387167927233504,
    39382357235489614581723060781553021112529911719440698176882885853963445705823,
    _P - 1,
    _P,
    _P + 1,
]


@given(plaintext=st.binary(max_size=1024), aad=st.binary(max_size=128))
def test_round_trip_for_any_bytes(plaintext: bytes, aad: bytes) -> None:
    box = sealed.seal(RECIPIENT.public_key(), plaintext, aad)
    assert len(box) == len(plaintext) + sealed.OVERHEAD
    assert sealed.open_sealed(RECIPIENT, box, aad) == plaintext


@given(plaintext=st.binary(max_size=256), aad=st.binary(max_size=32), data=st.data())
def test_any_flipped_byte_fails(plaintext: bytes, aad: bytes, data: st.DataObject) -> None:
    box = bytearray(sealed.seal(RECIPIENT.public_key(), plaintext, aad))
    index = data.draw(st.integers(0, len(box) - 1), label="index")
    delta = data.draw(st.integers(1, 255), label="xor")
    box[index] ^= delta
    with pytest.raises(DecryptionFailed):
        sealed.open_sealed(RECIPIENT, bytes(box), aad)


@pytest.mark.parametrize(
    ("where", "index", "xor"),
    [
        ("ephemeral key, first byte", 0, 0x01),
        # X25519 ignores the top bit of a public key: the shared secret stays the same, so
        # only binding the raw ephemeral key into the HKDF salt catches this change.
        ("ephemeral key, ignored top bit", 31, 0x80),
        ("nonce", sealed.PUBLIC_BYTES, 0x01),
        ("ciphertext", sealed.PUBLIC_BYTES + aead.NONCE_BYTES + 1, 0x01),
        ("tag", -1, 0x01),
    ],
)
def test_each_part_of_the_box_is_authenticated(where: str, index: int, xor: int) -> None:
    box = bytearray(sealed.seal(RECIPIENT.public_key(), b"a data key of 32 bytes.........", b"a"))
    box[index] ^= xor
    with pytest.raises(DecryptionFailed):
        sealed.open_sealed(RECIPIENT, bytes(box), b"a")


@given(plaintext=st.binary(max_size=128), aad=st.binary(max_size=32), data=st.data())
def test_changed_associated_data_fails(plaintext: bytes, aad: bytes,
                                       data: st.DataObject) -> None:
    box = sealed.seal(RECIPIENT.public_key(), plaintext, aad)
    other = data.draw(st.binary(max_size=32).filter(lambda b: b != aad), label="other aad")
    with pytest.raises(DecryptionFailed):
        sealed.open_sealed(RECIPIENT, box, other)


@settings(max_examples=30)
@given(plaintext=st.binary(max_size=128))
def test_box_for_one_recipient_does_not_open_with_another_key(plaintext: bytes) -> None:
    box = sealed.seal(RECIPIENT.public_key(), plaintext, b"")
    with pytest.raises(DecryptionFailed):
        sealed.open_sealed(OTHER, box, b"")
    with pytest.raises(DecryptionFailed):
        sealed.open_sealed(X25519PrivateKey.generate(), box, b"")


@pytest.mark.parametrize("point", LOW_ORDER_POINTS)
def test_low_order_ephemeral_key_fails_with_decryption_failed(point: int) -> None:
    box = bytearray(sealed.seal(RECIPIENT.public_key(), b"secret", b""))
    box[: sealed.PUBLIC_BYTES] = (point % 2**256).to_bytes(32, "little")
    with pytest.raises(DecryptionFailed):
        sealed.open_sealed(RECIPIENT, bytes(box), b"")


def test_all_zero_ephemeral_key_is_decryption_failed_not_value_error() -> None:
    box = bytes(sealed.PUBLIC_BYTES) + sealed.seal(RECIPIENT.public_key(), b"x", b"")[32:]
    with pytest.raises(DecryptionFailed) as caught:
        sealed.open_sealed(RECIPIENT, box, b"")
    assert not isinstance(caught.value, ValueError)


@pytest.mark.parametrize("length", [0, 1, sealed.OVERHEAD - 1])
def test_short_box_fails(length: int) -> None:
    with pytest.raises(DecryptionFailed):
        sealed.open_sealed(RECIPIENT, bytes(length), b"")


def test_every_box_uses_a_new_ephemeral_key() -> None:
    boxes = [sealed.seal(RECIPIENT.public_key(), b"same", b"") for _ in range(8)]
    assert len({box[: sealed.PUBLIC_BYTES] for box in boxes}) == 8
    recipient_public = keys.public_bytes(RECIPIENT.public_key())
    assert all(recipient_public not in box for box in boxes)
