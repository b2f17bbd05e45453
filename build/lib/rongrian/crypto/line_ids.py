"""Keys and digests of the LINE channel, derived from the server pepper and a LINE user id.

A LINE user id (``U`` + 32 hex digits) is never stored or logged (DESIGN.md, promise 5). What the
LINE channel keeps instead:

- ``conversation_digest``: ``HMAC-SHA256(pepper, label || user id)``, 32 bytes, the key of the
  conversation-state row. Finding a user's row needs both the pepper and their user id.
- ``draft_key``: ``HKDF-SHA256(ikm = user id, salt = pepper, info = label)``, 32 bytes, the
  AES-256-GCM key of that user's draft. A copy of the database alone opens no draft; the running
  server opens a draft only while it holds the user id, that is while it handles one of that
  user's webhook events (it cannot enumerate drafts: rows are keyed by an HMAC).
- ``event_digest``: ``HMAC-SHA256(pepper, label || webhookEventId)``, to recognise a redelivered
  event without keeping LINE's event id.
- ``queue_key``: ``HKDF-SHA256(ikm = pepper, info = label)``, 32 bytes, encrypting jobs while
  they wait in Redis between the webhook and a worker. This one is a standing server key: it
  opens a job (which holds a user id) only while the job waits, seconds in normal operation.

Every derivation has its own label, so none reveals another, nor the tracking-code derivations
of :mod:`rongrian.crypto.tracking`.
"""

import hashlib
import hmac

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from rongrian.crypto.aead import KEY_BYTES
from rongrian.crypto.tracking import MIN_PEPPER_BYTES

_CONVERSATION_LABEL = b"rongrian/line-conversation/v1\x00"
_EVENT_LABEL = b"rongrian/line-event/v1\x00"
_DRAFT_INFO = b"rongrian/line-draft/v1"
_QUEUE_INFO = b"rongrian/line-queue/v1"


def _check(pepper: bytes, value: str) -> bytes:
    if len(pepper) < MIN_PEPPER_BYTES:
        raise ValueError(f"pepper must be at least {MIN_PEPPER_BYTES} bytes")
    if not value:
        raise ValueError("an empty identifier cannot be keyed")
    return value.encode("utf-8")


def conversation_digest(pepper: bytes, user_id: str) -> bytes:
    """32-byte HMAC-SHA256 of a LINE user id under the pepper (conversation-state key).

    Raises ``ValueError`` for a short pepper or an empty user id.
    """
    return hmac.new(pepper, _CONVERSATION_LABEL + _check(pepper, user_id),
                    hashlib.sha256).digest()


def draft_key(pepper: bytes, user_id: str) -> bytes:
    """32-byte AES key of ``user_id``'s draft: HKDF-SHA256(user id, salt = pepper).

    Raises ``ValueError`` for a short pepper or an empty user id.
    """
    material = _check(pepper, user_id)
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=pepper,
                info=_DRAFT_INFO).derive(material)


def event_digest(pepper: bytes, webhook_event_id: str) -> bytes:
    """32-byte HMAC-SHA256 of a webhook event id (redelivery detection).

    Raises ``ValueError`` for a short pepper or an empty event id.
    """
    return hmac.new(pepper, _EVENT_LABEL + _check(pepper, webhook_event_id),
                    hashlib.sha256).digest()


def queue_key(pepper: bytes) -> bytes:
    """32-byte AES key for jobs waiting in the queue: HKDF-SHA256(pepper, info = label).

    Raises ``ValueError`` for a short pepper.
    """
    _check(pepper, "queue")
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None,
                info=_QUEUE_INFO).derive(pepper)
