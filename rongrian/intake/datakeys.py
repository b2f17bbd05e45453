"""A complaint's data keys by generation: who holds which, and a new generation on each move.

Forward secrecy on moves (issue 13; :mod:`rongrian.crypto.epochs` has the construction). A
complaint starts with data key generation 1. Moving it to another unit
(:mod:`rongrian.intake.transfers`) or rotating its unit's key (:mod:`rongrian.intake.rotation`)
makes generation ``g + 1``:

- the new unit ring gets only generation ``g + 1`` sealed to it (:class:`ComplaintKey`, with its
  generation), and reads every older one through the links (:class:`DataKeyLink`): it reads the
  whole history; the old ring's sealed copies are deleted, as before;
- the complainant gets ``g + 1`` sealed to the complaint's complainant public key
  (``Complaint.complainant_sealed_data_key``); its private key is wrapped under the key derived
  from the tracking code, so the server needs no code to do this;
- every row written from then on (thread entries, transfer reasons, attachments, notification
  recipients) is encrypted under ``g + 1`` and records it (``key_generation``).

Whoever kept generation ``g`` (a former member with the old ring key and an old backup) opens
nothing written after the move.

Complaints filed before migration 0007 have no complainant key pair. They stay on generation 1
(a move re-seals generation 1 as before: no forward secrecy yet) until the complainant next uses
the code to write (add information or files, ask for notifications): the key pair is made then
(:func:`give_complainant_key`), and the next move starts generation 2.
"""

import functools
import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from rongrian.crypto import aead, epochs, keys, sealed
from rongrian.crypto.errors import DecryptionFailed
from rongrian.crypto.keys import X25519PrivateKey, X25519PublicKey
from rongrian.intake import envelope
from rongrian.intake.models import Complaint, ComplaintKey, DataKeyLink, KeyRing


@dataclass(frozen=True)
class DataKeys:
    """The data keys of one complaint that the caller holds: ``keys[g]`` for every generation
    ``1 … generation``; ``generation`` is the current one, which new rows use."""

    complaint_id: uuid.UUID
    generation: int
    keys: Mapping[int, bytes]

    @property
    def current(self) -> bytes:
        """The 32-byte key of the current generation (encrypts everything written now)."""
        return self.keys[self.generation]

    def of(self, generation: int) -> bytes:
        """The 32-byte key of ``generation``; raises :class:`DecryptionFailed` if not held."""
        try:
            return self.keys[generation]
        except KeyError as exc:
            raise DecryptionFailed(f"data key generation {generation} is not held") from exc


def first_keys(complaint_id: uuid.UUID) -> DataKeys:
    """A new complaint's generation 1 (a fresh random key)."""
    return DataKeys(complaint_id, 1, {1: aead.new_key()})


def links_of(session: Session, complaint_ids: Collection[uuid.UUID]
             ) -> dict[uuid.UUID, dict[int, bytes]]:
    """The links of several complaints in one query: ``{complaint id: {generation: link}}``."""
    found: dict[uuid.UUID, dict[int, bytes]] = {}
    if complaint_ids:
        for row in session.scalars(select(DataKeyLink).where(
                DataKeyLink.complaint_id.in_(list(complaint_ids)))):
            found.setdefault(row.complaint_id, {})[row.generation] = row.wrapped_previous
    return found


def unwound(session: Session, complaint_id: uuid.UUID, current_key: bytes,
            generation: int, links: Mapping[int, bytes] | None = None) -> DataKeys:
    """Every generation from ``current_key`` (of ``generation``) back to 1, through the links
    (``links``, or read from the database when ``None``).

    Raises :class:`DecryptionFailed` if a link is missing or does not open.
    """
    if links is None:
        links = links_of(session, [complaint_id]).get(complaint_id, {}) if generation > 1 else {}
    return DataKeys(complaint_id, generation, epochs.unwind(
        current_key, generation, links, functools.partial(envelope.link_aad, complaint_id)))


def ring_copy_columns(ring_id: int, ring_public: X25519PublicKey, data_keys: DataKeys
                      ) -> dict[str, Any]:
    """The columns of a ``complaint_key`` row: the current generation sealed to the ring
    ``ring_id`` whose public key is ``ring_public``."""
    return {
        "complaint_id": data_keys.complaint_id, "ring_id": ring_id,
        "generation": data_keys.generation,
        "sealed_data_key": sealed.seal(
            ring_public, data_keys.current,
            envelope.data_key_aad(data_keys.complaint_id, data_keys.generation)),
    }


def seal_to_ring(ring: KeyRing, data_keys: DataKeys) -> ComplaintKey:
    """A new :class:`ComplaintKey`: the current generation sealed to ``ring`` (not added)."""
    return ComplaintKey(**ring_copy_columns(ring.id, keys.load_public(ring.public_key),
                                            data_keys))


def open_ring_copy(session: Session, row: ComplaintKey, ring_private: X25519PrivateKey,
                   links: Mapping[int, bytes] | None = None) -> DataKeys:
    """Open a ring's sealed copy with the ring's private key, and every older generation
    (``links`` as for :func:`unwound`).

    Raises :class:`DecryptionFailed` for another key or a changed box.
    """
    return open_copy(session, row.complaint_id, row.generation, row.sealed_data_key,
                     ring_private, links)


def open_copy(session: Session, complaint_id: uuid.UUID, generation: int, sealed_data_key: bytes,
              ring_private: X25519PrivateKey, links: Mapping[int, bytes] | None = None
              ) -> DataKeys:
    """:func:`open_ring_copy` from the copy's columns, for callers that read many as plain rows
    (the content search: :mod:`rongrian.intake.content_search`)."""
    current = sealed.open_sealed(ring_private, sealed_data_key,
                                 envelope.data_key_aad(complaint_id, generation))
    return unwound(session, complaint_id, current, generation, links)


def complainant_key_columns(complaint_id: uuid.UUID, data_keys: DataKeys, wrap_key: bytes
                            ) -> dict[str, bytes]:
    """A new complainant key pair as the three ``complaint`` columns that hold it: the public
    key, the private key wrapped under ``wrap_key`` (from the tracking code), and the current
    data key sealed to the public key."""
    private = keys.generate_private_key()
    public = private.public_key()
    return {
        "complainant_public_key": keys.public_bytes(public),
        "complainant_wrapped_key": epochs.wrap_private(
            wrap_key, private, envelope.complainant_key_aad(complaint_id)),
        "complainant_sealed_data_key": sealed.seal(
            public, data_keys.current,
            envelope.complainant_data_key_aad(complaint_id, data_keys.generation)),
    }


def give_complainant_key(complaint: Complaint, data_keys: DataKeys, wrap_key: bytes) -> None:
    """Make the complaint's complainant key pair (:func:`complainant_key_columns`). Sets three
    columns."""
    for column, value in complainant_key_columns(complaint.id, data_keys, wrap_key).items():
        setattr(complaint, column, value)


def complainant_keys(session: Session, complaint: Complaint, wrap_key: bytes) -> DataKeys:
    """Every generation the holder of the code (its derived ``wrap_key``) may open.

    New scheme: the wrapped private key, then the current generation sealed to it, then the
    links. A complaint without a key pair: generation 1 from ``tracking_wrapped_key``. Raises
    :class:`DecryptionFailed` for another code's key.
    """
    if complaint.complainant_wrapped_key is None or complaint.complainant_sealed_data_key is None:
        first = aead.decrypt(wrap_key, complaint.tracking_wrapped_key,
                             envelope.tracking_aad(complaint.id))
        return DataKeys(complaint.id, 1, {1: first})
    private = epochs.unwrap_private(wrap_key, complaint.complainant_wrapped_key,
                                    envelope.complainant_key_aad(complaint.id))
    generation = complaint.key_generation
    current = sealed.open_sealed(private, complaint.complainant_sealed_data_key,
                                 envelope.complainant_data_key_aad(complaint.id, generation))
    return unwound(session, complaint.id, current, generation)


def renew(session: Session, complaint: Complaint, data_keys: DataKeys) -> DataKeys:
    """Start the next generation of ``complaint``'s data key (on a move or a rotation).

    Adds the link, seals the new key to the complainant and makes it the complaint's current
    generation; the caller seals it to the receiving ring and deletes the old ring's copy.
    A complaint without a complainant key pair (filed before migration 0007 and not upgraded)
    cannot give the complainant a new key, so ``data_keys`` is returned unchanged. Flushes
    nothing; two concurrent renewals of one complaint collide on the link's primary key.
    """
    if complaint.complainant_public_key is None or data_keys.generation != complaint.key_generation:
        return data_keys
    generation = data_keys.generation + 1
    new_key, link = epochs.next_generation(data_keys.current,
                                           envelope.link_aad(complaint.id, generation))
    session.add(DataKeyLink(complaint_id=complaint.id, generation=generation,
                            wrapped_previous=link))
    complaint.key_generation = generation
    complaint.complainant_sealed_data_key = sealed.seal(
        keys.load_public(complaint.complainant_public_key), new_key,
        envelope.complainant_data_key_aad(complaint.id, generation))
    return DataKeys(complaint.id, generation, {**data_keys.keys, generation: new_key})
