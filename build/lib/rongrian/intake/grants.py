"""Unit membership and key grants: who should hold which key ring, and who gives it to them.

DESIGN.md: a unit's private key is sealed to each member's account key. An administrator adds an
account to a unit but never holds a unit key, so the new member's access starts as a *pending
grant*: the account should hold the ring (it is a member, or an identity custodian for the
custodian ring) but no :class:`KeyGrant` is sealed to it yet. A member who holds the ring grants it
by an explicit action when they next use the staff app, or the offline recovery key does
(``rongrian keys grant``). Until then the account sees the unit's case list but no content.

A pending grant can be given only once the account's holder has chosen their own password (no
:class:`IssuedPassword` row), so the administrator who issued the one-time password is not the one
who receives the key. Administrators and executives never hold unit keys: they cannot be members.
"""

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select, delete, select
from sqlalchemy.orm import Session

from rongrian.crypto.keys import X25519PrivateKey
from rongrian.intake.audit import RECOVERY_KEY, Actor, actor_of, append_entry
from rongrian.intake.errors import GrantRefused, KeyNotGranted
from rongrian.intake.keyring import (
    UnlockedAccount,
    check_recovery_key,
    grant,
    ring_private_key,
    ring_private_key_by_recovery,
)
from rongrian.intake.models import (
    AuditAction,
    IssuedPassword,
    KeyGrant,
    KeyRing,
    RingPurpose,
    Role,
    StaffAccount,
    Unit,
    UnitMembership,
)

_Query = TypeVar("_Query", bound=Select[*tuple[Any, ...]])

#: Roles that may hold a unit's key (DESIGN.md: staff of a unit and the identity custodian).
HOLDER_ROLES = frozenset({Role.STAFF, Role.CUSTODIAN})


@dataclass(frozen=True)
class PendingGrant:
    """An account that should hold ``ring_id`` but has no grant for it yet.

    ``unit_id``/``unit_code``/names are ``None`` for the custodian ring. ``awaiting_own_password``
    is true while the account still has an administrator-issued password: it cannot be granted
    until its holder has logged in and chosen their own.
    """

    account_id: int
    username: str
    display_name: str
    role: Role
    ring_id: int
    purpose: RingPurpose
    unit_id: int | None
    unit_code: str | None
    unit_name_th: str | None
    unit_name_en: str | None
    awaiting_own_password: bool


def _pending(account: StaffAccount, ring: KeyRing, unit: Unit | None,
             issued: int | None) -> PendingGrant:
    return PendingGrant(
        account_id=account.id, username=account.username, display_name=account.display_name,
        role=account.role, ring_id=ring.id, purpose=ring.purpose,
        unit_id=unit.id if unit else None, unit_code=unit.code if unit else None,
        unit_name_th=unit.name_th if unit else None, unit_name_en=unit.name_en if unit else None,
        awaiting_own_password=issued is not None,
    )


def _ungranted(statement: _Query, ring_ids: Collection[int] | None,
               account_id: int | None) -> _Query:
    """``statement`` (over StaffAccount and KeyRing) narrowed to rows without a grant."""
    statement = (
        statement
        .outerjoin(KeyGrant, (KeyGrant.ring_id == KeyRing.id)
                   & (KeyGrant.account_id == StaffAccount.id))
        .outerjoin(IssuedPassword, IssuedPassword.account_id == StaffAccount.id)
        .where(KeyGrant.ring_id.is_(None), StaffAccount.active, KeyRing.active)
    )
    if ring_ids is not None:
        statement = statement.where(KeyRing.id.in_(list(ring_ids)))
    if account_id is not None:
        statement = statement.where(StaffAccount.id == account_id)
    return statement


def pending_grants(session: Session, *, ring_ids: Collection[int] | None = None,
                   account_id: int | None = None) -> list[PendingGrant]:
    """Every pending grant (unit rings by unit code and user name, then the custodian ring),
    optionally only those of ``ring_ids`` or of one account."""
    unit_rows = session.execute(_ungranted(
        select(StaffAccount, KeyRing, Unit, IssuedPassword.account_id)
        .select_from(StaffAccount)
        .join(UnitMembership, UnitMembership.account_id == StaffAccount.id)
        .join(Unit, Unit.id == UnitMembership.unit_id)
        .join(KeyRing, (KeyRing.unit_id == Unit.id) & (KeyRing.purpose == RingPurpose.UNIT))
        .where(StaffAccount.role.in_(HOLDER_ROLES)),
        ring_ids, account_id,
    ).order_by(Unit.code, StaffAccount.username))
    custodian_rows = session.execute(_ungranted(
        select(StaffAccount, KeyRing, IssuedPassword.account_id)
        .select_from(StaffAccount)
        .join(KeyRing, KeyRing.purpose == RingPurpose.CUSTODIAN)
        .where(StaffAccount.role == Role.CUSTODIAN),
        ring_ids, account_id,
    ).order_by(StaffAccount.username))
    return [
        *(_pending(account, ring, unit, issued) for account, ring, unit, issued in unit_rows),
        *(_pending(account, ring, None, issued) for account, ring, issued in custodian_rows),
    ]


def held_ring_ids(session: Session, account_id: int) -> set[int]:
    """Ids of the active rings ``account_id`` holds a grant for."""
    return set(session.scalars(
        select(KeyGrant.ring_id).join(KeyRing, KeyRing.id == KeyGrant.ring_id)
        .where(KeyGrant.account_id == account_id, KeyRing.active)
    ))


def grantable_by(session: Session, account_id: int) -> list[PendingGrant]:
    """Pending grants of the rings ``account_id`` holds (what that member can give)."""
    held = held_ring_ids(session, account_id)
    if not held:
        return []
    return [p for p in pending_grants(session, ring_ids=held) if p.account_id != account_id]


def _pending_one(session: Session, account_id: int, ring_id: int) -> PendingGrant:
    for pending in pending_grants(session, ring_ids={ring_id}, account_id=account_id):
        if not pending.awaiting_own_password:
            return pending
    raise GrantRefused


def grant_by_member(session: Session, unlocked: UnlockedAccount, account_id: int,
                    ring_id: int) -> PendingGrant:
    """Seal ring ``ring_id`` to ``account_id`` with the logged-in member's copy of it.

    Raises :class:`GrantRefused` if that grant is not pending (or the account still has an
    issued password) and :class:`KeyNotGranted` if the member does not hold the ring.
    """
    pending = _pending_one(session, account_id, ring_id)
    ring = session.get(KeyRing, ring_id)
    target = session.get(StaffAccount, account_id)
    if ring is None or target is None:  # pragma: no cover - _pending_one found both
        raise GrantRefused
    if ring_id not in held_ring_ids(session, unlocked.account_id):
        raise KeyNotGranted
    grant(session, ring, ring_private_key(session, unlocked, ring), target)
    _audit_grant(session, actor_of(session, unlocked.account_id), pending, by="member")
    session.flush()
    return pending


def _audit_grant(session: Session, actor: Actor, pending: PendingGrant, *, by: str) -> None:
    append_entry(session, AuditAction.KEY_GRANTED, actor, unit_id=pending.unit_id, detail={
        "account": pending.username, "ring": pending.ring_id, "purpose": pending.purpose.value,
        "by": by,
    })


def grant_by_recovery(session: Session, recovery_private: X25519PrivateKey, ring: KeyRing,
                      usernames: Collection[str] = ()) -> list[PendingGrant]:
    """Grant ``ring`` to its pending accounts (all, or only ``usernames``) with the recovery key.

    The recovery-key holder acts deliberately, so accounts still on an issued password are
    granted too. Raises :class:`WrongRecoveryKey` (nothing changed) or :class:`GrantRefused` if
    a named account is not waiting for this ring.
    """
    check_recovery_key(session, recovery_private)
    private = ring_private_key_by_recovery(ring, recovery_private)
    pending = pending_grants(session, ring_ids={ring.id})
    if usernames:
        wanted = {name.strip().lower() for name in usernames}
        pending = [p for p in pending if p.username in wanted]
        if {p.username for p in pending} != wanted:
            raise GrantRefused
    actor = Actor(None, RECOVERY_KEY)
    append_entry(session, AuditAction.RECOVERY_KEY_USED, actor, unit_id=ring.unit_id,
                 detail={"operation": "grant", "ring": ring.id, "accounts": len(pending)})
    for item in pending:
        target = session.get(StaffAccount, item.account_id)
        assert target is not None  # noqa: S101 - listed from the same session
        grant(session, ring, private, target)
        _audit_grant(session, actor, item, by="recovery_key")
    session.flush()
    return pending


def add_member(session: Session, account: StaffAccount, unit: Unit) -> bool:
    """Make ``account`` a member of ``unit`` (its key grant starts pending).

    Returns ``False`` if it already was one. Raises :class:`GrantRefused` for an inactive account
    or unit, or a role that may not hold unit keys (administrator, executive).
    """
    if account.role not in HOLDER_ROLES or not account.active or not unit.active:
        raise GrantRefused
    if session.get(UnitMembership, (account.id, unit.id)) is not None:
        return False
    session.add(UnitMembership(account_id=account.id, unit_id=unit.id))
    session.flush()
    return True


def remove_member(session: Session, account: StaffAccount, unit: Unit, *, actor: Actor) -> bool:
    """End ``account``'s membership of ``unit`` and delete its grants of every ring of the unit
    (active and retired); audited as ``key_revoked`` by ``actor``. Returns ``False`` if it was
    not a member (any stray grant is deleted all the same)."""
    membership = session.get(UnitMembership, (account.id, unit.id))
    ring_ids = select(KeyRing.id).where(KeyRing.unit_id == unit.id,
                                        KeyRing.purpose == RingPurpose.UNIT)
    result = session.execute(delete(KeyGrant).where(KeyGrant.account_id == account.id,
                                                    KeyGrant.ring_id.in_(ring_ids)))
    deleted = int(getattr(result, "rowcount", 0) or 0)
    if membership is not None:
        session.delete(membership)
    if membership is not None or deleted:
        append_entry(session, AuditAction.KEY_REVOKED, actor, unit_id=unit.id, detail={
            "account": account.username, "unit": unit.code, "membership": "removed",
            "grants_deleted": deleted,
        })
    session.flush()
    return membership is not None


def drop_grants_of(session: Session, account_id: int) -> int:
    """Delete every grant sealed to ``account_id`` (after its key pair was replaced)."""
    result = session.execute(delete(KeyGrant).where(KeyGrant.account_id == account_id))
    return int(getattr(result, "rowcount", 0) or 0)
