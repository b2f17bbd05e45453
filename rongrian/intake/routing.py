"""Routing: which unit receives a complaint.

Rule (ITA, "มอบหมายเจ้าหน้าที่ผู้รับผิดชอบ"; DESIGN.md): a whistleblower-sensitive category (corruption
and misconduct of officials, and the like) always goes to the integrity officer's unit, never to
the unit the complainant names, which may be the accused. Otherwise the unit the complainant chose
receives it, or else the category's default unit.
"""

from rongrian.intake.errors import SetupError
from rongrian.intake.models import Sensitivity
from rongrian.intake.reference import CategoryFacts, Reference, UnitFacts


def route(reference: Reference, category: CategoryFacts, named_unit: UnitFacts | None
          ) -> UnitFacts:
    """Return the unit that should handle a complaint of ``category`` naming ``named_unit``.

    Raises ``SetupError`` when no active unit is marked as the integrity unit (for a
    whistleblower category) or the category's default unit is missing."""
    if category.sensitivity == Sensitivity.WHISTLEBLOWER:
        return reference.integrity_unit()
    if named_unit is not None:
        return named_unit
    unit = reference.unit_by_id(category.default_unit_id)
    if unit is None:
        raise SetupError(f"the default unit of category {category.code} is missing")
    return unit
