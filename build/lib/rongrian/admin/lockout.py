"""The per-account log-in lock (issue 13 M3): after a number of failed log-ins in a row, the
account refuses every password, the right one too, for a while; an administrator can lift it.

The per-address limit (Flask-Limiter, :mod:`rongrian.admin.web.auth`) slows one guesser; this
lock stops many addresses guessing one account's password together (OWASP ASVS 4.0.3 §2.2.1,
NIST SP 800-63B §5.2.2: "limit the number of failed authentication attempts"). The counter and
the lock's end live on :class:`~rongrian.intake.models.StaffAccount`; locking and unlocking are
audited (``account_locked``, ``account_unlocked``).

What a locked account shows is exactly what a wrong password shows (same page, same status,
same key-derivation work), so the lock never tells an observer that an account exists
(:func:`rongrian.admin.accounts.log_in`). The cost: anyone who knows a user name can keep that
account locked; the administrator sees it on the account page and in the audit log.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from rongrian.intake.audit import Actor, append_entry, as_utc
from rongrian.intake.models import AuditAction, StaffAccount


@dataclass(frozen=True)
class LockPolicy:
    """Lock for ``minutes`` minutes after ``after`` failed log-ins in a row."""

    after: int = 5
    minutes: int = 15


def locked_until(account: StaffAccount, now: datetime) -> datetime | None:
    """The end of the account's lock (UTC) if it is locked at ``now``, else ``None``."""
    if account.locked_until is None:
        return None
    until = as_utc(account.locked_until)
    return until if until > now else None


def record_failure(session: Session, account: StaffAccount, policy: LockPolicy, *,
                   now: datetime | None = None) -> bool:
    """Count one failed log-in of ``account``; lock it when the count reaches ``policy.after``.

    The count is raised by one atomic ``UPDATE`` (failures from many workers at once all count).
    A lock that has ended starts the count again. Returns whether this failure locked the
    account (then an ``account_locked`` entry is added). Flushed; the caller commits.
    """
    now = now or datetime.now(UTC)
    if account.locked_until is not None and locked_until(account, now) is None:
        account.failed_logins, account.locked_until = 0, None
        session.flush()
    count = session.execute(
        update(StaffAccount).where(StaffAccount.id == account.id)
        .values(failed_logins=StaffAccount.failed_logins + 1)
        .returning(StaffAccount.failed_logins)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    set_committed_value(account, "failed_logins", count)
    if count < policy.after or locked_until(account, now) is not None:
        session.flush()
        return False
    account.locked_until = now + timedelta(minutes=policy.minutes)
    append_entry(session, AuditAction.ACCOUNT_LOCKED, Actor.of(account), now=now, detail={
        "account": account.username, "failed_logins": count, "minutes": policy.minutes})
    session.flush()
    return True


def clear_failures(account: StaffAccount) -> None:
    """After a successful log-in: the count starts again from zero."""
    account.failed_logins = 0
    account.locked_until = None


def unlock(session: Session, account: StaffAccount, *, actor: Actor,
           now: datetime | None = None) -> bool:
    """An administrator lifts the lock (and clears the count); audited as ``account_unlocked``
    by ``actor`` when the account was locked. Returns whether it was locked. Flushed."""
    now = now or datetime.now(UTC)
    was_locked = locked_until(account, now) is not None
    clear_failures(account)
    if was_locked:
        append_entry(session, AuditAction.ACCOUNT_UNLOCKED, actor, now=now,
                     detail={"account": account.username})
    session.flush()
    return was_locked
