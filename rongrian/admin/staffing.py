"""Staff accounts over their life: creation by an administrator, password change, reset.

Rules (helper notes ``keys.md``; DESIGN.md, "Mechanism"):

- An administrator creates an account with a **one-time password** (random, shown once) and may
  add it to units; the account's key grants start *pending* (:mod:`rongrian.intake.grants`).
  The holder must choose their own password at first log-in before using anything else, and only
  then can a colleague grant them a unit key.
- A **password change** re-wraps the same account key under the new password (new Argon2id salt)
  and replaces the login hash; grants keep working. The session that made the change stays
  logged in; every other session of the account is ended.
- An administrator's **password reset** cannot recover the old key (it is wrapped under the lost
  password), so it makes a new key pair: every grant sealed to the old key is deleted and every
  session ended. The account needs new grants, given as for a new member.
"""

import re
import secrets
from datetime import UTC, datetime

from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from rongrian.admin.accounts import password_hasher, session_id_of
from rongrian.admin.passwords import password_problem
from rongrian.intake.audit import Actor, append_entry
from rongrian.intake.errors import AuthenticationFailed, InvalidSubmission
from rongrian.intake.grants import add_member, drop_grants_of
from rongrian.intake.keyring import create_account, replace_account_key, rewrap_account_key
from rongrian.intake.models import (
    AuditAction,
    IssuedPassword,
    IssueReason,
    Role,
    StaffAccount,
    StaffSession,
    Unit,
)
from rongrian.intake.store import clean_text

MAX_DISPLAY_NAME = 200
USERNAME = re.compile(r"^[a-z][a-z0-9._-]{1,63}$")
#: Letters and digits without look-alikes (no 0/o, 1/l/i), for passwords read off a screen.
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def one_time_password() -> str:
    """A random one-time password: 16 symbols of a 31-letter alphabet (79 bits) in groups of 4,
    e.g. ``k7qm-2xha-pn4t-wz9e``."""
    symbols = "".join(secrets.choice(_ALPHABET) for _ in range(16))
    return "-".join(symbols[i:i + 4] for i in range(0, 16, 4))


def normalise_username(text: str) -> str:
    """The stored form of a user name (trimmed, lower case), as :func:`accounts.log_in` reads it."""
    return text.strip().lower()


def account_named(session: Session, username: str) -> StaffAccount | None:
    """The account whose user name is ``username`` (in any case, trimmed), or ``None``."""
    return session.scalars(select(StaffAccount).where(
        StaffAccount.username == normalise_username(username))).first()


def new_password_problems(new: str, confirm: str, *, username: str, display_name: str = "",
                          current: str | None = None) -> dict[str, str]:
    """Problems of a chosen password: ``{"new_password": code}`` or ``{"confirm": "mismatch"}``.

    Codes (:func:`rongrian.admin.passwords.password_problem`): ``required``, ``too_short``,
    ``too_long``, ``same`` (equal to the current one), ``is_username``, ``is_name``, ``common``
    (a common or easily guessed password, ASVS 6.2.4).
    """
    code = password_problem(new, username=username, display_name=display_name,
                            current=current)
    if code is not None:
        return {"new_password": code}
    if new != confirm:
        return {"confirm": "mismatch"}
    return {}


def issued_password(session: Session, account_id: int) -> IssuedPassword | None:
    """The account's administrator-issued password record, if it must still choose its own."""
    return session.get(IssuedPassword, account_id)


def _issue(session: Session, account: StaffAccount, reason: IssueReason, actor: Actor,
           now: datetime) -> None:
    """Record the one-time password (fresh: unused) and who made the account's key, when."""
    session.merge(IssuedPassword(account_id=account.id, reason=reason, issued_at=now,
                                 used_at=None))
    account.key_issued_at = now
    account.key_issued_by = actor.name[:64]
    account.key_issue_reason = reason.value


def end_sessions(session: Session, account_id: int, *, keep_token: str | None = None) -> int:
    """Delete the account's server-side sessions (their cookies open nothing any more), except
    the one of ``keep_token``; return how many ended."""
    statement = delete(StaffSession).where(StaffSession.account_id == account_id)
    if keep_token is not None:
        statement = statement.where(StaffSession.id != session_id_of(keep_token))
    result = session.execute(statement)
    return int(getattr(result, "rowcount", 0) or 0)


def create_staff_account(session: Session, *, username: str, display_name: str, role: Role,
                         actor: Actor, unit: Unit | None = None,
                         strength: str = "interactive", now: datetime | None = None
                         ) -> tuple[StaffAccount, str]:
    """Create an account with a one-time password (returned, to show once) and optionally make
    it a member of ``unit`` (pending grant). Audited as ``password_issued`` by ``actor``.

    Raises :class:`InvalidSubmission` (``username``: ``required``/``invalid``/``taken``;
    ``display_name``: ``required``/``too_long``; ``unit``: ``not_allowed`` for a role that may
    not hold unit keys). Nothing is stored when it raises.
    """
    now = now or datetime.now(UTC)
    name = normalise_username(username)
    shown = clean_text(display_name)
    problems: dict[str, str] = {}
    if not name:
        problems["username"] = "required"
    elif not USERNAME.match(name):
        problems["username"] = "invalid"
    elif session.scalars(select(StaffAccount.id).where(StaffAccount.username == name)).first():
        problems["username"] = "taken"
    if not shown:
        problems["display_name"] = "required"
    elif len(shown) > MAX_DISPLAY_NAME:
        problems["display_name"] = "too_long"
    if unit is not None and role not in (Role.STAFF, Role.CUSTODIAN):
        problems["unit"] = "not_allowed"
    if problems:
        raise InvalidSubmission(problems)
    password = one_time_password()
    account = create_account(
        session, username=name, display_name=shown, role=role, password=password,
        password_hash=password_hasher(strength).hash(password), kdf_strength=strength,
    )
    _issue(session, account, IssueReason.NEW, actor, now)
    if unit is not None:
        add_member(session, account, unit)
    append_entry(session, AuditAction.PASSWORD_ISSUED, actor,
                 unit_id=unit.id if unit else None, now=now, detail={
                     "account": account.username, "reason": IssueReason.NEW.value,
                     "role": role.value, "unit": unit.code if unit else None})
    session.flush()
    return account, password


def change_password(session: Session, account: StaffAccount, *, current_password: str,
                    new_password: str, confirm: str, keep_token: str | None,
                    strength: str = "interactive") -> int:
    """Change ``account``'s password; return how many other sessions were ended.

    Raises :class:`AuthenticationFailed` for a wrong current password and
    :class:`InvalidSubmission` (see :func:`new_password_problems`); nothing changes then.
    Audited as ``password_changed`` by the account itself.
    """
    hasher = password_hasher(strength)
    try:
        hasher.verify(account.password_hash, current_password)
    except (VerificationError, InvalidHashError) as exc:
        raise AuthenticationFailed from exc
    problems = new_password_problems(new_password, confirm, username=account.username,
                                     display_name=account.display_name,
                                     current=current_password)
    if problems:
        raise InvalidSubmission(problems)
    rewrap_account_key(account, current_password, new_password, kdf_strength=strength)
    account.password_hash = hasher.hash(new_password)
    record = issued_password(session, account.id)
    if record is not None:
        session.delete(record)
    ended = end_sessions(session, account.id, keep_token=keep_token)
    append_entry(session, AuditAction.PASSWORD_CHANGED, Actor.of(account), detail={
        "account": account.username, "replaced_issued": record is not None,
        "sessions_ended": ended})
    session.flush()
    return ended


def reset_password(session: Session, account: StaffAccount, *, actor: Actor,
                   strength: str = "interactive", now: datetime | None = None) -> str:
    """An administrator's reset: a new key pair under a one-time password (returned, show once).

    Every grant sealed to the old key is deleted (the account waits for new ones) and every
    session of the account is ended. Nothing readable is handed to the administrator. Audited as
    ``password_issued`` (and ``key_revoked`` when grants were dropped) by ``actor``.
    """
    now = now or datetime.now(UTC)
    password = one_time_password()
    replace_account_key(account, password, kdf_strength=strength)
    account.password_hash = password_hasher(strength).hash(password)
    dropped = drop_grants_of(session, account.id)
    ended = end_sessions(session, account.id)
    _issue(session, account, IssueReason.RESET, actor, now)
    append_entry(session, AuditAction.PASSWORD_ISSUED, actor, now=now, detail={
        "account": account.username, "reason": IssueReason.RESET.value, "sessions_ended": ended})
    if dropped:
        append_entry(session, AuditAction.KEY_REVOKED, actor, now=now, detail={
            "account": account.username, "reason": "password_reset", "grants_deleted": dropped})
    session.flush()
    return password


def record_failed_password_change(session: Session, account: StaffAccount, *,
                                  now: datetime | None = None) -> None:
    """Audit a password change refused for a wrong current password (``password_change_failed``
    by the account itself; issue 13 L1). Flushed; the caller rolls the attempt back first and
    commits this on its own."""
    append_entry(session, AuditAction.PASSWORD_CHANGE_FAILED, Actor.of(account), now=now,
                 detail={"account": account.username})
    session.flush()
