"""Data-key generations: a generation opens every older one and nothing newer; links, wrapped
complainant keys and their associated data cannot be changed, swapped or replayed."""

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from rongrian.crypto import aead, epochs, keys
from rongrian.crypto.errors import DecryptionFailed, MalformedKey

COMPLAINT = b"\x01" * 16


def _aad(generation: int, complaint: bytes = COMPLAINT) -> bytes:
    return b"link:" + complaint + generation.to_bytes(4, "big")


def _chain(length: int) -> tuple[dict[int, bytes], dict[int, bytes]]:
    """Generations 1..``length``: their keys and the links of 2..``length``."""
    found, links = {1: aead.new_key()}, {}
    for generation in range(2, length + 1):
        found[generation], links[generation] = epochs.next_generation(
            found[generation - 1], _aad(generation))
    return found, links


@settings(max_examples=40)
@given(length=st.integers(1, 8), held=st.data())
def test_a_generation_opens_itself_and_every_older_one(length: int,
                                                      held: st.DataObject) -> None:
    found, links = _chain(length)
    generation = held.draw(st.integers(1, length), label="held generation")
    opened = epochs.unwind(found[generation], generation, links, _aad)
    assert opened == {g: found[g] for g in range(1, generation + 1)}
    assert len(set(found.values())) == length  # every generation is a fresh key


@settings(max_examples=40)
@given(length=st.integers(2, 6), data=st.data())
def test_an_older_generation_opens_no_newer_link(length: int, data: st.DataObject) -> None:
    found, links = _chain(length)
    older = data.draw(st.integers(1, length - 1), label="older")
    for generation in range(older + 1, length + 1):
        with pytest.raises(DecryptionFailed):
            epochs.open_link(found[older], links[generation], _aad(generation))


@settings(max_examples=60)
@given(length=st.integers(2, 5), data=st.data())
def test_any_flipped_byte_in_any_link_fails(length: int, data: st.DataObject) -> None:
    found, links = _chain(length)
    generation = data.draw(st.integers(2, length), label="generation")
    blob = bytearray(links[generation])
    blob[data.draw(st.integers(0, len(blob) - 1), label="index")] ^= data.draw(
        st.integers(1, 255), label="xor")
    links[generation] = bytes(blob)
    with pytest.raises(DecryptionFailed):
        epochs.unwind(found[length], length, links, _aad)


@settings(max_examples=30)
@given(length=st.integers(3, 6), data=st.data())
def test_swapped_links_and_wrong_generations_fail(length: int, data: st.DataObject) -> None:
    found, links = _chain(length)
    first = data.draw(st.integers(2, length - 1), label="first")
    second = data.draw(st.integers(first + 1, length), label="second")
    swapped = dict(links)
    swapped[first], swapped[second] = links[second], links[first]
    with pytest.raises(DecryptionFailed):
        epochs.unwind(found[length], length, swapped, _aad)
    # A key presented as another generation (the associated data names the generation).
    with pytest.raises(DecryptionFailed):
        epochs.unwind(found[second], first, links, _aad)
    # The same links under another complaint's associated data.
    with pytest.raises(DecryptionFailed):
        epochs.unwind(found[length], length, links, lambda g: _aad(g, b"\x02" * 16))


def test_a_missing_link_fails_and_generations_start_at_one() -> None:
    found, links = _chain(3)
    del links[2]
    with pytest.raises(DecryptionFailed, match="generation 2 is missing"):
        epochs.unwind(found[3], 3, links, _aad)
    with pytest.raises(ValueError, match="start at 1"):
        epochs.unwind(found[1], 0, {}, _aad)


def test_a_link_must_hold_a_key() -> None:
    with pytest.raises(MalformedKey):
        epochs.next_generation(b"short", _aad(2))
    key = aead.new_key()
    not_a_key = aead.encrypt(key, b"sixteen bytes!!!", _aad(2))
    with pytest.raises(DecryptionFailed):
        epochs.open_link(key, not_a_key, _aad(2))


@settings(max_examples=30)
@given(aad=st.binary(max_size=64))
def test_wrapped_private_key_round_trip(aad: bytes) -> None:
    wrap_key, private = aead.new_key(), X25519PrivateKey.generate()
    blob = epochs.wrap_private(wrap_key, private, aad)
    opened = epochs.unwrap_private(wrap_key, blob, aad)
    assert keys.private_bytes(opened) == keys.private_bytes(private)


@settings(max_examples=60)
@given(data=st.data())
def test_wrapped_private_key_fails_on_any_change(data: st.DataObject) -> None:
    wrap_key, private = aead.new_key(), X25519PrivateKey.generate()
    blob = bytearray(epochs.wrap_private(wrap_key, private, b"complainant-key:1"))
    blob[data.draw(st.integers(0, len(blob) - 1), label="index")] ^= data.draw(
        st.integers(1, 255), label="xor")
    with pytest.raises(DecryptionFailed):
        epochs.unwrap_private(wrap_key, bytes(blob), b"complainant-key:1")
    intact = epochs.wrap_private(wrap_key, private, b"complainant-key:1")
    for key, aad in ((aead.new_key(), b"complainant-key:1"), (wrap_key, b"complainant-key:2")):
        with pytest.raises(DecryptionFailed):
            epochs.unwrap_private(key, intact, aad)
