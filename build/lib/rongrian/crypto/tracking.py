"""Tracking-code hashing and the key the complainant's code unlocks.

A tracking code is never stored. The database keeps ``HMAC-SHA256(pepper, code)`` to find the
complaint, and the complaint's data key wrapped under ``HKDF-SHA256(code, salt=pepper)``, so the
code alone (with the server's pepper) lets its holder read their own thread (DESIGN.md, promise 4).
The two derivations use different labels so one never reveals the other.
"""

import hashlib
import hmac

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from rongrian.crypto.aead import KEY_BYTES

_LOOKUP_LABEL = b"rongrian/tracking-lookup/v1\x00"
_WRAP_INFO = b"rongrian/tracking-wrap/v1"
MIN_PEPPER_BYTES = 32


def _check_pepper(pepper: bytes) -> None:
    if len(pepper) < MIN_PEPPER_BYTES:
        raise ValueError(f"pepper must be at least {MIN_PEPPER_BYTES} bytes")


def tracking_digest(pepper: bytes, code: str) -> bytes:
    """32-byte HMAC-SHA256 of a *normalised* tracking code under the server pepper."""
    _check_pepper(pepper)
    return hmac.new(pepper, _LOOKUP_LABEL + code.encode("ascii"), hashlib.sha256).digest()


def tracking_wrap_key(pepper: bytes, code: str) -> bytes:
    """32-byte AES key derived from a *normalised* tracking code (HKDF-SHA256, salt = pepper)."""
    _check_pepper(pepper)
    return HKDF(
        algorithm=hashes.SHA256(), length=KEY_BYTES, salt=pepper, info=_WRAP_INFO
    ).derive(code.encode("ascii"))


def digests_equal(left: bytes, right: bytes) -> bool:
    """Constant-time comparison of two digests."""
    return hmac.compare_digest(left, right)
