"""Routing: which unit receives a complaint.

Rule (ITA, "มอบหมายเจ้าหน้าที่ผู้รับผิดชอบ"; DESIGN.md): a whistleblower-sensitive category (corruption
and misconduct of officials, and the like) always goes to the integrity officer's unit, never to
the unit the complainant names, which may be the accused. Otherwise the unit the complainant chose
receives it, or else the category's default unit.
"""

from sqlalchemy import select
from sqlalchemy.orm import Session

from rongrian.intake.errors import SetupError
from rongrian.intake.models import Category, Sensitivity, Unit


def integrity_unit(session: Session) -> Unit:
    """The integrity officer's unit; raises :class:`SetupError` if none is marked."""
    unit = session.scalars(select(Unit).where(Unit.is_integrity, Unit.active)).first()
    if unit is None:
        raise SetupError("no unit is marked as the integrity officer's unit")
    return unit


def route(session: Session, category: Category, named_unit: Unit | None) -> Unit:
    """Return the unit that should handle a complaint of ``category`` naming ``named_unit``."""
    if category.sensitivity == Sensitivity.WHISTLEBLOWER:
        return integrity_unit(session)
    if named_unit is not None:
        return named_unit
    return category.default_unit
