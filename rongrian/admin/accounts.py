"""Staff log-in, log-out and the server-side session that holds an unlocked account key.

DESIGN.md: "A logged-in staff member's unlocked key lives server-side encrypted under a
per-session key that only the session cookie carries, so a database copy alone unlocks nothing
and any worker process can serve the session." The login verifier is an Argon2id hash made by
argon2-cffi (RFC 9106); the account key is unwrapped separately by :mod:`rongrian.intake.keyring`.
"""

import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from rongrian.crypto import aead, keys
from rongrian.crypto.errors import CryptoError
from rongrian.intake.audit import UNKNOWN_ACCOUNT, Actor, actor_of, append_entry
from rongrian.intake.errors import AuthenticationFailed
from rongrian.intake.keyring import UnlockedAccount, create_account, unlock_account
from rongrian.intake.models import AuditAction, Role, StaffAccount, StaffSession

SESSION_LIFETIME = timedelta(hours=8)


def password_hasher(strength: str = "interactive") -> PasswordHasher:
    """Argon2id verifier; ``"test"`` is weak and only for test suites."""
    if strength == "test":
        return PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
    return PasswordHasher()


def add_staff(session: Session, *, username: str, display_name: str, role: Role, password: str,
              strength: str = "interactive") -> StaffAccount:
    """Create a staff account: Argon2id login hash plus a password-wrapped key pair."""
    return create_account(
        session,
        username=username,
        display_name=display_name,
        role=role,
        password=password,
        password_hash=password_hasher(strength).hash(password),
        kdf_strength=strength,
    )


@dataclass(frozen=True)
class SessionTicket:
    """What the staff browser keeps (in the signed cookie): the session token and its key."""

    token: str
    key: str


def _session_id(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def session_id_of(token: str) -> str:
    """The stored id (SHA-256 hex) of the session whose cookie carries ``token``."""
    return _session_id(token)


def _session_aad(session_id: str) -> bytes:
    return b"staff-session:" + session_id.encode("ascii")


_DUMMY_HASH = password_hasher("test").hash("not a real password")


def log_in(session: Session, username: str, password: str, *, strength: str = "interactive",
           now: datetime | None = None) -> tuple[StaffAccount, SessionTicket]:
    """Check the password, unlock the account key and open a server-side session.

    Raises :class:`AuthenticationFailed` for an unknown user, a wrong password or an inactive
    account, taking comparable time in each case.
    """
    now = now or datetime.now(UTC)
    account = session.scalars(
        select(StaffAccount).where(StaffAccount.username == username.strip().lower())
    ).first()
    hasher = password_hasher(strength)
    try:
        hasher.verify(account.password_hash if account else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError) as exc:
        raise AuthenticationFailed from exc
    if account is None or not account.active:
        raise AuthenticationFailed
    unlocked = unlock_account(account, password)
    token = secrets.token_urlsafe(32)
    session_key = aead.new_key()
    session_id = _session_id(token)
    session.add(StaffSession(
        id=session_id,
        account_id=account.id,
        sealed_account_key=aead.encrypt(
            session_key, keys.private_bytes(unlocked.private_key), _session_aad(session_id)
        ),
        created_at=now,
        expires_at=now + SESSION_LIFETIME,
    ))
    append_entry(session, AuditAction.LOGIN, Actor.of(account), now=now)
    session.flush()
    return account, SessionTicket(token, base64.urlsafe_b64encode(session_key).decode("ascii"))


def record_failed_login(session: Session, username: str, *, now: datetime | None = None) -> None:
    """Add the audit entry of a failed log-in (flushed; the caller commits it on its own, after
    rolling back the attempt).

    The user name typed is kept only if it names an existing account; anything else (a typo, or
    a password typed into the wrong box) becomes :data:`~rongrian.intake.audit.UNKNOWN_ACCOUNT`.
    """
    account = session.scalars(
        select(StaffAccount).where(StaffAccount.username == username.strip().lower())
    ).first()
    actor = Actor.of(account) if account else Actor(None, UNKNOWN_ACCOUNT)
    append_entry(session, AuditAction.LOGIN_FAILED, actor, now=now)


def resume(session: Session, ticket: SessionTicket, *, now: datetime | None = None
           ) -> tuple[StaffAccount, UnlockedAccount] | None:
    """The account and its unlocked key for a live session; ``None`` if stale or forged."""
    now = now or datetime.now(UTC)
    row = session.get(StaffSession, _session_id(ticket.token))
    if row is None:
        return None
    expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=UTC)
    if expires <= now:
        return None
    try:
        raw = aead.decrypt(base64.urlsafe_b64decode(ticket.key), row.sealed_account_key,
                           _session_aad(row.id))
    except (CryptoError, ValueError):
        return None
    account = session.get(StaffAccount, row.account_id)
    if account is None or not account.active:
        return None
    return account, UnlockedAccount(account.id, keys.load_private(raw))


def log_out(session: Session, token: str) -> None:
    """End a session: its sealed key is deleted, so the cookie opens nothing any more.
    Audited when the session was still there."""
    row = session.get(StaffSession, _session_id(token))
    if row is not None:
        append_entry(session, AuditAction.LOGOUT, actor_of(session, row.account_id))
    session.execute(delete(StaffSession).where(StaffSession.id == _session_id(token)))


def purge_expired(session: Session, *, now: datetime | None = None) -> int:
    """Delete expired sessions; return how many."""
    now = now or datetime.now(UTC)
    result = session.execute(delete(StaffSession).where(StaffSession.expires_at <= now))
    return int(getattr(result, "rowcount", 0) or 0)
