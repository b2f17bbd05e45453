"""Tracking-code digest and wrap key: deterministic, pepper-bound, unrelated to each other."""

import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rongrian.crypto import tracking

codes = st.text(alphabet="0123456789ABCDEFGHJKMNPQRSTVWXYZ", min_size=16, max_size=16)
peppers = st.binary(min_size=32, max_size=64)


@given(pepper=peppers, code=codes)
def test_digest_is_deterministic_and_32_bytes(pepper: bytes, code: str) -> None:
    digest = tracking.tracking_digest(pepper, code)
    assert len(digest) == 32
    assert tracking.tracking_digest(pepper, code) == digest
    assert tracking.digests_equal(digest, tracking.tracking_digest(bytes(pepper), code))


@given(pepper=peppers, other=peppers, code=codes)
def test_digest_differs_by_pepper(pepper: bytes, other: bytes, code: str) -> None:
    if pepper == other:
        return
    assert tracking.tracking_digest(pepper, code) != tracking.tracking_digest(other, code)
    assert tracking.tracking_wrap_key(pepper, code) != tracking.tracking_wrap_key(other, code)


@given(pepper=peppers, code=codes, other=codes)
def test_digest_differs_by_code(pepper: bytes, code: str, other: str) -> None:
    if code == other:
        return
    assert tracking.tracking_digest(pepper, code) != tracking.tracking_digest(pepper, other)
    assert not tracking.digests_equal(tracking.tracking_digest(pepper, code),
                                      tracking.tracking_digest(pepper, other))
    assert tracking.tracking_wrap_key(pepper, code) != tracking.tracking_wrap_key(pepper, other)


@given(pepper=peppers, code=codes)
def test_wrap_key_differs_from_digest(pepper: bytes, code: str) -> None:
    wrap = tracking.tracking_wrap_key(pepper, code)
    assert len(wrap) == 32
    assert tracking.tracking_wrap_key(pepper, code) == wrap
    assert wrap != tracking.tracking_digest(pepper, code)


@pytest.mark.parametrize("length", [0, 1, 16, 31])
def test_short_pepper_is_rejected(length: int) -> None:
    code = "0123456789ABCDEF"
    with pytest.raises(ValueError, match="pepper"):
        tracking.tracking_digest(os.urandom(length), code)
    with pytest.raises(ValueError, match="pepper"):
        tracking.tracking_wrap_key(os.urandom(length), code)
