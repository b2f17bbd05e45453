"""Staff second factor: TOTP codes (RFC 6238, ``pyotp``) and single-use recovery codes.

Required for the roles in ``RONGRIAN_STAFF_2FA_ROLES`` (administrators and the identity
custodian by default), optional for the others (issue 9 §5; NIST SP 800-63B §5.1.4 and OWASP
ASVS 4.0.3 §2.8 for TOTP: a 6-digit code of a 30-second step, one step of clock drift either
way, and a code never accepted twice).

Where the secrets live:

- the TOTP secret is sealed (:func:`rongrian.crypto.sealed.seal`) to the account's own X25519
  public key. Only the account's private key opens it, and that key is wrapped under the password
  (Argon2id) or held, for a logged-in session, under the key only the session cookie carries.
  A copy of the database alone therefore gives neither the secret nor a way to make codes; with
  the database **and** the password, one still needs the phone. An administrator's password reset
  replaces the account key, so the old secret can no longer be opened: the account enrols again
  (the reset removes it, :func:`remove`).
- recovery codes (10, of 10 Crockford base32 symbols each, 50 bits) are shown once and kept only
  as HMAC-SHA256 under a key derived (HKDF) from the staff app's secret in ``secrets.json`` and
  bound to the account id: a database copy alone cannot test guesses. A used code is deleted.
- the last accepted time step is stored per account; a code of that step or an earlier one is
  refused (checked and moved by one conditional ``UPDATE``, so two workers cannot both accept).

Wrong codes count as failed log-ins (:func:`rongrian.admin.lockout.record_failure`), exactly as
wrong passwords do.
"""

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import pyotp
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from rongrian.admin import lockout
from rongrian.admin.lockout import LockPolicy
from rongrian.crypto import keys, sealed
from rongrian.crypto.errors import CryptoError
from rongrian.intake.audit import Actor, append_entry
from rongrian.intake.errors import AuthenticationFailed
from rongrian.intake.keyring import UnlockedAccount
from rongrian.intake.models import (
    AuditAction,
    StaffAccount,
    StaffRecoveryCode,
    StaffSecondFactor,
)

#: Seconds per TOTP time step (RFC 6238's default; what every authenticator app uses).
STEP_SECONDS = 30
#: Steps of clock drift accepted either way.
DRIFT_STEPS = 1
#: Recovery codes made at enrolment.
RECOVERY_CODES = 10
#: Symbols of a recovery code (Crockford base32: no I, L, O, U).
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_RECOVERY_LENGTH = 10
#: Issuer shown by the authenticator app.
ISSUER = "Rongrian"


class SecondFactorRefused(AuthenticationFailed):
    """A wrong, malformed or reused code (TOTP or recovery)."""


class CodeReused(SecondFactorRefused):
    """A right TOTP code of a time step already accepted (a replay)."""


def _secret_aad(account: StaffAccount) -> bytes:
    return b"second-factor:" + str(account.id).encode("ascii")


def new_secret() -> str:
    """A fresh TOTP secret: 32 base32 symbols (160 bits, RFC 4226 §4's recommended length)."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, username: str, organisation: str) -> str:
    """The ``otpauth://totp/…`` address an authenticator app reads from a QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=username,
                                               issuer_name=f"{ISSUER} {organisation}".strip())


def time_step(moment: float | None = None) -> int:
    """The TOTP time step of ``moment`` (seconds since the epoch; now by default)."""
    return int((time.time() if moment is None else moment) // STEP_SECONDS)


def _matching_step(secret: str, code: str, now_step: int) -> int | None:
    """The step within the drift window whose code is ``code`` (compared in constant time)."""
    totp = pyotp.TOTP(secret)
    found = None
    for step in range(now_step - DRIFT_STEPS, now_step + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            found = step
    return found


def normalise_code(text: str) -> str:
    """A typed code without spaces and dashes, upper case (``123 456`` → ``123456``)."""
    return "".join(text.split()).replace("-", "").upper()


def is_enrolled(session: Session, account_id: int) -> bool:
    """Whether the account has a second factor."""
    return session.get(StaffSecondFactor, account_id) is not None


def required_for(account: StaffAccount, roles: frozenset[str]) -> bool:
    """Whether ``account``'s role must use a second factor (``roles``: role values)."""
    return account.role.value in roles


@dataclass(frozen=True)
class Enrolment:
    """A finished enrolment: the recovery codes to show once (grouped ``XXXXX-XXXXX``)."""

    recovery_codes: list[str]


def _recovery_key(server_secret: bytes) -> bytes:
    return HKDF(algorithm=SHA256(), length=32, salt=None,
                info=b"rongrian staff recovery codes").derive(server_secret)


def _recovery_digest(server_secret: bytes, account_id: int, code: str) -> bytes:
    message = f"{account_id}:{normalise_code(code)}".encode("ascii", "replace")
    return hmac.new(_recovery_key(server_secret), message, hashlib.sha256).digest()


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(_RECOVERY_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


def enrol(session: Session, account: StaffAccount, secret: str, code: str, *,
          server_secret: bytes, now: datetime | None = None) -> Enrolment:
    """Turn the second factor on with ``secret`` once ``code`` (from the app) matches it.

    Replaces an earlier enrolment and its recovery codes. The accepted step is stored, so the
    confirming code cannot log in afterwards. Audited (``second_factor_enrolled``). Raises
    :class:`SecondFactorRefused` for a wrong code (nothing written). Flushed; the caller commits.
    """
    now = now or datetime.now(UTC)
    step = _matching_step(secret, normalise_code(code), time_step(now.timestamp()))
    if step is None:
        raise SecondFactorRefused
    remove(session, account.id)
    session.add(StaffSecondFactor(
        account_id=account.id, last_step=step, enrolled_at=now,
        sealed_secret=sealed.seal(keys.load_public(account.public_key), secret.encode("ascii"),
                                  _secret_aad(account))))
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODES)]
    for one in codes:
        session.add(StaffRecoveryCode(digest=_recovery_digest(server_secret, account.id, one),
                                      account_id=account.id))
    append_entry(session, AuditAction.SECOND_FACTOR_ENROLLED, Actor.of(account), now=now,
                 detail={"account": account.username})
    session.flush()
    return Enrolment(codes)


def remove(session: Session, account_id: int) -> bool:
    """Delete the account's second factor and recovery codes; return whether it had one.
    Flushed; not audited (see :func:`reset`)."""
    had = is_enrolled(session, account_id)
    session.execute(delete(StaffRecoveryCode).where(StaffRecoveryCode.account_id == account_id))
    session.execute(delete(StaffSecondFactor).where(StaffSecondFactor.account_id == account_id))
    session.flush()
    return had


def reset(session: Session, account: StaffAccount, *, actor: Actor,
          now: datetime | None = None) -> bool:
    """An administrator turns off ``account``'s second factor (a lost phone): audited as
    ``second_factor_reset`` by ``actor``. A role that requires one enrols again at its next
    log-in. Returns whether there was one. Flushed; the caller commits."""
    had = remove(session, account.id)
    append_entry(session, AuditAction.SECOND_FACTOR_RESET, actor, now=now,
                 detail={"account": account.username, "had_second_factor": had})
    session.flush()
    return had


def _open_secret(account: StaffAccount, row: StaffSecondFactor,
                 unlocked: UnlockedAccount) -> str:
    try:
        return sealed.open_sealed(unlocked.private_key, row.sealed_secret,
                                  _secret_aad(account)).decode("ascii")
    except (CryptoError, UnicodeDecodeError) as exc:  # sealed to a replaced key
        raise SecondFactorRefused from exc


def opens(session: Session, account: StaffAccount, unlocked: UnlockedAccount, *,
          now: datetime | None = None) -> bool:
    """Whether the account's second factor opens with its unlocked key. One sealed to a key
    an administrator's password reset replaced is removed (audited ``second_factor_reset``,
    reason ``account_key_replaced``) and ``False`` returned. Flushed."""
    row = session.get(StaffSecondFactor, account.id)
    if row is None:
        return False
    try:
        _open_secret(account, row, unlocked)
    except SecondFactorRefused:
        remove(session, account.id)
        append_entry(session, AuditAction.SECOND_FACTOR_RESET, Actor.of(account), now=now,
                     detail={"account": account.username, "reason": "account_key_replaced"})
        session.flush()
        return False
    return True


def _accept_step(session: Session, account_id: int, step: int) -> bool:
    """Move ``last_step`` to ``step`` if it is later (atomic); whether it moved."""
    result = session.execute(
        update(StaffSecondFactor)
        .where(StaffSecondFactor.account_id == account_id, StaffSecondFactor.last_step < step)
        .values(last_step=step).execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0) == 1


def _use_recovery_code(session: Session, account: StaffAccount, code: str,
                       server_secret: bytes, now: datetime) -> bool:
    digest = _recovery_digest(server_secret, account.id, code)
    result = session.execute(delete(StaffRecoveryCode).where(
        StaffRecoveryCode.digest == digest, StaffRecoveryCode.account_id == account.id))
    if int(getattr(result, "rowcount", 0) or 0) != 1:
        return False
    left = len(session.scalars(select(StaffRecoveryCode.digest).where(
        StaffRecoveryCode.account_id == account.id)).all())
    append_entry(session, AuditAction.RECOVERY_CODE_USED, Actor.of(account), now=now,
                 detail={"account": account.username, "codes_left": left})
    return True


def verify(session: Session, account: StaffAccount, unlocked: UnlockedAccount, code: str, *,
           server_secret: bytes, now: datetime | None = None) -> str:
    """Check a code typed at log-in: a TOTP code (6 digits) or a recovery code.

    Returns ``"totp"`` or ``"recovery"``. Raises :class:`CodeReused` for a right TOTP code of a
    step already accepted, :class:`SecondFactorRefused` for anything else wrong. A recovery code
    is deleted when used (audited ``recovery_code_used``). Flushed; on an exception the caller
    rolls back and calls :func:`record_failure`.
    """
    now = now or datetime.now(UTC)
    row = session.get(StaffSecondFactor, account.id)
    if row is None:
        raise SecondFactorRefused
    typed = normalise_code(code)
    if typed.isdigit() and len(typed) == 6:
        step = _matching_step(_open_secret(account, row, unlocked), typed,
                              time_step(now.timestamp()))
        if step is None:
            raise SecondFactorRefused
        if not _accept_step(session, account.id, step):
            raise CodeReused
        session.flush()
        return "totp"
    if len(typed) == _RECOVERY_LENGTH and _use_recovery_code(session, account, typed,
                                                             server_secret, now):
        session.flush()
        return "recovery"
    raise SecondFactorRefused


def record_failure(session: Session, account: StaffAccount, lock: LockPolicy, *,
                   reason: str, now: datetime | None = None) -> bool:
    """A wrong second factor: audited as ``login_failed`` (``reason`` e.g. ``second_factor``
    or ``second_factor_reused``) and counted against the account's lock exactly like a wrong
    password. Returns whether the account is now locked. Flushed; the caller commits."""
    now = now or datetime.now(UTC)
    append_entry(session, AuditAction.LOGIN_FAILED, Actor.of(account), now=now,
                 detail={"reason": reason})
    lockout.record_failure(session, account, lock, now=now)
    return lockout.locked_until(account, now) is not None


def recovery_codes_left(session: Session, account_id: int) -> int:
    """How many unused recovery codes the account has."""
    return len(session.scalars(select(StaffRecoveryCode.digest).where(
        StaffRecoveryCode.account_id == account_id)).all())
