"""Spelling a tracking code aloud in Thai, for the desk officer who reads it over the telephone.

Tracking codes use Crockford's base32 (digits and Latin capitals without I, L, O, U), so Thai
letters' own spelling words (ก ไก่, ข ไข่) cannot name them. Thai call centres spell a Latin
letter by its Thai name followed by the ICAO/NATO spelling word written in Thai, and a digit by
its Thai number word; both are given here for every symbol a code can hold.
"""

from rongrian.intake.tracking_codes import normalise

#: Thai number words of the digits.
DIGITS = ("ศูนย์", "หนึ่ง", "สอง", "สาม", "สี่", "ห้า", "หก", "เจ็ด", "แปด", "เก้า")
#: Each Latin capital of the code alphabet: its Thai name and the ICAO spelling word in Thai.
LETTERS: dict[str, tuple[str, str]] = {
    "A": ("เอ", "แอลฟา"), "B": ("บี", "บราโว"), "C": ("ซี", "ชาร์ลี"), "D": ("ดี", "เดลตา"),
    "E": ("อี", "เอคโค"), "F": ("เอฟ", "ฟอกซ์ทรอต"), "G": ("จี", "กอล์ฟ"), "H": ("เอช", "โฮเทล"),
    "J": ("เจ", "จูเลียต"), "K": ("เค", "กิโล"), "M": ("เอ็ม", "ไมค์"), "N": ("เอ็น", "โนเวมเบอร์"),
    "P": ("พี", "ปาปา"), "Q": ("คิว", "ควิเบก"), "R": ("อาร์", "โรมิโอ"), "S": ("เอส", "เซียร์รา"),
    "T": ("ที", "แทงโก"), "V": ("วี", "วิกเตอร์"), "W": ("ดับเบิลยู", "วิสกี้"),
    "X": ("เอกซ์", "เอกซ์เรย์"), "Y": ("วาย", "แยงกี"), "Z": ("แซด", "ซูลู"),
}


def spoken(symbol: str) -> str:
    """How to say one symbol of a code: ``"ศูนย์"`` for ``0``, ``"เอ (แอลฟา)"`` for ``A``.

    Raises ``KeyError`` for a symbol outside the code alphabet.
    """
    if symbol.isdigit():
        return DIGITS[int(symbol)]
    name, word = LETTERS[symbol]
    return f"{name} ({word})"


def spelled(code: str) -> list[list[tuple[str, str]]]:
    """``code`` (any form :func:`rongrian.intake.tracking_codes.normalise` accepts) as groups of
    four ``(symbol, how to say it)`` pairs, as it is printed ``XXXX-XXXX-XXXX-XXXX``."""
    symbols = normalise(code)
    pairs = [(symbol, spoken(symbol)) for symbol in symbols]
    return [pairs[start:start + 4] for start in range(0, len(pairs), 4)]
