"""Reading a tracking code over the telephone: every symbol has Thai words, and the words
never make two symbols sound alike."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rongrian.intake.tracking_codes import ALPHABET, LENGTH
from rongrian.web.phonetic import spelled, spoken


def test_every_symbol_a_code_can_hold_has_its_own_words() -> None:
    words = {spoken(symbol) for symbol in ALPHABET}
    assert len(words) == len(ALPHABET)
    assert spoken("0") == "ศูนย์"
    assert spoken("A") == "เอ (แอลฟา)"


@pytest.mark.parametrize("symbol", ["I", "L", "O", "U", "a", "-"])
def test_symbols_outside_the_alphabet_have_no_words(symbol: str) -> None:
    with pytest.raises(KeyError):
        spoken(symbol)


@given(st.text(alphabet=ALPHABET, min_size=LENGTH, max_size=LENGTH))
def test_a_code_is_spelled_in_four_groups_of_four_in_order(code: str) -> None:
    groups = spelled(f"{code[:4]}-{code[4:8]} {code[8:12]}{code[12:]}".lower())
    assert [len(group) for group in groups] == [4, 4, 4, 4]
    assert "".join(symbol for group in groups for symbol, _words in group) == code
