"""Encrypted JSON records bound to their complaint: the glue between models and crypto.

A record is UTF-8 JSON, padded (:mod:`rongrian.crypto.padding`) and encrypted with AES-256-GCM
under the complaint's data key; the associated data names the complaint and the record's role, so
a blob copied into another row or column fails to open.
"""

import json
import uuid
from typing import Any

from rongrian.crypto import aead, padding

#: Generation 1 keeps the associated data used before generations existed (so rows written then
#: still open); generation ``g`` ≥ 2 appends ``b"/g" || g`` (4 bytes, big-endian). Every base
#: associated data below has a fixed length, so the suffix is unambiguous.
_GENERATION_MARK = b"/g"


def with_generation(associated_data: bytes, generation: int) -> bytes:
    """``associated_data`` bound to the data-key generation that encrypts the row."""
    if generation == 1:
        return associated_data
    return associated_data + _GENERATION_MARK + generation.to_bytes(4, "big")


def content_aad(complaint_id: uuid.UUID) -> bytes:
    return b"complaint-content:" + complaint_id.bytes


def identity_aad(complaint_id: uuid.UUID) -> bytes:
    return b"complaint-identity:" + complaint_id.bytes


def identity_key_aad(complaint_id: uuid.UUID) -> bytes:
    return b"identity-key:" + complaint_id.bytes


def data_key_aad(complaint_id: uuid.UUID, generation: int = 1) -> bytes:
    """Associated data of a data key sealed to a unit ring (names complaint and generation)."""
    return with_generation(b"data-key:" + complaint_id.bytes, generation)


def link_aad(complaint_id: uuid.UUID, generation: int) -> bytes:
    """Associated data of generation ``generation``'s link to the generation before."""
    return b"data-key-link:" + complaint_id.bytes + generation.to_bytes(4, "big")


def complainant_key_aad(complaint_id: uuid.UUID) -> bytes:
    """Associated data of the complainant's private key wrapped under the code-derived key."""
    return b"complainant-key:" + complaint_id.bytes


def complainant_data_key_aad(complaint_id: uuid.UUID, generation: int) -> bytes:
    """Associated data of a data key sealed to the complainant's public key."""
    return b"complainant-data-key:" + complaint_id.bytes + generation.to_bytes(4, "big")


def tracking_aad(complaint_id: uuid.UUID) -> bytes:
    return b"tracking-wrap:" + complaint_id.bytes


def event_aad(complaint_id: uuid.UUID, event_id: uuid.UUID, generation: int = 1) -> bytes:
    return with_generation(b"case-event:" + complaint_id.bytes + event_id.bytes, generation)


def encrypt_record(key: bytes, record: dict[str, Any], associated_data: bytes) -> bytes:
    """Serialise ``record`` to JSON, pad it and encrypt it under ``key``."""
    plain = json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return aead.encrypt(key, padding.pad(plain), associated_data)


def encrypt_fixed_record(key: bytes, record: dict[str, Any], size: int,
                         associated_data: bytes) -> bytes:
    """As :func:`encrypt_record`, padded to exactly ``size`` bytes whatever the record holds.

    Raises ``PaddingOverflow`` if the record's JSON does not fit (it is refused, never grown).
    """
    plain = json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return aead.encrypt(key, padding.pad_exact(plain, size), associated_data)


def decrypt_record(key: bytes, blob: bytes, associated_data: bytes) -> dict[str, Any]:
    """Reverse :func:`encrypt_record`; raises ``DecryptionFailed`` on any mismatch."""
    record: dict[str, Any] = json.loads(padding.unpad(aead.decrypt(key, blob, associated_data)))
    return record
