"""Length hiding for stored plaintexts: pad to a multiple of a block before encryption.

Layout: ``length (4 bytes, big-endian) || data || zero bytes`` up to a multiple of ``block``.
This is framing, not a cipher: it only stops ciphertext length from telling a short anonymous
tip from a long signed complaint.
"""

from rongrian.crypto.errors import DecryptionFailed, PaddingOverflow

_LENGTH_BYTES = 4
#: Bytes of the length frame in front of the data.
FRAME_BYTES = _LENGTH_BYTES


def pad(data: bytes, block: int = 256) -> bytes:
    """Return ``data`` framed and padded to a multiple of ``block`` bytes."""
    framed = len(data).to_bytes(_LENGTH_BYTES, "big") + data
    return framed + bytes(-len(framed) % block)


def pad_exact(data: bytes, size: int) -> bytes:
    """Return ``data`` framed as by :func:`pad` and padded to exactly ``size`` bytes.

    For records whose size must not tell anything (the identity record: anonymous or named).
    Raises :class:`PaddingOverflow` if ``data`` needs more than ``size`` bytes with its 4-byte
    frame. :func:`unpad` reverses it.
    """
    framed = len(data).to_bytes(_LENGTH_BYTES, "big") + data
    if len(framed) > size:
        raise PaddingOverflow(f"record of {len(data)} bytes does not fit in {size} bytes")
    return framed + bytes(size - len(framed))


def unpad(padded: bytes) -> bytes:
    """Reverse :func:`pad`; raises ``DecryptionFailed`` if the frame is inconsistent."""
    if len(padded) < _LENGTH_BYTES:
        raise DecryptionFailed("padded plaintext too short")
    length = int.from_bytes(padded[:_LENGTH_BYTES], "big")
    end = _LENGTH_BYTES + length
    if end > len(padded):
        raise DecryptionFailed("padded plaintext length out of range")
    return padded[_LENGTH_BYTES:end]
