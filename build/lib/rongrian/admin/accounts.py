"""Staff log-in, log-out and the server-side session that holds an unlocked account key.

DESIGN.md: "A logged-in staff member's unlocked key lives server-side encrypted under a
per-session key that only the session cookie carries, so a database copy alone unlocks nothing
and any worker process can serve the session." The login verifier is an Argon2id hash made by
argon2-cffi (RFC 9106); the account key is unwrapped separately by :mod:`rongrian.intake.keyring`.

Issue 13: every log-in attempt does both Argon2id computations, against a never-stored stand-in
account when the user name is unknown (M3); an account locks after failed log-ins in a row
(:mod:`rongrian.admin.lockout`); an administrator-issued password works once and expires (L2);
expired and idle sessions are deleted at log-in and by :func:`purge_expired` (L3).
"""

import base64
import functools
import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from rongrian.admin import lockout
from rongrian.admin.lockout import LockPolicy
from rongrian.crypto import aead, keys
from rongrian.crypto.errors import CryptoError
from rongrian.intake.audit import UNKNOWN_ACCOUNT, Actor, actor_of, append_entry, as_utc
from rongrian.intake.errors import AuthenticationFailed
from rongrian.intake.keyring import UnlockedAccount, create_account, unlock_account
from rongrian.intake.models import (
    AuditAction,
    IssuedPassword,
    Role,
    StaffAccount,
    StaffSession,
)

#: A session ends this long after log-in, however active.
SESSION_LIFETIME = timedelta(hours=8)
#: ``last_seen_at`` is written at most this often (not on every request).
_TOUCH_EVERY = timedelta(minutes=1)


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


class AccountLocked(AuthenticationFailed):
    """The password may be right, but the account is locked (:mod:`rongrian.admin.lockout`).
    Shown exactly as a wrong password is."""


class OneTimePasswordExpired(AuthenticationFailed):
    """The right one-time password, issued more than the allowed hours ago: ask for a new one."""


class OneTimePasswordUsed(AuthenticationFailed):
    """The right one-time password, already used once to log in: ask for a new one."""


@dataclass(frozen=True)
class LoginPolicy:
    """The rules :func:`log_in` applies: the KDF ``strength`` of new hashes and of the stand-in
    account, how long a one-time password lasts (hours), the account lock, and the idle time
    (minutes) after which a session is purged."""

    strength: str = "interactive"
    one_time_password_hours: int = 72
    lock: LockPolicy = LockPolicy()
    idle_minutes: int = 30


#: User name of the stand-in account (never stored: the shape is not a valid user name).
_STAND_IN = "(no such account)"


@functools.lru_cache(maxsize=4)
def stand_in_account(strength: str) -> StaffAccount:
    """A never-stored account with a random password, made with the same hasher and the same
    key-derivation parameters as real accounts at ``strength``: an unknown user name is checked
    against it, so it costs exactly what a known one does (issue 13 M3). Made once per process
    and strength; the staff app makes it at start-up."""
    password = secrets.token_urlsafe(32)
    params = keys.new_kdf_params(strength=strength)
    return StaffAccount(
        id=0, username=_STAND_IN, display_name=_STAND_IN, role=Role.STAFF, active=False,
        password_hash=password_hasher(strength).hash(password),
        public_key=b"", kdf_params=params.to_json(),
        wrapped_private_key=keys.wrap_private_key(
            keys.generate_private_key(), password, params, _STAND_IN.encode("ascii")),
    )


def _check_password(account: StaffAccount, password: str, strength: str
                    ) -> UnlockedAccount | None:
    """Both checks, always, in this order: the Argon2id login hash, then the unwrapping of the
    account key (a second Argon2id). Returns the unlocked key only when both pass."""
    try:
        password_hasher(strength).verify(account.password_hash, password)
        hash_ok = True
    except (VerificationError, InvalidHashError):
        hash_ok = False
    try:
        unlocked = unlock_account(account, password)
    except (AuthenticationFailed, CryptoError):
        return None
    return unlocked if hash_ok else None


def _check_issued(session: Session, account: StaffAccount, hours: int, now: datetime) -> None:
    """An administrator-issued password works once, within ``hours`` of being issued."""
    record = session.get(IssuedPassword, account.id)
    if record is None:
        return
    if record.used_at is not None:
        raise OneTimePasswordUsed
    if as_utc(record.issued_at) + timedelta(hours=hours) <= now:
        raise OneTimePasswordExpired
    record.used_at = now


def log_in(session: Session, username: str, password: str, *, strength: str = "interactive",
           policy: LoginPolicy | None = None, now: datetime | None = None
           ) -> tuple[StaffAccount, SessionTicket]:
    """Check the password, unlock the account key and open a server-side session.

    Every attempt does the same work whatever the user name: the Argon2id login hash and the
    unwrapping of an account key, against the stand-in account (:func:`stand_in_account`) when
    the name is unknown. Raises :class:`AuthenticationFailed` for an unknown user, a wrong
    password or an inactive account; :class:`AccountLocked` (right password, locked account);
    :class:`OneTimePasswordUsed` / :class:`OneTimePasswordExpired` for an administrator-issued
    password used before or issued more than ``policy.one_time_password_hours`` ago. Purges
    expired and idle sessions (:func:`purge_expired`) on success. Nothing is written when it
    raises: the caller rolls back and calls :func:`record_failed_login`.
    """
    now = now or datetime.now(UTC)
    policy = policy or LoginPolicy(strength=strength)
    account = session.scalars(
        select(StaffAccount).where(StaffAccount.username == username.strip().lower())
    ).first()
    unlocked = _check_password(account or stand_in_account(policy.strength), password,
                               policy.strength)
    if account is None or unlocked is None or not account.active:
        raise AuthenticationFailed
    if lockout.locked_until(account, now) is not None:
        raise AccountLocked
    _check_issued(session, account, policy.one_time_password_hours, now)
    lockout.clear_failures(account)
    purge_expired(session, now=now, idle_minutes=policy.idle_minutes)
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
        last_seen_at=now,
    ))
    append_entry(session, AuditAction.LOGIN, Actor.of(account), now=now)
    session.flush()
    return account, SessionTicket(token, base64.urlsafe_b64encode(session_key).decode("ascii"))


def record_failed_login(session: Session, username: str, *, lock: LockPolicy | None = None,
                        reason: str | None = None, now: datetime | None = None) -> None:
    """Add the audit entry of a failed log-in and count it against the account's lock
    (:func:`rongrian.admin.lockout.record_failure`; flushed, the caller commits it on its own,
    after rolling back the attempt).

    The user name typed is kept only if it names an existing account; anything else (a typo, or
    a password typed into the wrong box) becomes :data:`~rongrian.intake.audit.UNKNOWN_ACCOUNT`.
    ``reason`` (e.g. ``one_time_password_expired``) goes into the entry's detail.
    """
    now = now or datetime.now(UTC)
    account = session.scalars(
        select(StaffAccount).where(StaffAccount.username == username.strip().lower())
    ).first()
    actor = Actor.of(account) if account else Actor(None, UNKNOWN_ACCOUNT)
    append_entry(session, AuditAction.LOGIN_FAILED, actor, now=now,
                 detail={"reason": reason} if reason else None)
    if account is not None:
        lockout.record_failure(session, account, lock or LockPolicy(), now=now)


def resume(session: Session, ticket: SessionTicket, *, idle_minutes: int | None = None,
           now: datetime | None = None) -> tuple[StaffAccount, UnlockedAccount] | None:
    """The account and its unlocked key for a live session; ``None`` if stale or forged.

    A session unused for ``idle_minutes`` (issue 13 L3) or past its lifetime is deleted (its
    sealed key with it); a live one has ``last_seen_at`` moved on (at most once a minute). The
    caller commits either change.
    """
    now = now or datetime.now(UTC)
    row = session.get(StaffSession, _session_id(ticket.token))
    if row is None:
        return None
    last_seen = as_utc(row.last_seen_at or row.created_at)
    idle = idle_minutes is not None and last_seen + timedelta(minutes=idle_minutes) <= now
    if as_utc(row.expires_at) <= now or idle:
        session.delete(row)
        return None
    try:
        raw = aead.decrypt(base64.urlsafe_b64decode(ticket.key), row.sealed_account_key,
                           _session_aad(row.id))
    except (CryptoError, ValueError):
        return None
    account = session.get(StaffAccount, row.account_id)
    if account is None or not account.active:
        return None
    if now - last_seen >= _TOUCH_EVERY:
        row.last_seen_at = now
    return account, UnlockedAccount(account.id, keys.load_private(raw))


def log_out(session: Session, token: str) -> None:
    """End a session: its sealed key is deleted, so the cookie opens nothing any more.
    Audited when the session was still there."""
    row = session.get(StaffSession, _session_id(token))
    if row is not None:
        append_entry(session, AuditAction.LOGOUT, actor_of(session, row.account_id))
    session.execute(delete(StaffSession).where(StaffSession.id == _session_id(token)))


def purge_expired(session: Session, *, idle_minutes: int | None = None,
                  now: datetime | None = None) -> int:
    """Delete the staff sessions past their lifetime and, with ``idle_minutes``, those unused
    that long; return how many. Their sealed account keys go with them, so an old cookie and a
    copy of the database taken later unlock nothing (issue 13 L3). Called at every log-in and
    by ``rongrian maintenance``; the caller commits.
    """
    now = now or datetime.now(UTC)
    stale = StaffSession.expires_at <= now
    if idle_minutes is not None:
        cutoff = now - timedelta(minutes=idle_minutes)
        stale = or_(stale, func.coalesce(StaffSession.last_seen_at,
                                         StaffSession.created_at) <= cutoff)
    result = session.execute(delete(StaffSession).where(stale)
                             .execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)
