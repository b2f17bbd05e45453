"""Content encryption: AES-256-GCM with a random 96-bit nonce per message.

Blob layout (bytes): ``nonce (12) || ciphertext || tag (16)``. The associated data binds a blob
to its place (for example the complaint id), so a blob moved to another row fails to open.
"""

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from rongrian.crypto.errors import DecryptionFailed, MalformedKey

KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16


def new_key() -> bytes:
    """Return a fresh random 256-bit AES key (32 bytes)."""
    return AESGCM.generate_key(bit_length=256)


def _cipher(key: bytes) -> AESGCM:
    if len(key) != KEY_BYTES:
        raise MalformedKey(f"AES-256-GCM key must be {KEY_BYTES} bytes, got {len(key)}")
    return AESGCM(key)


def encrypt(key: bytes, plaintext: bytes, associated_data: bytes) -> bytes:
    """Encrypt ``plaintext`` under ``key`` (32 bytes); return ``nonce || ciphertext || tag``.

    Raises :class:`MalformedKey` if ``key`` is not 32 bytes.
    """
    nonce = os.urandom(NONCE_BYTES)
    return nonce + _cipher(key).encrypt(nonce, plaintext, associated_data)


def decrypt(key: bytes, blob: bytes, associated_data: bytes) -> bytes:
    """Open a blob made by :func:`encrypt` with the same key and associated data.

    Raises :class:`DecryptionFailed` if the blob is short, altered, or the key or associated
    data differ; :class:`MalformedKey` if ``key`` is not 32 bytes.
    """
    cipher = _cipher(key)
    if len(blob) < NONCE_BYTES + TAG_BYTES:
        raise DecryptionFailed("ciphertext too short")
    try:
        return cipher.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], associated_data)
    except InvalidTag as exc:
        raise DecryptionFailed("ciphertext failed authentication") from exc
