"""Length hiding: padded plaintexts are a multiple of the block and unpad exactly."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rongrian.crypto import padding
from rongrian.crypto.errors import DecryptionFailed, PaddingOverflow


@given(data=st.binary(max_size=4096), block=st.integers(1, 1024))
def test_round_trip_and_length_is_a_multiple_of_the_block(data: bytes, block: int) -> None:
    padded = padding.pad(data, block)
    assert len(padded) % block == 0
    assert len(padded) >= len(data) + 4
    assert len(padded) < len(data) + 4 + block
    assert padding.unpad(padded) == data


@given(data=st.binary(max_size=251))
def test_default_block_hides_lengths_below_256(data: bytes) -> None:
    assert len(padding.pad(data)) == 256


@given(left=st.binary(max_size=600), right=st.binary(max_size=600))
def test_same_bucket_same_length(left: bytes, right: bytes) -> None:
    same_bucket = (len(left) + 4 - 1) // 256 == (len(right) + 4 - 1) // 256
    assert (len(padding.pad(left)) == len(padding.pad(right))) == same_bucket


@pytest.mark.parametrize(
    "padded",
    [b"", b"\x00", b"\x00\x00\x00", b"\x00\x00\x00\x05abcd", b"\xff\xff\xff\xff" + bytes(60)],
)
def test_inconsistent_frames_fail(padded: bytes) -> None:
    with pytest.raises(DecryptionFailed):
        padding.unpad(padded)


@given(data=st.binary(max_size=2044), extra=st.integers(0, 64))
def test_pad_exact_gives_one_size_whatever_the_data(data: bytes, extra: int) -> None:
    size = 2048 + extra
    padded = padding.pad_exact(data, size)
    assert len(padded) == size
    assert padding.unpad(padded) == data


@pytest.mark.parametrize(("length", "size"), [(2045, 2048), (1, 4), (300, 256)])
def test_pad_exact_refuses_what_does_not_fit(length: int, size: int) -> None:
    with pytest.raises(PaddingOverflow, match=f"does not fit in {size} bytes"):
        padding.pad_exact(bytes(length), size)
