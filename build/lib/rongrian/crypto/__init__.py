"""Small, auditable compositions of primitives from ``cryptography``.

Nothing here invents a primitive: sealed boxes are X25519 + HKDF-SHA256 + AES-256-GCM, content
encryption is AES-256-GCM, password keys come from Argon2id (scrypt where Argon2id is missing),
tracking-code digests are HMAC-SHA256, data-key generations link each key to the one before with
AES-256-GCM (:mod:`rongrian.crypto.epochs`). Only the standard library and ``cryptography``
are imported.
"""
