"""Changes to the agency, its units and categories, each written to the audit log.

One set of rules for both ways of changing them: the organisation file (:mod:`.org_apply`) and
the administrators' pages (:mod:`rongrian.admin.web.organisation_pages`). Each function flushes,
never commits: the caller commits the change together with its audit entry, or rolls both back.

Rules: the unit tree stays a tree (a unit never moves under itself or a descendant); the
organisation-level unit and the integrity unit stay active; a whistleblower category's default
unit is the integrity unit (:mod:`rongrian.intake.routing`); a unit or category with cases is
never deleted, only deactivated (its cases keep their history).
"""

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import Select, delete, exists, select
from sqlalchemy.orm import Session

from rongrian.admin.emblem import emblem_digest
from rongrian.intake.audit import Actor, append_entry
from rongrian.intake.errors import InvalidSubmission
from rongrian.intake.models import (
    Agency,
    AuditAction,
    Base,
    Category,
    Installation,
    KeyGrant,
    KeyRing,
    Kind,
    Sensitivity,
    Unit,
    UnitMembership,
)
from rongrian.intake.reference import AGENCY_ID
from rongrian.intake.setup import add_category, add_unit

#: The agency's text fields (all strings; "" when not given).
AGENCY_FIELDS = ("name_th", "name_en", "short_name", "address", "hotline", "office_hours",
                 "website", "line_official_account")
MAX_DAYS = 365
#: ``emblem`` argument of :func:`set_agency` that leaves the stored emblem as it is.
KEEP = b"keep"


def _audit(session: Session, actor: Actor | None, action: AuditAction, *,
           unit_id: int | None = None, **detail: str | int | bool | None) -> None:
    """Append an audit entry, unless ``actor`` is ``None`` (the demo's built-in set-up, so its
    tests start from an empty audit chain)."""
    if actor is not None:
        append_entry(session, action, actor, unit_id=unit_id, detail=detail)


def agency_of(session: Session) -> Agency | None:
    """The agency's profile, or ``None`` before set-up."""
    return session.get(Agency, AGENCY_ID)


def set_agency(session: Session, actor: Actor | None, fields: Mapping[str, str], *,
               emblem: bytes | None = KEEP, now: datetime | None = None) -> list[str]:
    """Create or update the agency's profile from ``fields`` (some of :data:`AGENCY_FIELDS`);
    ``emblem``: a cleaned PNG (:func:`rongrian.admin.emblem.clean_emblem`), ``None`` to remove
    it, or :data:`KEEP`. Returns the names of the fields that changed (audited as
    ``agency_changed``); keeps ``Installation.organisation_name`` equal to the Thai name."""
    now = now or datetime.now(UTC)
    agency = agency_of(session)
    if agency is None:
        agency = Agency(id=AGENCY_ID, **{name: "" for name in AGENCY_FIELDS}, updated_at=now)
        session.add(agency)
    changed = [name for name in AGENCY_FIELDS
               if name in fields and getattr(agency, name) != fields[name]]
    for name in changed:
        setattr(agency, name, fields[name])
    if emblem is not KEEP:
        digest = emblem_digest(emblem) if emblem is not None else None
        if digest != agency.emblem_digest:
            agency.emblem, agency.emblem_digest = emblem, digest
            changed.append("emblem")
    if changed:
        agency.updated_at = now
        installation = session.scalars(select(Installation)).first()
        if installation is not None:
            installation.organisation_name = agency.name_th
        session.flush()
        _audit(session, actor, AuditAction.AGENCY_CHANGED, fields=",".join(changed))
    return changed


#: References to a unit that deleting it removes with it (its key rings and memberships).
_REMOVED_WITH_UNIT = {("key_ring", "unit_id"), ("unit_membership", "unit_id")}


def _referenced(session: Session, table: str, ids: Any,
                skip: Callable[[str, str], bool]) -> bool:
    """Whether any row of any table has a foreign key into ``table`` naming one of ``ids`` (a
    value or a subquery), other than those ``skip(table, column)`` names."""
    for other in Base.metadata.sorted_tables:
        for key in other.foreign_keys:
            if key.column.table.name != table or skip(other.name, key.parent.name):
                continue
            condition = key.parent.in_(ids) if isinstance(ids, Select) else key.parent == ids
            if session.scalar(select(exists().where(condition))):
                return True
    return False


def unit_in_use(session: Session, unit: Unit) -> bool:
    """Whether anything but its own key rings, their grants and its memberships refers to
    ``unit``: complaints, transfers, data keys sealed to its rings, key rotations, sub-units,
    categories, QR posters, and whatever a later table adds. Then it may only be deactivated."""
    rings = select(KeyRing.id).where(KeyRing.unit_id == unit.id)
    return (_referenced(session, "unit", unit.id,
                        lambda table, column: (table, column) in _REMOVED_WITH_UNIT)
            or _referenced(session, "key_ring", rings,
                           lambda table, _column: table == "key_grant"))


def category_has_cases(session: Session, category: Category) -> bool:
    """Whether anything refers to ``category`` (complaints filed under it)."""
    return _referenced(session, "category", category.id, lambda _table, _column: False)


def create_unit(session: Session, actor: Actor | None, *, code: str, name_th: str,
                name_en: str, parent: Unit | None, integrity: bool = False,
                organisation_level: bool = False) -> tuple[Unit, X25519PrivateKey]:
    """Add a unit with its key ring (private key sealed to the recovery key; returned for
    set-up to grant). Raises :class:`InvalidSubmission` (``code``: ``taken``)."""
    if session.scalars(select(Unit.id).where(Unit.code == code)).first() is not None:
        raise InvalidSubmission({"code": "taken"})
    unit, private = add_unit(session, code=code, name_th=name_th, name_en=name_en or name_th,
                             parent=parent, is_integrity=integrity,
                             level="organisation" if organisation_level else "division")
    _audit(session, actor, AuditAction.UNIT_ADDED, unit_id=unit.id, unit=code,
           parent=parent.code if parent else None)
    return unit, private


def _descendant_or_self(session: Session, unit: Unit, candidate: Unit) -> bool:
    current: Unit | None = candidate
    seen: set[int] = set()
    while current is not None and current.id not in seen:
        if current.id == unit.id:
            return True
        seen.add(current.id)
        current = session.get(Unit, current.parent_id) if current.parent_id else None
    return False


def change_unit(session: Session, actor: Actor | None, unit: Unit, *,
                name_th: str | None = None, name_en: str | None = None,
                parent: Unit | None = None, active: bool | None = None,
                integrity: bool | None = None, organisation_level: bool | None = None
                ) -> list[str]:
    """Rename, move (``parent``), (de)activate or re-flag ``unit``; ``None`` leaves a field.

    Returns the changed fields (audited as ``unit_changed``). Raises
    :class:`InvalidSubmission`: ``parent``: ``cycle`` (itself or a descendant),
    ``organisation`` (the organisation level has no parent); ``active``: ``required`` (the
    organisation level or the integrity unit cannot be deactivated).
    """
    problems: dict[str, str] = {}
    is_org = unit.level == "organisation" if organisation_level is None else organisation_level
    is_integrity = unit.is_integrity if integrity is None else integrity
    if parent is not None and is_org:
        problems["parent"] = "organisation"
    elif parent is not None and _descendant_or_self(session, unit, parent):
        problems["parent"] = "cycle"
    if active is False and (is_org or is_integrity):
        problems["active"] = "required"
    if problems:
        raise InvalidSubmission(problems)
    wanted: dict[str, object] = {}
    if name_th is not None:
        wanted["name_th"] = name_th
    if name_en is not None:
        wanted["name_en"] = name_en or name_th or unit.name_th
    if active is not None:
        wanted["active"] = active
    if integrity is not None:
        wanted["is_integrity"] = integrity
    if parent is not None:
        wanted["parent_id"] = parent.id
    elif is_org:
        wanted["parent_id"] = None
    if organisation_level is not None:
        wanted["level"] = "organisation" if organisation_level else (
            "division" if unit.level == "organisation" else unit.level)
    changed = [name for name, value in wanted.items() if getattr(unit, name) != value]
    for name in changed:
        setattr(unit, name, wanted[name])
    if changed:
        session.flush()
        above = session.get(Unit, unit.parent_id) if unit.parent_id is not None else None
        _audit(session, actor, AuditAction.UNIT_CHANGED, unit_id=unit.id, unit=unit.code,
               fields=",".join(changed), parent=above.code if above else None,
               active=unit.active)
    return changed


def remove_unit(session: Session, actor: Actor | None, unit: Unit) -> str:
    """Delete ``unit`` (with its key rings, grants and memberships) when it never had cases,
    else deactivate it. Returns ``"deleted"`` or ``"deactivated"`` (or ``"unchanged"`` for a
    unit already inactive that must be kept)."""
    if unit_in_use(session, unit):
        if not unit.active and not unit.is_integrity:
            return "unchanged"
        unit.active, unit.is_integrity = False, False
        session.flush()
        _audit(session, actor, AuditAction.UNIT_CHANGED, unit_id=unit.id, unit=unit.code,
               fields="active", active=False)
        return "deactivated"
    rings = select(KeyRing.id).where(KeyRing.unit_id == unit.id)
    session.execute(delete(KeyGrant).where(KeyGrant.ring_id.in_(rings)))
    session.execute(delete(KeyRing).where(KeyRing.unit_id == unit.id))
    session.execute(delete(UnitMembership).where(UnitMembership.unit_id == unit.id))
    unit_id, code = unit.id, unit.code
    session.delete(unit)
    session.flush()
    _audit(session, actor, AuditAction.UNIT_DELETED, unit_id=unit_id, unit=code)
    return "deleted"


def _check_category(*, sensitivity: Sensitivity, unit: Unit, days: int, active: bool) -> None:
    problems: dict[str, str] = {}
    if not 1 <= days <= MAX_DAYS:
        problems["days"] = "range"
    if active and not unit.active:
        problems["unit"] = "inactive"
    elif sensitivity == Sensitivity.WHISTLEBLOWER and not unit.is_integrity:
        problems["unit"] = "not_integrity"
    if problems:
        raise InvalidSubmission(problems)


def create_category(session: Session, actor: Actor | None, *, code: str, name_th: str,
                    name_en: str, kind: Kind, sensitivity: Sensitivity, unit: Unit, days: int,
                    position: int, active: bool = True, keywords: str | None = None,
                    retention_years: int | None = None, needs_evidence: bool = False
                    ) -> Category:
    """Add a category. Raises :class:`InvalidSubmission` (``code``: ``taken``; ``days``:
    ``range`` (1–365); ``unit``: ``inactive`` (for an active category) or ``not_integrity`` (a
    whistleblower category outside the integrity unit))."""
    if session.scalars(select(Category.id).where(Category.code == code)).first() is not None:
        raise InvalidSubmission({"code": "taken"})
    _check_category(sensitivity=sensitivity, unit=unit, days=days, active=active)
    category = add_category(session, code=code, name_th=name_th, name_en=name_en or name_th,
                            default_unit=unit, sla_days=days, sensitivity=sensitivity,
                            position=position)
    category.kind, category.active = kind, active
    category.keywords = keywords or ""
    category.needs_evidence = needs_evidence  # issue 9 §3: resolving needs an "after" photo
    if retention_years is not None:  # issue 9 §5; else the column's default (5 years)
        category.retention_years = retention_years
    session.flush()
    _audit(session, actor, AuditAction.CATEGORY_ADDED, unit_id=unit.id, category=code,
           unit=unit.code, days=days, sensitivity=sensitivity.value)
    return category


def change_category(session: Session, actor: Actor | None, category: Category, *,
                    name_th: str, name_en: str, kind: Kind, sensitivity: Sensitivity,
                    unit: Unit, days: int, active: bool, position: int | None = None,
                    keywords: str | None = None, retention_years: int | None = None,
                    needs_evidence: bool | None = None) -> list[str]:
    """Update every field of ``category``; returns the changed ones (audited as
    ``category_changed``). Raises :class:`InvalidSubmission` as :func:`create_category`."""
    _check_category(sensitivity=sensitivity, unit=unit, days=days, active=active)
    wanted: dict[str, object] = {
        "name_th": name_th, "name_en": name_en or name_th, "kind": kind,
        "sensitivity": sensitivity, "default_unit_id": unit.id, "sla_days": days,
        "active": active,
    }
    if position is not None:
        wanted["position"] = position
    if keywords is not None:
        wanted["keywords"] = keywords
    if retention_years is not None:
        wanted["retention_years"] = retention_years
    if needs_evidence is not None:
        wanted["needs_evidence"] = needs_evidence
    changed = [name for name, value in wanted.items() if getattr(category, name) != value]
    for name in changed:
        setattr(category, name, wanted[name])
    if changed:
        session.flush()
        _audit(session, actor, AuditAction.CATEGORY_CHANGED, unit_id=unit.id,
               category=category.code, fields=",".join(changed), unit=unit.code, days=days,
               active=active)
    return changed


def remove_category(session: Session, actor: Actor | None, category: Category) -> str:
    """Delete ``category`` if no complaint was filed under it, else deactivate it (it is then
    no longer offered). Returns ``"deleted"``, ``"deactivated"`` or ``"unchanged"``."""
    if category_has_cases(session, category):
        if not category.active:
            return "unchanged"
        category.active = False
        session.flush()
        _audit(session, actor, AuditAction.CATEGORY_CHANGED, category=category.code,
               fields="active", active=False)
        return "deactivated"
    code = category.code
    session.delete(category)
    session.flush()
    _audit(session, actor, AuditAction.CATEGORY_DELETED, category=code)
    return "deleted"
