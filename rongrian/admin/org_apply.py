"""Apply a checked organisation (:class:`~rongrian.admin.orgfile.OrganisationSpec`) to the
database: set up a fresh installation, or bring an existing one in line with the file.

On a fresh database it records the installation and its recovery key (returned once, never
stored), the identity custodian's key ring, every unit with its key ring, the categories and the
first accounts (one-time passwords, returned once). On an installed one it adds, renames, moves,
(re)activates and re-flags units and categories by their codes; a unit or category missing from
the file is deleted if it never had cases, else deactivated (:mod:`.org_changes`). Every step is
flushed in the caller's transaction: the caller commits all of it or nothing. ``rongrian setup
--check`` runs this very function in a transaction it rolls back, so what it lists is what would
be done.
"""

from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from rongrian.admin import org_changes as changes
from rongrian.admin.orgfile import OrganisationSpec, UnitSpec
from rongrian.crypto.keys import format_recovery_key
from rongrian.intake.audit import COMMAND_LINE, Actor, append_entry
from rongrian.intake.keyring import active_unit_ring, grant
from rongrian.intake.models import (
    AuditAction,
    Category,
    Installation,
    KeyRing,
    Role,
    StaffAccount,
    Unit,
)
from rongrian.intake.setup import add_custodian_ring, install
from rongrian.intake.suggest import format_keywords

_ADMIN_NAME = "ผู้ดูแลระบบ (Administrator)"
_CUSTODIAN_NAME = "ผู้ดูแลข้อมูลผู้ร้อง (Identity custodian)"
_FIELD_WORDS = {
    "name_th": ("เปลี่ยนชื่อ", "renamed"), "name_en": ("เปลี่ยนชื่อ", "renamed"),
    "parent_id": ("ย้าย", "moved"), "active": ("เปลี่ยนสถานะใช้งาน", "active changed"),
    "is_integrity": ("เปลี่ยนหน่วยงานด้านคุณธรรม", "integrity flag changed"),
    "level": ("เปลี่ยนระดับ", "level changed"), "kind": ("เปลี่ยนชนิด", "kind changed"),
    "sensitivity": ("เปลี่ยนความอ่อนไหว", "sensitivity changed"),
    "default_unit_id": ("เปลี่ยนหน่วยงานรับเรื่อง", "default unit changed"),
    "sla_days": ("เปลี่ยนมาตรฐานระยะเวลา", "service days changed"),
    "position": ("เปลี่ยนลำดับ", "order changed"),
    "keywords": ("เปลี่ยนคำสำคัญ", "keywords changed"),
    "retention_years": ("เปลี่ยนระยะเวลาเก็บรักษา", "retention changed"),
    "needs_evidence": ("เปลี่ยนการต้องมีภาพหลังดำเนินการ", "after-photo rule changed"),
}


@dataclass(frozen=True)
class Change:
    """One thing done (or, under ``--check``, that would be done), in Thai and English."""

    th: str
    en: str

    def __str__(self) -> str:
        return f"{self.th} / {self.en}"


@dataclass
class Applied:
    """What :func:`apply_organisation` did. ``recovery_key`` (fresh installations) and
    ``logins`` (user name, one-time password, role) are to be shown once; ``unit_keys`` and
    ``custodian_key`` hold the private keys made in this run (for the demo to grant)."""

    changes: list[Change] = field(default_factory=list)
    recovery_key: str | None = None
    logins: list[tuple[str, str, Role]] = field(default_factory=list)
    notes: list[Change] = field(default_factory=list)
    units: dict[str, Unit] = field(default_factory=dict)
    unit_keys: dict[str, tuple[KeyRing, X25519PrivateKey]] = field(default_factory=dict)
    custodian_key: tuple[KeyRing, X25519PrivateKey] | None = None

    def add(self, th: str, en: str) -> None:
        self.changes.append(Change(th, en))


def _field_words(fields: list[str]) -> tuple[str, str]:
    words = dict.fromkeys(_FIELD_WORDS.get(name, (name, name)) for name in fields)
    return ", ".join(th for th, _en in words), ", ".join(en for _th, en in words)


def _tree_order(units: list[UnitSpec]) -> list[UnitSpec]:
    """Parents before children (the file's tree is checked: no cycles, parents known)."""
    by_code = {unit.code: unit for unit in units}

    def depth(unit: UnitSpec) -> int:
        return 0 if unit.parent is None else 1 + depth(by_code[unit.parent])

    return sorted(units, key=depth)


def _apply_units(session: Session, actor: Actor | None, spec: OrganisationSpec,
                 done: Applied) -> None:
    existing = {unit.code: unit for unit in session.scalars(select(Unit))}
    for wanted in _tree_order(spec.units):
        parent = existing[wanted.parent] if wanted.parent else None
        unit = existing.get(wanted.code)
        if unit is None:
            unit, private = changes.create_unit(
                session, actor, code=wanted.code, name_th=wanted.name_th,
                name_en=wanted.name_en, parent=parent, integrity=wanted.integrity,
                organisation_level=wanted.organisation_level)
            if not wanted.active:
                changes.change_unit(session, actor, unit, active=False)
            existing[wanted.code] = unit
            done.unit_keys[wanted.code] = (active_unit_ring(session, unit.id), private)
            done.add(f"เพิ่มหน่วยงาน {wanted.code}", f"unit {wanted.code} added")
            continue
        fields = changes.change_unit(
            session, actor, unit, name_th=wanted.name_th, name_en=wanted.name_en,
            parent=parent, active=wanted.active, integrity=wanted.integrity,
            organisation_level=wanted.organisation_level)
        if fields:
            th, en = _field_words(fields)
            done.add(f"หน่วยงาน {wanted.code}: {th}", f"unit {wanted.code}: {en}")
    done.units = existing


def _apply_categories(session: Session, actor: Actor | None, spec: OrganisationSpec,
                      done: Applied) -> None:
    existing = {category.code: category for category in session.scalars(select(Category))}
    for position, wanted in enumerate(spec.categories):
        category = existing.get(wanted.code)
        unit = done.units[wanted.unit]
        if category is None:
            changes.create_category(
                session, actor, code=wanted.code, name_th=wanted.name_th,
                name_en=wanted.name_en, kind=wanted.kind, sensitivity=wanted.sensitivity,
                unit=unit, days=wanted.days, position=position, active=wanted.active,
                keywords=format_keywords(wanted.keywords or ()),
                retention_years=wanted.retention_years, needs_evidence=wanted.needs_evidence)
            done.add(f"เพิ่มประเภทเรื่อง {wanted.code}", f"category {wanted.code} added")
            continue
        fields = changes.change_category(
            session, actor, category, name_th=wanted.name_th, name_en=wanted.name_en,
            kind=wanted.kind, sensitivity=wanted.sensitivity, unit=unit, days=wanted.days,
            active=wanted.active, position=position,
            keywords=None if wanted.keywords is None else format_keywords(wanted.keywords),
            retention_years=wanted.retention_years, needs_evidence=wanted.needs_evidence)
        if fields:
            th, en = _field_words(fields)
            done.add(f"ประเภทเรื่อง {wanted.code}: {th}", f"category {wanted.code}: {en}")


_REMOVED = {
    "deleted": ("ลบ{what} {code} (ไม่เคยมีเรื่อง)", "{what_en} {code} deleted (it never had cases)"),
    "deactivated": ("ปิดใช้งาน{what} {code} (มีเรื่องอยู่ จึงไม่ลบ)",
                    "{what_en} {code} deactivated, not deleted: it has cases"),
}


def _remove_missing(session: Session, actor: Actor | None, spec: OrganisationSpec,
                    done: Applied) -> None:
    in_file = {category.code for category in spec.categories}
    for category in list(session.scalars(select(Category).order_by(Category.id))):
        if category.code not in in_file:
            result = changes.remove_category(session, actor, category)
            if result in _REMOVED:
                th, en = _REMOVED[result]
                done.add(th.format(what="ประเภทเรื่อง", code=category.code),
                         en.format(what_en="category", code=category.code))
    units_in_file = {unit.code for unit in spec.units}
    missing = [unit for unit in done.units.values() if unit.code not in units_in_file]
    by_id = {unit.id: unit for unit in done.units.values()}

    def depth(unit: Unit) -> int:
        parent = by_id.get(unit.parent_id) if unit.parent_id is not None else None
        return 0 if parent is None else 1 + depth(parent)

    for unit in sorted(missing, key=depth, reverse=True):  # children first
        code = unit.code
        result = changes.remove_unit(session, actor, unit)
        if result in _REMOVED:
            th, en = _REMOVED[result]
            done.add(th.format(what="หน่วยงาน", code=code), en.format(what_en="unit", code=code))
        if result == "deleted":
            del done.units[code]


def _apply_staff(session: Session, spec: OrganisationSpec, done: Applied, strength: str
                 ) -> None:
    from rongrian.admin.staffing import create_staff_account

    if spec.staff is None:
        return
    integrity = next(unit for unit in spec.units if unit.integrity).code
    wanted = ((spec.staff.administrator, Role.ADMIN, _ADMIN_NAME, None),
              (spec.staff.custodian, Role.CUSTODIAN, _CUSTODIAN_NAME, integrity))
    for username, role, display_name, unit_code in wanted:
        account = session.scalars(select(StaffAccount).where(
            StaffAccount.username == username)).first()
        if account is not None:
            if account.role != role:
                done.notes.append(Change(
                    f"บัญชี {username} มีอยู่แล้วในบทบาท {account.role.value} ไม่ได้เปลี่ยน",
                    f"account {username} exists with role {account.role.value}; left as is"))
            continue
        unit = done.units[unit_code] if unit_code else None
        account, password = create_staff_account(
            session, username=username, display_name=display_name, role=role, unit=unit,
            actor=Actor(None, COMMAND_LINE), strength=strength)
        done.logins.append((username, password, role))
        done.add(f"เพิ่มบัญชี {username}", f"account {username} ({role.value}) added")
        if role == Role.CUSTODIAN:
            _grant_custodian(session, account, unit_code or "", done)


def _grant_custodian(session: Session, account: StaffAccount, unit_code: str,
                     done: Applied) -> None:
    """At set-up the new keys are in hand: grant them to the custodian now. Later, only the
    recovery key (or a colleague) can, and set-up says how."""
    if done.custodian_key is not None and unit_code in done.unit_keys:
        for ring, private in (done.custodian_key, done.unit_keys[unit_code]):
            grant(session, ring, private, account)
        return
    done.notes.append(Change(
        f"ให้สิทธิ์กุญแจแก่ {account.username} ด้วยกุญแจกู้คืน: rongrian keys grant --custodian "
        f"{account.username} และ rongrian keys grant --unit {unit_code} {account.username}",
        f"grant {account.username} the keys with the recovery key: rongrian keys grant "
        f"--custodian {account.username}; rongrian keys grant --unit {unit_code} "
        f"{account.username}"))


def apply_organisation(session: Session, spec: OrganisationSpec, *, actor: Actor | None,
                       strength: str = "interactive") -> Applied:
    """Set up or update the organisation from ``spec`` in ``session`` (flushed, not
    committed). ``actor`` ``None`` writes no audit entries (the built-in demo only).

    Raises :class:`rongrian.intake.errors.InvalidSubmission` if a change breaks a rule of
    :mod:`.org_changes` that the file's checks cannot see (the caller rolls back).
    """
    done = Applied()
    agency = spec.agency
    if session.scalars(select(Installation)).first() is None:
        recovery = install(session, agency.name_th)
        done.recovery_key = format_recovery_key(recovery)
        done.custodian_key = add_custodian_ring(session)
        done.add("ตั้งค่าระบบใหม่ สร้างกุญแจกู้คืนและกุญแจผู้ดูแลข้อมูลผู้ร้อง",
                 "new installation: recovery key and identity custodian key made")
    fields = {name: getattr(agency, name) for name in changes.AGENCY_FIELDS}
    emblem = agency.emblem if agency.emblem_given else changes.KEEP
    changed = changes.set_agency(session, actor, fields, emblem=emblem)
    if changed:
        done.add(f"ข้อมูลหน่วยงาน: {', '.join(changed)}", f"agency: {', '.join(changed)}")
    _apply_units(session, actor, spec, done)
    _apply_categories(session, actor, spec, done)
    _remove_missing(session, actor, spec, done)
    _apply_staff(session, spec, done, strength)
    if actor is not None and done.recovery_key is not None:
        append_entry(session, AuditAction.ORGANISATION_SET_UP, actor,
                     detail={"units": len(spec.units), "categories": len(spec.categories)})
    session.flush()
    return done
