"""Sealed boxes: encrypt to an X25519 public key so that only the private key opens it.

Construction (DESIGN.md, "Mechanism"): an ephemeral X25519 key pair per box; the shared secret
goes through HKDF-SHA256 (salt = ephemeral public || recipient public, info = a fixed label) to a
256-bit key; the payload is AES-256-GCM under that key with the caller's associated data.

Box layout (bytes): ``ephemeral public key (32) || nonce (12) || ciphertext || tag (16)``.
"""

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from rongrian.crypto import aead
from rongrian.crypto.errors import DecryptionFailed
from rongrian.crypto.keys import public_bytes

_INFO = b"rongrian/sealed-box/v1"
PUBLIC_BYTES = 32
OVERHEAD = PUBLIC_BYTES + aead.NONCE_BYTES + aead.TAG_BYTES


def _box_key(shared: bytes, ephemeral_public: bytes, recipient_public: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(),
        length=aead.KEY_BYTES,
        salt=ephemeral_public + recipient_public,
        info=_INFO,
    ).derive(shared)


def seal(recipient: X25519PublicKey, plaintext: bytes, associated_data: bytes) -> bytes:
    """Encrypt ``plaintext`` so only the holder of ``recipient``'s private key can open it.

    Returns a box of ``len(plaintext) + OVERHEAD`` (60) bytes.
    """
    ephemeral = X25519PrivateKey.generate()
    ephemeral_public = public_bytes(ephemeral.public_key())
    key = _box_key(ephemeral.exchange(recipient), ephemeral_public, public_bytes(recipient))
    return ephemeral_public + aead.encrypt(key, plaintext, associated_data)


def open_sealed(recipient: X25519PrivateKey, box: bytes, associated_data: bytes) -> bytes:
    """Open a box made by :func:`seal` for ``recipient``'s public key.

    Raises :class:`DecryptionFailed` for a wrong key, a changed byte or other associated data.
    """
    if len(box) < OVERHEAD:
        raise DecryptionFailed("sealed box too short")
    ephemeral_public = box[:PUBLIC_BYTES]
    try:
        shared = recipient.exchange(X25519PublicKey.from_public_bytes(ephemeral_public))
    except ValueError as exc:  # an all-zero (low-order) point yields no shared secret
        raise DecryptionFailed("sealed box has an invalid ephemeral key") from exc
    key = _box_key(shared, ephemeral_public, public_bytes(recipient.public_key()))
    return aead.decrypt(key, box[PUBLIC_BYTES:], associated_data)
