"""Exceptions raised by :mod:`rongrian.crypto`."""


class CryptoError(Exception):
    """Base class of every error raised by :mod:`rongrian.crypto`."""


class DecryptionFailed(CryptoError):
    """A ciphertext, sealed box or wrapped key failed authentication or is malformed.

    Raised for a wrong key, a changed byte anywhere (nonce, ciphertext, tag), or different
    associated data. The message never says which, by design.
    """


class MalformedKey(CryptoError):
    """Bytes or text that should hold a key have the wrong length or encoding."""


class PaddingOverflow(CryptoError, ValueError):
    """A plaintext is larger than the fixed size it must be padded to (it is refused, never
    allowed to grow: a larger record would show by its size)."""
