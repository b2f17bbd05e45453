"""X25519 key pairs, password-derived keys and the printable recovery key.

Password keys: Argon2id (RFC 9106) from ``cryptography``; scrypt (RFC 7914) where this build of
``cryptography`` has no Argon2id. The parameters travel with the wrapped key (:class:`KdfParams`)
so that stronger settings can be adopted later without breaking old accounts.
"""

import base64
import json
import os
from dataclasses import asdict, dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import (
    X25519PrivateKey as X25519PrivateKey,
)
from cryptography.hazmat.primitives.asymmetric.x25519 import (
    X25519PublicKey as X25519PublicKey,
)
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from rongrian.crypto import aead
from rongrian.crypto.errors import MalformedKey

# X25519PrivateKey/X25519PublicKey are re-exported above ("import X as X") so that intake/ can
# name the key types without importing cryptography itself (DESIGN.md: SQLAlchemy and crypto/).

try:
    from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
except ImportError:  # pragma: no cover - cryptography < 44
    Argon2id = None  # type: ignore[assignment,misc]

KEY_BYTES = 32
SALT_BYTES = 16


def generate_private_key() -> X25519PrivateKey:
    """Return a new random X25519 private key."""
    return X25519PrivateKey.generate()


def public_bytes(key: X25519PublicKey) -> bytes:
    """Raw 32-byte encoding of an X25519 public key."""
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def private_bytes(key: X25519PrivateKey) -> bytes:
    """Raw 32-byte encoding of an X25519 private key. Handle with care: never store in clear."""
    return key.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )


def load_public(raw: bytes) -> X25519PublicKey:
    """Load a raw 32-byte X25519 public key; raises :class:`MalformedKey` on a wrong length."""
    if len(raw) != KEY_BYTES:
        raise MalformedKey("X25519 public key must be 32 bytes")
    return X25519PublicKey.from_public_bytes(raw)


def load_private(raw: bytes) -> X25519PrivateKey:
    """Load a raw 32-byte X25519 private key; raises :class:`MalformedKey` on a wrong length."""
    if len(raw) != KEY_BYTES:
        raise MalformedKey("X25519 private key must be 32 bytes")
    return X25519PrivateKey.from_private_bytes(raw)


@dataclass(frozen=True)
class KdfParams:
    """Parameters of a password-derived key.

    ``algorithm`` is ``"argon2id"`` (``iterations`` passes, ``memory_kib`` KiB, ``lanes``) or
    ``"scrypt"`` (``iterations`` is log2 of N, ``memory_kib`` unused, ``lanes`` is p).
    ``salt`` is 16 random bytes, base64 in JSON.
    """

    algorithm: str
    salt: bytes
    iterations: int
    memory_kib: int
    lanes: int

    def to_json(self) -> str:
        """Serialise to a JSON string (salt as base64)."""
        data = asdict(self)
        data["salt"] = base64.b64encode(self.salt).decode("ascii")
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "KdfParams":
        """Parse what :meth:`to_json` wrote; raises :class:`MalformedKey` if it is not that."""
        try:
            data = json.loads(text)
            data["salt"] = base64.b64decode(data["salt"])
            return cls(**data)
        except (ValueError, KeyError, TypeError) as exc:
            raise MalformedKey("unreadable KDF parameters") from exc


def new_kdf_params(*, strength: str = "interactive") -> KdfParams:
    """Fresh parameters with a random salt.

    ``strength="interactive"`` follows RFC 9106's second recommended option (Argon2id, 3 passes,
    64 MiB, 4 lanes); ``"test"`` is deliberately weak (8 MiB, 1 pass) and only for test suites.
    """
    salt = os.urandom(SALT_BYTES)
    if Argon2id is None:  # pragma: no cover - only on old cryptography builds
        log_n = 17 if strength == "interactive" else 10
        return KdfParams("scrypt", salt, log_n, 0, 1)
    if strength == "test":
        return KdfParams("argon2id", salt, 1, 8 * 1024, 1)
    return KdfParams("argon2id", salt, 3, 64 * 1024, 4)


def derive_password_key(password: str, params: KdfParams) -> bytes:
    """Derive a 32-byte key from ``password`` (UTF-8) under ``params``."""
    secret = password.encode("utf-8")
    if params.algorithm == "argon2id" and Argon2id is not None:
        return Argon2id(
            salt=params.salt,
            length=KEY_BYTES,
            iterations=params.iterations,
            lanes=params.lanes,
            memory_cost=params.memory_kib,
        ).derive(secret)
    if params.algorithm == "scrypt":
        return Scrypt(salt=params.salt, length=KEY_BYTES, n=2**params.iterations, r=8,
                      p=params.lanes).derive(secret)
    raise MalformedKey(f"unsupported KDF {params.algorithm!r}")


def wrap_private_key(
    key: X25519PrivateKey, password: str, params: KdfParams, associated_data: bytes
) -> bytes:
    """Encrypt ``key`` under a key derived from ``password``; returns an AEAD blob."""
    return aead.encrypt(derive_password_key(password, params), private_bytes(key), associated_data)


def unwrap_private_key(
    blob: bytes, password: str, params: KdfParams, associated_data: bytes
) -> X25519PrivateKey:
    """Reverse :func:`wrap_private_key`; raises ``DecryptionFailed`` for a wrong password."""
    raw = aead.decrypt(derive_password_key(password, params), blob, associated_data)
    return load_private(raw)


_RECOVERY_PREFIX = "RGR1"


def format_recovery_key(key: X25519PrivateKey) -> str:
    """Printable form of the offline recovery private key: ``RGR1-`` then base32 in groups of 4."""
    text = base64.b32encode(private_bytes(key)).decode("ascii").rstrip("=")
    groups = [text[i : i + 4] for i in range(0, len(text), 4)]
    return "-".join([_RECOVERY_PREFIX, *groups])


def parse_recovery_key(text: str) -> X25519PrivateKey:
    """Parse what :func:`format_recovery_key` printed (spaces, dashes and case ignored).

    Raises :class:`MalformedKey` if the text is not a recovery key.
    """
    compact = "".join(ch for ch in text.upper() if ch.isalnum())
    if not compact.startswith(_RECOVERY_PREFIX):
        raise MalformedKey("not a Rongrian recovery key")
    body = compact[len(_RECOVERY_PREFIX) :]
    try:
        raw = base64.b32decode(body + "=" * (-len(body) % 8))
    except ValueError as exc:
        raise MalformedKey("recovery key has characters outside base32") from exc
    return load_private(raw)
