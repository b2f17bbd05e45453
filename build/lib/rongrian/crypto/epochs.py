"""Key generations ("epochs") of one complaint's data key, and a private key wrapped by a key.

Forward secrecy on moves (issue 13): when a case moves to another unit, or its unit's key is
rotated, the complaint gets a new random data key (generation ``g + 1``); entries written after
that use it. Whoever is entitled to the case must still read its history, so each new generation
carries the previous data key encrypted under itself (a *link*)::

    link(g + 1) = AES-256-GCM(key(g + 1), key(g), associated data naming the generation)

Holding generation ``n`` opens ``n - 1``, ``n - 2``, …, ``1`` (:func:`unwind`); holding an old
generation opens nothing newer. A former holder of generation ``g`` (an old unit key plus an old
backup) therefore reads nothing encrypted after the move.

The complainant, who holds only their tracking code, keeps up through an X25519 key pair per
complaint: its private key is wrapped under the code-derived key (:func:`wrap_private`), and each
new generation is sealed to its public key (:mod:`rongrian.crypto.sealed`), so the server can give
the complainant a new generation without ever knowing the code.

Only AES-256-GCM (:mod:`rongrian.crypto.aead`) and X25519 sealed boxes are used; nothing new.
"""

from collections.abc import Callable, Mapping

from rongrian.crypto import aead, keys
from rongrian.crypto.errors import DecryptionFailed, MalformedKey
from rongrian.crypto.keys import X25519PrivateKey

#: The first generation of every data key.
FIRST_GENERATION = 1


def next_generation(previous_key: bytes, associated_data: bytes) -> tuple[bytes, bytes]:
    """A fresh 32-byte data key and its link: ``previous_key`` encrypted under the new key.

    ``associated_data`` must name the complaint and the new generation. Raises
    ``MalformedKey`` if ``previous_key`` is not 32 bytes.
    """
    if len(previous_key) != aead.KEY_BYTES:
        raise MalformedKey("a data key must be 32 bytes")
    new_key = aead.new_key()
    return new_key, aead.encrypt(new_key, previous_key, associated_data)


def open_link(key: bytes, link: bytes, associated_data: bytes) -> bytes:
    """The previous generation's 32-byte key from ``link`` opened with its generation's ``key``.

    Raises :class:`DecryptionFailed` for another key, a changed byte or other associated data.
    """
    previous = aead.decrypt(key, link, associated_data)
    if len(previous) != aead.KEY_BYTES:
        raise DecryptionFailed("a link does not hold a data key")
    return previous


def unwind(current_key: bytes, generation: int, links: Mapping[int, bytes],
           associated_data: Callable[[int], bytes]) -> dict[int, bytes]:
    """Every generation's key, ``{1: key(1), …, generation: current_key}``.

    ``links[g]`` is the link of generation ``g`` (2 ≤ g ≤ ``generation``);
    ``associated_data(g)`` its associated data. Raises :class:`DecryptionFailed` if a link is
    missing or fails to open, ``ValueError`` if ``generation`` is below 1.
    """
    if generation < FIRST_GENERATION:
        raise ValueError("generations start at 1")
    found = {generation: current_key}
    key = current_key
    for number in range(generation, FIRST_GENERATION, -1):
        link = links.get(number)
        if link is None:
            raise DecryptionFailed(f"the link of generation {number} is missing")
        key = open_link(key, link, associated_data(number))
        found[number - 1] = key
    return found


def wrap_private(wrap_key: bytes, private: X25519PrivateKey, associated_data: bytes) -> bytes:
    """``private`` (raw 32 bytes) encrypted under the 32-byte ``wrap_key`` (AES-256-GCM).

    Raises ``MalformedKey`` if ``wrap_key`` is not 32 bytes.
    """
    return aead.encrypt(wrap_key, keys.private_bytes(private), associated_data)


def unwrap_private(wrap_key: bytes, blob: bytes, associated_data: bytes) -> X25519PrivateKey:
    """Reverse :func:`wrap_private`. Raises :class:`DecryptionFailed` for another key, a changed
    byte or other associated data."""
    raw = aead.decrypt(wrap_key, blob, associated_data)
    if len(raw) != keys.KEY_BYTES:
        raise DecryptionFailed("a wrapped private key has the wrong length")
    return keys.load_private(raw)
