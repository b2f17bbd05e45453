"""Encrypted JSON records bound to their complaint: the glue between models and crypto.

A record is UTF-8 JSON, padded (:mod:`rongrian.crypto.padding`) and encrypted with AES-256-GCM
under the complaint's data key; the associated data names the complaint and the record's role, so
a blob copied into another row or column fails to open.
"""

import json
import uuid
from typing import Any

from rongrian.crypto import aead, padding


def content_aad(complaint_id: uuid.UUID) -> bytes:
    return b"complaint-content:" + complaint_id.bytes


def identity_aad(complaint_id: uuid.UUID) -> bytes:
    return b"complaint-identity:" + complaint_id.bytes


def identity_key_aad(complaint_id: uuid.UUID) -> bytes:
    return b"identity-key:" + complaint_id.bytes


def data_key_aad(complaint_id: uuid.UUID) -> bytes:
    return b"data-key:" + complaint_id.bytes


def tracking_aad(complaint_id: uuid.UUID) -> bytes:
    return b"tracking-wrap:" + complaint_id.bytes


def event_aad(complaint_id: uuid.UUID, event_id: uuid.UUID) -> bytes:
    return b"case-event:" + complaint_id.bytes + event_id.bytes


def encrypt_record(key: bytes, record: dict[str, Any], associated_data: bytes) -> bytes:
    """Serialise ``record`` to JSON, pad it and encrypt it under ``key``."""
    plain = json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return aead.encrypt(key, padding.pad(plain), associated_data)


def decrypt_record(key: bytes, blob: bytes, associated_data: bytes) -> dict[str, Any]:
    """Reverse :func:`encrypt_record`; raises ``DecryptionFailed`` on any mismatch."""
    record: dict[str, Any] = json.loads(padding.unpad(aead.decrypt(key, blob, associated_data)))
    return record
