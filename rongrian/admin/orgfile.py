"""The organisation file: an agency's profile, unit tree, categories and first accounts in TOML.

Read with the standard library's :mod:`tomllib`; the keys are documented in the README
("Setting up an agency") with two complete examples (``examples/organisation-tambon.toml``,
``examples/organisation-province.toml``). :func:`load_organisation_file` checks the whole file
and raises :class:`OrganisationFileInvalid` with *every* problem found, each with its line and
key (:mod:`.orgfile_locate`), in Thai and English; nothing is applied from a file with a problem.

Rules (beyond types and lengths):

- exactly one unit is the organisation level (the root: no parent), every other unit has a
  parent in the file, and the parents form a tree (no cycle);
- exactly one unit is the integrity unit; it and the organisation level are active;
- a whistleblower category's default unit is the integrity unit, as routing sends such
  complaints there whatever else is chosen (:mod:`rongrian.intake.routing`; DESIGN.md);
- a category's default unit is an active unit of the file; service-standard ``days`` are
  working days, 1 to 365.
"""

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from rongrian.admin.emblem import MESSAGES as EMBLEM_MESSAGES
from rongrian.admin.emblem import EmblemRefused, clean_emblem
from rongrian.admin.orgfile_checks import check_tree
from rongrian.admin.orgfile_locate import Locator, key_name
from rongrian.admin.staffing import USERNAME
from rongrian.intake.models import Kind, Sensitivity
from rongrian.intake.retention import MAX_YEARS
from rongrian.intake.suggest import clean_keywords

UNIT_CODE = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,31}$")
CATEGORY_CODE = re.compile(r"^[a-z][a-z0-9_.-]{0,31}$")
LINE_ID = re.compile(r"^@[A-Za-z0-9._-]{2,40}$")
MAX_DAYS = 365
#: The file's sensitivity words and the stored values.
SENSITIVITIES = {"general": Sensitivity.NORMAL, "whistleblower": Sensitivity.WHISTLEBLOWER}
_TABLES = {"agency", "units", "categories", "staff"}
_AGENCY_TEXT = {"name_th": 200, "name_en": 200, "short_name": 100, "address": 500,
                "hotline": 64, "office_hours": 200, "website": 200,
                "line_official_account": 64}
_AGENCY_KEYS = set(_AGENCY_TEXT) | {"emblem"}
_UNIT_KEYS = {"code", "name_th", "name_en", "parent", "integrity", "organisation_level",
              "active"}
_CATEGORY_KEYS = {"code", "name_th", "name_en", "kind", "sensitivity", "unit", "days", "active",
                  "keywords", "retention_years", "needs_evidence"}
_STAFF_KEYS = {"administrator", "custodian"}
_T = TypeVar("_T")


@dataclass(frozen=True)
class AgencySpec:
    """``[agency]``. ``emblem``: the cleaned PNG, ``None`` with ``emblem_given`` false when the
    key is absent (the stored emblem is kept), ``None`` with it true for ``emblem = ""``
    (removed)."""

    name_th: str
    name_en: str
    short_name: str = ""
    address: str = ""
    hotline: str = ""
    office_hours: str = ""
    website: str = ""
    line_official_account: str = ""
    emblem: bytes | None = None
    emblem_given: bool = False


@dataclass(frozen=True)
class UnitSpec:
    """One ``[[units]]`` entry; ``parent`` is a unit code (``None`` for the organisation)."""

    code: str
    name_th: str
    name_en: str
    parent: str | None = None
    integrity: bool = False
    organisation_level: bool = False
    active: bool = True


@dataclass(frozen=True)
class CategorySpec:
    """One ``[[categories]]`` entry; ``unit`` is the default unit's code, ``days`` the service
    standard in working days."""

    code: str
    name_th: str
    name_en: str
    kind: Kind
    sensitivity: Sensitivity
    unit: str
    days: int
    active: bool = True
    #: Words that suggest the category in a citizen's text (issue 12;
    #: :mod:`rongrian.intake.suggest`).
    #: ``None`` when the file leaves them out (kept as they are).
    keywords: tuple[str, ...] | None = None
    #: Years finished cases are kept (issue 9 §5; :mod:`rongrian.intake.retention`);
    #: ``None`` when the file does not say (a new category gets 5, an existing one keeps its
    #: value).
    retention_years: int | None = None
    #: Resolving a case needs an "after" photo (issue 9 §3; :mod:`rongrian.intake.closing`).
    needs_evidence: bool = False


@dataclass(frozen=True)
class StaffSpec:
    """``[staff]``: the first administrator's and the identity custodian's login names."""

    administrator: str
    custodian: str


@dataclass(frozen=True)
class OrganisationSpec:
    """A checked organisation file (or the demo's built-in equivalent; ``staff`` ``None``)."""

    agency: AgencySpec
    units: list[UnitSpec]
    categories: list[CategorySpec]
    staff: StaffSpec | None

    @property
    def organisation_unit(self) -> UnitSpec:
        """The organisation-level unit (there is exactly one in a checked file)."""
        return next(unit for unit in self.units if unit.organisation_level)


@dataclass(frozen=True)
class Problem:
    """One problem of a file: 1-based ``line``, ``key`` (e.g. ``units[3].parent``), and the
    message in Thai and English."""

    line: int
    key: str
    th: str
    en: str

    def __str__(self) -> str:
        return f"line {self.line}, {self.key}: {self.th} / {self.en}"


class OrganisationFileInvalid(ValueError):
    """The file has problems (``problems``, in file order); nothing was applied."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the organisation file")
        self.problems = sorted(problems, key=lambda p: (p.line, p.key))


class _Reader:
    """Typed access to a parsed table that records problems with their line and key."""

    def __init__(self, locator: Locator) -> None:
        self.locator = locator
        self.problems: list[Problem] = []

    def problem(self, table: str, index: int | None, key: str | None, th: str, en: str) -> None:
        self.problems.append(Problem(self.locator.line(table, index, key),
                                     key_name(table, index, key), th, en))

    def unknown_keys(self, table: str, index: int | None, data: dict[str, Any],
                     known: set[str]) -> None:
        for key in sorted(set(data) - known):
            self.problem(table, index, key, "ไม่รู้จักคีย์นี้ (สะกดผิดหรือไม่)",
                         "unknown key (a typing mistake?)")

    def text(self, table: str, index: int | None, data: dict[str, Any], key: str, *,
             required: bool = False, limit: int = 200) -> str:
        raw = data.get(key, "")
        if not isinstance(raw, str):
            self.problem(table, index, key, "ต้องเป็นข้อความในเครื่องหมายคำพูด",
                         "must be a quoted string")
            return ""
        value: str = raw.strip()
        if required and not value:
            self.problem(table, index, key, "ต้องระบุ", "is required")
        elif len(value) > limit:
            self.problem(table, index, key, f"ยาวเกิน {limit} ตัวอักษร",
                         f"is longer than {limit} characters")
        return value

    def flag(self, table: str, index: int | None, data: dict[str, Any], key: str,
             default: bool) -> bool:
        value = data.get(key, default)
        if not isinstance(value, bool):
            self.problem(table, index, key, "ต้องเป็น true หรือ false", "must be true or false")
            return default
        return value


def _agency(reader: _Reader, data: Any, base: Path) -> AgencySpec:
    if not isinstance(data, dict):
        reader.problem("agency", None, None, "ต้องมีตาราง [agency]", "an [agency] table is needed")
        return AgencySpec("", "")
    reader.unknown_keys("agency", None, data, _AGENCY_KEYS)
    values = {key: reader.text("agency", None, data, key, limit=limit,
                               required=key in ("name_th", "name_en"))
              for key, limit in _AGENCY_TEXT.items()}
    website = values["website"]
    if website and not re.match(r"^https?://[^\s/]+\.[^\s]+$", website):
        reader.problem("agency", None, "website", "ต้องเป็นที่อยู่เว็บ เช่น https://example.go.th",
                       "must be a web address such as https://example.go.th")
    line_id = values["line_official_account"]
    if line_id and not LINE_ID.match(line_id):
        reader.problem("agency", None, "line_official_account",
                       "ต้องเป็นไอดี LINE Official Account ที่ขึ้นต้นด้วย @ เช่น @tuayang",
                       "must be a LINE Official Account id starting with @, e.g. @tuayang")
    emblem, given = _emblem(reader, data, base)
    return AgencySpec(**values, emblem=emblem, emblem_given=given)


def _emblem(reader: _Reader, data: dict[str, Any], base: Path) -> tuple[bytes | None, bool]:
    if "emblem" not in data:
        return None, False
    name = reader.text("agency", None, data, "emblem", limit=500)
    if not name:
        return None, True
    path = base / name
    try:
        return clean_emblem(path.read_bytes()), True
    except OSError:
        reader.problem("agency", None, "emblem", f"ไม่พบไฟล์ตราสัญลักษณ์ {path}",
                       f"emblem file not found: {path}")
    except EmblemRefused as exc:
        th, en = EMBLEM_MESSAGES[exc.code]
        reader.problem("agency", None, "emblem", th, en)
    return None, True


def _entries(reader: _Reader, document: dict[str, Any], table: str) -> list[dict[str, Any]]:
    entries = document.get(table, [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        reader.problem(table, None, None, f"ต้องเขียนเป็น [[{table}]]",
                       f"must be written as [[{table}]] entries")
        return []
    if not entries:
        reader.problem(table, None, None, f"ต้องมีอย่างน้อยหนึ่งรายการ [[{table}]]",
                       f"at least one [[{table}]] entry is needed")
    return entries


def _unit(reader: _Reader, index: int, data: dict[str, Any]) -> UnitSpec:
    reader.unknown_keys("units", index, data, _UNIT_KEYS)
    code = reader.text("units", index, data, "code", required=True, limit=32)
    if code and not UNIT_CODE.match(code):
        reader.problem("units", index, "code", "รหัสหน่วยงานใช้อักษรอังกฤษ ตัวเลข . _ - ไม่เกิน 32 ตัว",
                       "a unit code is up to 32 English letters, digits, '.', '_' or '-'")
    name_th = reader.text("units", index, data, "name_th", required=True)
    parent = reader.text("units", index, data, "parent", limit=32) or None
    return UnitSpec(
        code=code, name_th=name_th,
        name_en=reader.text("units", index, data, "name_en") or name_th, parent=parent,
        integrity=reader.flag("units", index, data, "integrity", False),
        organisation_level=reader.flag("units", index, data, "organisation_level", False),
        active=reader.flag("units", index, data, "active", True),
    )


def _days(reader: _Reader, index: int, data: dict[str, Any]) -> int:
    days = data.get("days")
    if days is None:
        reader.problem("categories", index, "days", "ต้องระบุจำนวนวันทำการตามมาตรฐาน",
                       "the service standard in working days is required")
        return 0
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        reader.problem("categories", index, "days",
                       f"ต้องเป็นจำนวนเต็ม 1 ถึง {MAX_DAYS} (วันทำการ)",
                       f"must be a whole number of working days from 1 to {MAX_DAYS}")
        return 0
    return days


def _choice(reader: _Reader, index: int, data: dict[str, Any], key: str,
            choices: Mapping[str, _T], default: _T | None) -> _T | None:
    value = data.get(key)
    if value is None and default is not None:
        return default
    if isinstance(value, str) and value in choices:
        return choices[value]
    words = " | ".join(choices)
    reader.problem("categories", index, key, f"ต้องเป็นหนึ่งใน {words}", f"must be one of {words}")
    return None


def _category(reader: _Reader, index: int, data: dict[str, Any]) -> CategorySpec:
    reader.unknown_keys("categories", index, data, _CATEGORY_KEYS)
    code = reader.text("categories", index, data, "code", required=True, limit=32)
    if code and not CATEGORY_CODE.match(code):
        reader.problem("categories", index, "code",
                       "รหัสประเภทใช้อักษรอังกฤษตัวเล็ก ตัวเลข . _ - ไม่เกิน 32 ตัว",
                       "a category code is up to 32 lower-case letters, digits, '.', '_' or '-'")
    name_th = reader.text("categories", index, data, "name_th", required=True)
    kind = _choice(reader, index, data, "kind", {k.value: k for k in Kind}, None)
    sensitivity = _choice(reader, index, data, "sensitivity", SENSITIVITIES, Sensitivity.NORMAL)
    return CategorySpec(
        code=code, name_th=name_th,
        name_en=reader.text("categories", index, data, "name_en") or name_th,
        kind=kind or Kind.COMPLAINT, sensitivity=sensitivity or Sensitivity.NORMAL,
        unit=reader.text("categories", index, data, "unit", required=True, limit=32),
        days=_days(reader, index, data),
        active=reader.flag("categories", index, data, "active", True),
        keywords=_keywords(reader, index, data),
        retention_years=_retention_years(reader, index, data),
        needs_evidence=reader.flag("categories", index, data, "needs_evidence", False),
    )


def _retention_years(reader: _Reader, index: int, data: dict[str, Any]) -> int | None:
    years = data.get("retention_years")
    if years is None:
        return None
    if isinstance(years, bool) or not isinstance(years, int) or not 1 <= years <= MAX_YEARS:
        reader.problem("categories", index, "retention_years",
                       f"ต้องเป็นจำนวนเต็ม 1 ถึง {MAX_YEARS} (ปีหลังยุติเรื่อง)",
                       f"must be a whole number of years from 1 to {MAX_YEARS}")
        return None
    return years


def _keywords(reader: _Reader, index: int, data: dict[str, Any]) -> tuple[str, ...] | None:
    if "keywords" not in data:
        return None
    raw = data["keywords"]
    if not isinstance(raw, list) or not all(isinstance(word, str) for word in raw):
        reader.problem("categories", index, "keywords",
                       'ต้องเป็นรายการข้อความ เช่น ["ไฟถนน", "ไฟดับ"]',
                       'must be a list of quoted strings, e.g. ["ไฟถนน", "ไฟดับ"]')
        return ()
    try:
        return tuple(clean_keywords(raw))
    except ValueError as error:
        th, _, en = str(error).partition(" / ")
        reader.problem("categories", index, "keywords", th, en)
        return ()


def _staff(reader: _Reader, data: Any) -> StaffSpec | None:
    if not isinstance(data, dict):
        reader.problem("staff", None, None, "ต้องมีตาราง [staff]", "a [staff] table is needed")
        return None
    reader.unknown_keys("staff", None, data, _STAFF_KEYS)
    names = {}
    for key in ("administrator", "custodian"):
        name = reader.text("staff", None, data, key, required=True, limit=64).lower()
        if name and not USERNAME.match(name):
            reader.problem("staff", None, key,
                           "ชื่อผู้ใช้ 2–64 ตัว อักษรอังกฤษตัวเล็ก ตัวเลข . _ - ขึ้นต้นด้วยอักษร",
                           "a login name is 2–64 lower-case letters, digits, '.', '_' or '-', "
                           "starting with a letter")
        names[key] = name
    if names["administrator"] and names["administrator"] == names["custodian"]:
        reader.problem("staff", None, "custodian", "ผู้ดูแลระบบกับผู้ดูแลข้อมูลผู้ร้องต้องเป็นคนละบัญชี",
                       "the administrator and the identity custodian must be different accounts")
    return StaffSpec(**names)


def parse_organisation(source: str, base: Path) -> OrganisationSpec:
    """Check an organisation file's text (``base``: the folder its emblem path is relative to).

    Returns the checked :class:`OrganisationSpec`; raises :class:`OrganisationFileInvalid`
    with every problem found.
    """
    locator = Locator(source)
    reader = _Reader(locator)
    try:
        document = tomllib.loads(source)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"line (\d+)", str(exc))
        raise OrganisationFileInvalid([Problem(
            int(found.group(1)) if found else 1, "(TOML)", "ไฟล์ TOML เขียนไม่ถูกต้อง", str(exc),
        )]) from exc
    for table in sorted(set(document) - _TABLES):
        reader.problem(table, None, None, "ไม่รู้จักตารางนี้", "unknown table")
    agency = _agency(reader, document.get("agency"), base)
    units = [_unit(reader, i, e) for i, e in enumerate(_entries(reader, document, "units"))]
    categories = [_category(reader, i, e)
                  for i, e in enumerate(_entries(reader, document, "categories"))]
    staff = _staff(reader, document.get("staff"))
    check_tree(reader.problem, units, categories)
    if reader.problems:
        raise OrganisationFileInvalid(reader.problems)
    return OrganisationSpec(agency, units, categories, staff)


def load_organisation_file(path: Path) -> OrganisationSpec:
    """Read and check the organisation file at ``path`` (UTF-8). Raises
    :class:`OrganisationFileInvalid` (an unreadable file is one problem at line 1)."""
    try:
        source = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise OrganisationFileInvalid([Problem(1, str(path), "อ่านไฟล์ไม่ได้ (ต้องเป็น UTF-8)",
                                               f"cannot read the file: {exc}")]) from exc
    return parse_organisation(source, path.resolve().parent)
