"""The audit chain: each entry's SHA-256 covers its own fields and the hash of the entry before.

DESIGN.md promise 7: "The audit log is append-only and hash-chained; a changed or removed entry is
detected." Nothing here is secret and nothing is keyed: anyone holding a copy of the log can
recompute every link. So a chain on its own shows an edit, a removal or a reordering made by
anyone who did not also recompute every later hash; cutting the tail, or rewriting everything
from some entry on, shows only against a hash published outside the database. That is why the
latest hash is printed on each executive summary (page and Word file): ``rongrian audit verify
--expect SEQ:HASH`` checks that a printed hash is still the one stored at its position.

Hash of an entry (version 1)::

    SHA-256( b"rongrian-audit/v1\\n" || previous hash (32 bytes) || canonical(fields) )

``canonical(fields)`` is the UTF-8 of a JSON array (no spaces, ASCII escapes) of
``[name, tag, value]`` triples sorted by name; the tag fixes the type so that ``1``, ``"1"``,
``true`` and the bytes ``31`` never encode alike: ``"n"`` null, ``"t"`` boolean, ``"i"`` integer,
``"s"`` text, ``"b"`` bytes as lower-case hex. The first entry's previous hash is 32 zero bytes
(:data:`GENESIS`).
"""

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

HASH_BYTES = 32
GENESIS = bytes(HASH_BYTES)
_DOMAIN = b"rongrian-audit/v1\n"

FieldValue = str | int | bool | bytes | None


def _tagged(name: str, value: FieldValue) -> list[object]:
    if value is None:
        return [name, "n", None]
    if isinstance(value, bool):
        return [name, "t", value]
    if isinstance(value, int):
        return [name, "i", value]
    if isinstance(value, str):
        return [name, "s", value]
    if isinstance(value, bytes):
        return [name, "b", value.hex()]
    raise TypeError(f"audit field {name!r} has an unsupported type {type(value).__name__}")


def canonical(fields: Mapping[str, FieldValue]) -> bytes:
    """The canonical encoding of ``fields`` (see the module text).

    Raises ``TypeError`` for a value that is not ``None``, bool, int, str or bytes.
    """
    triples = [_tagged(name, fields[name]) for name in sorted(fields)]
    return json.dumps(triples, ensure_ascii=True, separators=(",", ":")).encode("ascii")


def chain_hash(previous: bytes, fields: Mapping[str, FieldValue]) -> bytes:
    """The 32-byte SHA-256 of an entry with ``fields`` following an entry hashed ``previous``.

    Raises ``ValueError`` if ``previous`` is not 32 bytes.
    """
    if len(previous) != HASH_BYTES:
        raise ValueError("the previous hash must be 32 bytes")
    return hashlib.sha256(_DOMAIN + previous + canonical(fields)).digest()


@dataclass(frozen=True)
class Link:
    """One stored entry as read back: its position (1, 2, …), fields and the two stored hashes."""

    position: int
    fields: Mapping[str, FieldValue]
    previous: bytes
    digest: bytes


@dataclass(frozen=True)
class Break:
    """The first link that does not hold, and what is wrong with it.

    ``problem`` is ``"missing"`` (a position was skipped: an entry was removed),
    ``"out_of_order"`` (a position repeats or goes back), ``"relinked"`` (the stored previous
    hash is not the hash of the entry before: entries removed, inserted or reordered) or
    ``"changed"`` (the fields no longer hash to the stored hash: the entry was edited).
    ``expected`` is the position that should have come.
    """

    position: int
    expected: int
    problem: str


@dataclass(frozen=True)
class Verdict:
    """The outcome of :func:`verify`: links checked, the last good position and hash, the break."""

    count: int
    last_position: int
    last_digest: bytes
    broken: Break | None


def verify(links: Iterable[Link], *, start_position: int = 1,
           start_previous: bytes = GENESIS) -> Verdict:
    """Check ``links`` (in stored order) from ``start_position``; stop at the first break.

    ``count`` is the number of links that held; ``last_digest`` is the hash of the last of them
    (``start_previous`` if none did).
    """
    expected, previous, count = start_position, start_previous, 0
    for link in links:
        problem = _problem(link, expected, previous)
        if problem is not None:
            return Verdict(count, expected - 1, previous, Break(link.position, expected, problem))
        expected, previous, count = expected + 1, link.digest, count + 1
    return Verdict(count, expected - 1, previous, None)


def _problem(link: Link, expected: int, previous: bytes) -> str | None:
    if link.position > expected:
        return "missing"
    if link.position < expected:
        return "out_of_order"
    if link.previous != previous:
        return "relinked"
    if chain_hash(link.previous, link.fields) != link.digest:
        return "changed"
    return None
