"""Tracking codes (รหัสติดตามเรื่อง): the complainant's only credential.

16 symbols of Crockford's base32 (80 bits) drawn with :mod:`secrets`, shown grouped
``XXXX-XXXX-XXXX-XXXX`` (DESIGN.md). Input is forgiving the way Crockford's spec asks: case is
ignored, dashes and spaces are dropped, ``O`` reads as ``0`` and ``I``/``L`` as ``1``; Thai digits
(๐–๙) read as Arabic digits.
"""

import secrets

from rongrian.intake.errors import MalformedTrackingCode

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 16
GROUP = 4
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
#: Thai digits ๐-๙ read as 0-9 (a display option people may type; DESIGN.md, Thai conventions).
THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
_SEPARATORS = frozenset(" \t\r\n-‐‑‒–—\u00a0\u200b")


def new_tracking_code() -> str:
    """Return a fresh normalised code of 16 Crockford symbols (80 random bits)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise(text: str) -> str:
    """Turn what a person typed into the 16-symbol canonical code.

    Raises :class:`MalformedTrackingCode` with ``"length"`` or ``"alphabet"`` as its message
    (``"type"`` when ``text`` is not a ``str``).
    """
    if not isinstance(text, str):
        raise MalformedTrackingCode("type")
    compact = "".join(ch for ch in text if ch not in _SEPARATORS)
    code = compact.translate(THAI_DIGITS).upper().translate(_LOOKALIKES)
    if any(ch not in ALPHABET for ch in code):
        raise MalformedTrackingCode("alphabet")
    if len(code) != LENGTH:
        raise MalformedTrackingCode("length")
    return code


def display(code: str) -> str:
    """Group a normalised code for people: ``XXXX-XXXX-XXXX-XXXX``."""
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))
