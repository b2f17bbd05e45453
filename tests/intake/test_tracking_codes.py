"""Tracking codes: 16 Crockford symbols, grouped for people, forgiving of how they are typed."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rongrian.intake.errors import MalformedTrackingCode
from rongrian.intake.tracking_codes import ALPHABET, display, new_tracking_code, normalise

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
THAI_DIGITS = dict(zip("0123456789", "๐๑๒๓๔๕๖๗๘๙", strict=True))
codes = st.text(alphabet=CROCKFORD, min_size=16, max_size=16)


def test_alphabet_is_crockford_base32() -> None:
    assert ALPHABET == CROCKFORD
    assert len(set(ALPHABET)) == 32


def test_every_new_code_is_16_crockford_symbols() -> None:
    for _ in range(1000):
        code = new_tracking_code()
        assert len(code) == 16
        assert set(code) <= set(CROCKFORD)
        assert normalise(code) == code


def test_new_codes_do_not_repeat() -> None:
    made = {new_tracking_code() for _ in range(2000)}
    assert len(made) == 2000


def test_new_codes_use_the_whole_alphabet() -> None:
    seen = set("".join(new_tracking_code() for _ in range(200)))
    assert seen == set(CROCKFORD)


@given(code=codes)
def test_display_groups_4_4_4_4_and_normalises_back(code: str) -> None:
    shown = display(code)
    assert [len(group) for group in shown.split("-")] == [4, 4, 4, 4]
    assert shown.replace("-", "") == code
    assert normalise(shown) == code


@given(code=codes, lower=st.lists(st.booleans(), min_size=16, max_size=16),
       lookalike=st.lists(st.booleans(), min_size=16, max_size=16),
       thai=st.lists(st.booleans(), min_size=16, max_size=16),
       gaps=st.lists(st.sampled_from(["", "", " ", "-", "  ", "\u00a0", "–", "\t"]),
                     min_size=16, max_size=16))
def test_normalise_forgives_case_separators_lookalikes_and_thai_digits(
    code: str, lower: list[bool], lookalike: list[bool], thai: list[bool], gaps: list[str]
) -> None:
    typed = []
    for ch, low, look, th, gap in zip(code, lower, lookalike, thai, gaps, strict=True):
        if look and ch == "0":
            ch = "O"
        elif look and ch == "1":
            ch = "L" if th else "I"
        elif th and ch in THAI_DIGITS:
            ch = THAI_DIGITS[ch]
        typed.append((ch.lower() if low else ch) + gap)
    assert normalise(" " + "".join(typed) + " ") == code


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("abcd-efgh-jkmn-pqrs", "ABCDEFGHJKMNPQRS"),
        ("ABCD EFGH JKMN PQRS", "ABCDEFGHJKMNPQRS"),
        ("oOiI-lL01-0000-1111", "0011110100001111"),
        ("๐๑๒๓-๔๕๖๗-๘๙AB-CDEF", "0123456789ABCDEF"),
        ("  tvwx yz00 1111 2222\n", "TVWXYZ0011112222"),
    ],
)
def test_normalise_examples(typed: str, expected: str) -> None:
    assert normalise(typed) == expected


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("", "length"),
        ("   -  ", "length"),
        ("A" * 15, "length"),
        ("A" * 17, "length"),
        ("ABCD-EFGH-JKMN-PQR", "length"),
        ("ABCD-EFGH-JKMN-PQRST", "length"),
        ("U" + "A" * 15, "alphabet"),
        ("!" + "A" * 15, "alphabet"),
        ("U", "alphabet"),
        ("!", "alphabet"),
        ("ABCD_EFGH_JKMN_PQRS", "alphabet"),
        ("ABCD.EFGH.JKMN.PQRS", "alphabet"),
        ("ก" * 16, "alphabet"),
        ("２" * 16, "alphabet"),  # full-width digits are not accepted
    ],
)
def test_malformed_codes_raise(typed: str, reason: str) -> None:
    with pytest.raises(MalformedTrackingCode, match=reason):
        normalise(typed)


@given(text=st.text(max_size=40))
def test_normalise_raises_only_malformed_tracking_code(text: str) -> None:
    try:
        code = normalise(text)
    except MalformedTrackingCode:
        return
    assert len(code) == 16
    assert set(code) <= set(CROCKFORD)
