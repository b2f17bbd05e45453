"""Rules across entries of an organisation file: the unit tree and the categories' units.

Kept apart from the per-key reading of :mod:`.orgfile`; the rules are listed in its docstring.
"""

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from rongrian.intake.models import Sensitivity

if TYPE_CHECKING:
    from rongrian.admin.orgfile import CategorySpec, UnitSpec

#: ``problem(table, index, key, thai, english)``: records one problem with its place.
Report = Callable[[str, int | None, str | None, str, str], None]


def _duplicates(problem: Report, table: str, codes: Sequence[str]) -> None:
    seen: set[str] = set()
    for index, code in enumerate(codes):
        if code and code in seen:
            problem(table, index, "code", f"รหัส {code} ซ้ำกับรายการก่อนหน้า",
                    f"code {code} is used twice")
        seen.add(code)


def _exactly_one(problem: Report, units: Sequence["UnitSpec"], key: str, what: tuple[str, str]
                 ) -> None:
    flagged = [i for i, unit in enumerate(units) if getattr(unit, key)]
    if not flagged and units:
        problem("units", None, None, f"ต้องมีหน่วยงานที่เป็น{what[0]} ({key} = true) หนึ่งหน่วย",
                f"exactly one unit must be the {what[1]} ({key} = true); there is none")
    for index in flagged[1:]:
        problem("units", index, key, f"มี{what[0]}ได้เพียงหน่วยเดียว",
                f"only one unit may be the {what[1]}")


def _parents(problem: Report, units: Sequence["UnitSpec"]) -> None:
    codes = {unit.code for unit in units}
    for index, unit in enumerate(units):
        if unit.organisation_level:
            if unit.parent:
                problem("units", index, "parent", "หน่วยงานระดับองค์กรต้องไม่มี parent",
                        "the organisation-level unit has no parent")
            if not unit.active:
                problem("units", index, "active", "หน่วยงานระดับองค์กรต้องเปิดใช้งาน",
                        "the organisation-level unit must be active")
        elif not unit.parent:
            problem("units", index, "parent", "ต้องระบุหน่วยงานแม่ (parent)",
                    "a parent unit is required (only the organisation level has none)")
        elif unit.parent not in codes:
            problem("units", index, "parent", f"ไม่พบหน่วยงาน {unit.parent} ในไฟล์",
                    f"unknown unit {unit.parent}")
        if unit.integrity and not unit.active:
            problem("units", index, "active", "หน่วยงานด้านคุณธรรมต้องเปิดใช้งาน",
                    "the integrity unit must be active")


def _cycles(problem: Report, units: Sequence["UnitSpec"]) -> None:
    parent_of = {unit.code: unit.parent for unit in units if unit.code}
    for index, unit in enumerate(units):
        seen = {unit.code}
        current = unit.parent
        while current and current in parent_of:
            if current == unit.code:
                problem("units", index, "parent",
                        "หน่วยงานแม่วนกลับมาที่หน่วยงานนี้ (เป็นวงวน)",
                        f"the parents of {unit.code} form a cycle")
                break
            if current in seen:
                break  # a cycle above this unit: reported at its own members
            seen.add(current)
            current = parent_of[current]


def _category_units(problem: Report, units: Sequence["UnitSpec"],
                    categories: Sequence["CategorySpec"]) -> None:
    by_code = {unit.code: unit for unit in units}
    integrity = [unit.code for unit in units if unit.integrity]
    for index, category in enumerate(categories):
        unit = by_code.get(category.unit)
        if not category.unit:
            continue  # already reported as required
        if unit is None:
            problem("categories", index, "unit", f"ไม่พบหน่วยงาน {category.unit} ในไฟล์",
                    f"unknown unit {category.unit}")
        elif not unit.active and category.active:
            problem("categories", index, "unit", f"หน่วยงาน {category.unit} ปิดใช้งานอยู่",
                    f"unit {category.unit} is not active")
        elif (category.sensitivity == Sensitivity.WHISTLEBLOWER and integrity
              and category.unit != integrity[0]):
            problem("categories", index, "unit",
                    f"ประเภทแจ้งเบาะแส (whistleblower) ต้องส่งถึงหน่วยงานด้านคุณธรรม {integrity[0]} "
                    "เสมอ",
                    f"a whistleblower category's default unit must be the integrity unit "
                    f"{integrity[0]}: such complaints are always routed there")
    if categories and not any(category.active for category in categories):
        problem("categories", None, None, "ต้องมีประเภทเรื่องที่เปิดใช้งานอย่างน้อยหนึ่งประเภท",
                "at least one category must be active")


def check_tree(problem: Report, units: Sequence["UnitSpec"],
               categories: Sequence["CategorySpec"]) -> None:
    """Report the cross-entry problems: duplicate codes, not exactly one organisation level or
    integrity unit, unknown or missing parents, parent cycles, categories' unknown or inactive
    units, whistleblower categories outside the integrity unit."""
    _duplicates(problem, "units", [unit.code for unit in units])
    _duplicates(problem, "categories", [category.code for category in categories])
    _exactly_one(problem, units, "organisation_level", ("ระดับองค์กร", "organisation level"))
    _exactly_one(problem, units, "integrity", ("หน่วยงานด้านคุณธรรม", "integrity unit"))
    _parents(problem, units)
    _cycles(problem, units)
    _category_units(problem, units, categories)
