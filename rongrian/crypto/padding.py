"""Length hiding for stored plaintexts: pad to a multiple of a block before encryption.

Layout: ``length (4 bytes, big-endian) || data || zero bytes`` up to a multiple of ``block``.
This is framing, not a cipher: it only stops ciphertext length from telling a short anonymous
tip from a long signed complaint.
"""

from rongrian.crypto.errors import DecryptionFailed

_LENGTH_BYTES = 4


def pad(data: bytes, block: int = 256) -> bytes:
    """Return ``data`` framed and padded to a multiple of ``block`` bytes."""
    framed = len(data).to_bytes(_LENGTH_BYTES, "big") + data
    return framed + bytes(-len(framed) % block)


def unpad(padded: bytes) -> bytes:
    """Reverse :func:`pad`; raises ``DecryptionFailed`` if the frame is inconsistent."""
    if len(padded) < _LENGTH_BYTES:
        raise DecryptionFailed("padded plaintext too short")
    length = int.from_bytes(padded[:_LENGTH_BYTES], "big")
    end = _LENGTH_BYTES + length
    if end > len(padded):
        raise DecryptionFailed("padded plaintext length out of range")
    return padded[_LENGTH_BYTES:end]
