"""Finding what could identify an anonymous complainant in their own text.

A person who chooses to stay anonymous may still type their national ID number, phone number or
e-mail address into the story ("call me on 081-234-5678"). Before filing, the channels show them
what was found and let them edit (issue 3, "Warn before it identifies"). Nothing is removed
automatically: the text is theirs, and a number may be the accused official's, not theirs.

Rules:
- Thai national ID (เลขประจำตัวประชาชน): 13 digits, written together or grouped
  ``1-2345-67890-12-3``; the last digit is the check digit of the Department of Provincial
  Administration's scheme: ``(11 - (sum of digit[i] * (13 - i) for i in 0..11) mod 11) mod 10``.
  Thirteen digits that fail the check are not reported (an account or case number, most likely).
- Thai phone numbers: mobile ``06``, ``08``, ``09`` + 8 digits and fixed lines ``02``-``05``,
  ``07`` + 7 digits (the NBTC numbering plan), with or without a separator (space, dash, dot)
  between any two digits, or in the international form ``+66`` + 8 or 9 digits.
- E-mail addresses: ``local@domain.tld``.
Thai digits (๐-๙) count as digits.
"""

import enum
import re
from dataclasses import dataclass

from rongrian.intake.tracking_codes import THAI_DIGITS


class IdentifierKind(enum.StrEnum):
    """What kind of identifier was found."""

    NATIONAL_ID = "national_id"
    PHONE = "phone"
    EMAIL = "email"


@dataclass(frozen=True, slots=True)
class Finding:
    """One identifier in ``field``: its kind and the text as typed."""

    field: str
    kind: IdentifierKind
    text: str


_SEP = r"[ \-.]?"
_NATIONAL_ID = re.compile(
    r"(?<!\d)(\d)" + _SEP + r"(\d{4})" + _SEP + r"(\d{5})" + _SEP + r"(\d{2})" + _SEP
    + r"(\d)(?!\d)"
)
_DIGIT = r"[ \-.]?\d"
_PHONE = re.compile(
    r"(?<![\d+])(?:0[689](?:" + _DIGIT + r"){8}|0[2-57](?:" + _DIGIT + r"){7}"
    r"|\+66(?:" + _DIGIT + r"){8,9})(?![ \-.]?\d)"
)
_EMAIL = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)*\.[A-Za-z]{2,}")


def national_id_is_valid(digits: str) -> bool:
    """Whether 13 ASCII ``digits`` carry a valid Thai national ID check digit.

    Raises ``ValueError`` if ``digits`` is not exactly 13 ASCII digits.
    """
    if len(digits) != 13 or not digits.isascii() or not digits.isdigit():
        raise ValueError("a Thai national ID has 13 digits")
    total = sum(int(digit) * (13 - index) for index, digit in enumerate(digits[:12]))
    return (11 - total % 11) % 10 == int(digits[12])


def _national_ids(text: str) -> list[tuple[int, int]]:
    return [
        match.span()
        for match in _NATIONAL_ID.finditer(text)
        if national_id_is_valid("".join(match.groups()))
    ]


def _spans(pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    return [match.span() for match in pattern.finditer(text)]


def identifiers_in(field: str, text: str) -> list[Finding]:
    """Every national ID, phone number and e-mail address in ``text`` (a field named ``field``),
    as typed, in that order of kinds; a national ID is not reported again as a phone number."""
    readable = text.translate(THAI_DIGITS)
    ids = _national_ids(readable)
    masked = list(readable)
    for start, end in ids:
        masked[start:end] = " " * (end - start)
    spans = [
        *((IdentifierKind.NATIONAL_ID, span) for span in ids),
        *((IdentifierKind.PHONE, span) for span in _spans(_PHONE, "".join(masked))),
        *((IdentifierKind.EMAIL, span) for span in _spans(_EMAIL, readable)),
    ]
    return [Finding(field, kind, text[start:end]) for kind, (start, end) in spans]


def identifiers_in_fields(fields: dict[str, str]) -> list[Finding]:
    """:func:`identifiers_in` over several ``{field name: text}``, in the dict's order."""
    return [finding for field, text in fields.items() for finding in identifiers_in(field, text)]
