"""The organisation file (issue 7 §1): both examples load; every problem is reported at once,
with its line and key, in Thai and English."""

from pathlib import Path

import pytest

from rongrian.admin.orgfile import (
    OrganisationFileInvalid,
    Problem,
    load_organisation_file,
    parse_organisation,
)
from rongrian.intake.models import Kind, Sensitivity

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

#: A small valid file; the tests below change one line of it (marked by its text).
BASE = """\
[agency]
name_th = "เทศบาลตำบลทดสอบ"
name_en = "Thotsop Subdistrict Municipality"
hotline = "0 5400 0000"

[[units]]
code = "ORG"
name_th = "เทศบาลตำบลทดสอบ"
organisation_level = true

[[units]]
code = "AUDIT"
name_th = "หน่วยตรวจสอบภายใน"
parent = "ORG"
integrity = true

[[units]]
code = "WORKS"
name_th = "กองช่าง"
parent = "ORG"

[[categories]]
code = "road"
name_th = "ถนนชำรุด"
kind = "grievance"
unit = "WORKS"
days = 15

[[categories]]
code = "corruption"
name_th = "แจ้งเบาะแสการทุจริต"
kind = "tip"
sensitivity = "whistleblower"
unit = "AUDIT"
days = 60

[staff]
administrator = "admin"
custodian = "custodian"
"""


def _change(old: str, new: str, *, source: str = BASE, count: int = 1) -> str:
    assert old in source, old
    return source.replace(old, new, count)


def _line(source: str, text: str, nth: int = 1) -> int:
    """Line number of the ``nth`` line containing ``text``."""
    hits = [i for i, line in enumerate(source.splitlines(), start=1) if text in line]
    return hits[nth - 1]


def _problems(source: str, base: Path = EXAMPLES) -> list[Problem]:
    with pytest.raises(OrganisationFileInvalid) as caught:
        parse_organisation(source, base)
    return caught.value.problems


@pytest.mark.parametrize("name", ["organisation-tambon.toml", "organisation-province.toml"])
def test_both_examples_load(name: str) -> None:
    spec = load_organisation_file(EXAMPLES / name)
    assert spec.staff is not None
    assert sum(unit.integrity for unit in spec.units) == 1
    for category in spec.categories:
        if category.sensitivity == Sensitivity.WHISTLEBLOWER:
            assert category.unit == next(u.code for u in spec.units if u.integrity)


def test_the_tambon_example_has_the_municipal_categories() -> None:
    spec = load_organisation_file(EXAMPLES / "organisation-tambon.toml")
    assert len(spec.categories) == 14
    assert spec.agency.emblem is not None
    assert spec.agency.emblem.startswith(b"\x89PNG")
    kinds = {category.code: category.kind for category in spec.categories}
    assert kinds["corruption"] == Kind.TIP
    assert kinds["compliment"] == Kind.COMPLIMENT


def test_the_province_example_has_about_a_dozen_units() -> None:
    spec = load_organisation_file(EXAMPLES / "organisation-province.toml")
    assert 11 <= len(spec.units) <= 15


def test_the_base_file_is_valid() -> None:
    spec = parse_organisation(BASE, EXAMPLES)
    assert [unit.code for unit in spec.units] == ["ORG", "AUDIT", "WORKS"]
    assert spec.units[2].name_en == "กองช่าง"  # the Thai name when no English one is given


# (name, change to BASE, key expected, text of the line expected (nth occurrence))
CASES = [
    ("duplicate unit code", ('code = "WORKS"', 'code = "AUDIT"'), "units[3].code",
     ('code = "AUDIT"', 2)),
    ("two integrity units", ('parent = "ORG"\n\n[[categories]]',
                             'parent = "ORG"\nintegrity = true\n\n[[categories]]'),
     "units[3].integrity", ("integrity = true", 2)),
    ("unknown parent", ('name_th = "กองช่าง"\nparent = "ORG"',
                        'name_th = "กองช่าง"\nparent = "NOPE"'),
     "units[3].parent", ('parent = "NOPE"', 1)),
    ("unknown category unit", ('unit = "WORKS"', 'unit = "ROADS"'), "categories[1].unit",
     ('unit = "ROADS"', 1)),
    ("bad kind", ('kind = "grievance"', 'kind = "moan"'), "categories[1].kind",
     ('kind = "moan"', 1)),
    ("zero days", ("days = 15", "days = 0"), "categories[1].days", ("days = 0", 1)),
    ("negative days", ("days = 15", "days = -3"), "categories[1].days", ("days = -3", 1)),
    ("days as text", ("days = 15", 'days = "15"'), "categories[1].days", ('days = "15"', 1)),
    ("days as a flag", ("days = 15", "days = true"), "categories[1].days", ("days = true", 1)),
    ("whistleblower outside integrity", ('kind = "tip"\nsensitivity = "whistleblower"\n'
                                         'unit = "AUDIT"',
                                         'kind = "tip"\nsensitivity = "whistleblower"\n'
                                         'unit = "WORKS"'),
     "categories[2].unit", ('unit = "WORKS"', 2)),
    ("missing emblem file", ('hotline = "0 5400 0000"',
                             'hotline = "0 5400 0000"\nemblem = "no-such-emblem.png"'),
     "agency.emblem", ("emblem =", 1)),
    ("emblem not an image", ('hotline = "0 5400 0000"',
                             'hotline = "0 5400 0000"\nemblem = "organisation-tambon.toml"'),
     "agency.emblem", ("emblem =", 1)),
    ("bad sensitivity", ('sensitivity = "whistleblower"', 'sensitivity = "secret"'),
     "categories[2].sensitivity", ('sensitivity = "secret"', 1)),
    ("misspelt key", ("integrity = true", "intergrity = true"), "units[2].intergrity",
     ("intergrity", 1)),
    ("missing Thai name", ('name_th = "กองช่าง"\n', ""), "units[3].name_th",
     ("[[units]]", 3)),
    ("bad LINE id", ('hotline = "0 5400 0000"',
                     'hotline = "0 5400 0000"\nline_official_account = "tuayang"'),
     "agency.line_official_account", ("line_official_account", 1)),
    ("bad login name", ('custodian = "custodian"', 'custodian = "Cust odian"'),
     "staff.custodian", ("custodian =", 1)),
    ("keywords not a list", ("days = 15", 'days = 15\nkeywords = "ไฟถนน"'),
     "categories[1].keywords", ("keywords =", 1)),
    ("keyword not text", ("days = 15", 'days = 15\nkeywords = ["ไฟถนน", 3]'),
     "categories[1].keywords", ("keywords =", 1)),
    ("keyword too long", ("days = 15", f'days = 15\nkeywords = ["{"ก" * 61}"]'),
     "categories[1].keywords", ("keywords =", 1)),
]


@pytest.mark.parametrize(("change", "key", "where"), [case[1:] for case in CASES],
                         ids=[case[0] for case in CASES])
def test_each_problem_is_reported_with_its_line_and_key(
        change: tuple[str, str], key: str, where: tuple[str, int]) -> None:
    source = _change(*change)
    problems = _problems(source)
    assert (key, _line(source, *where)) in [(p.key, p.line) for p in problems]
    assert all(p.th and p.en for p in problems)


def test_a_parent_cycle_is_reported() -> None:
    source = _change('name_th = "หน่วยตรวจสอบภายใน"\nparent = "ORG"',
                     'name_th = "หน่วยตรวจสอบภายใน"\nparent = "WORKS"')
    source = _change('name_th = "กองช่าง"\nparent = "ORG"', 'name_th = "กองช่าง"\nparent = "AUDIT"',
                     source=source)
    problems = _problems(source)
    assert {(p.key, p.line) for p in problems} == {
        ("units[2].parent", _line(source, 'parent = "WORKS"')),
        ("units[3].parent", _line(source, 'parent = "AUDIT"')),
    }
    assert all("cycle" in p.en for p in problems)


def test_every_problem_is_reported_at_once() -> None:
    source = BASE
    for _name, change, _key, _where in CASES[:6] + CASES[9:11]:
        if change[0] in source:
            source = _change(*change, source=source)
    keys = {p.key for p in _problems(source)}
    assert {"units[3].code", "units[3].integrity", "categories[1].unit", "categories[1].kind",
            "categories[2].unit", "agency.emblem"} <= keys


def test_a_toml_syntax_error_gives_its_line() -> None:
    source = _change('days = 15', 'days = = 15')
    [problem] = _problems(source)
    assert problem.line == _line(source, "days = = 15")


def test_an_unreadable_file_is_one_problem(tmp_path: Path) -> None:
    path = tmp_path / "organisation.toml"
    path.write_bytes(b"\xff\xfe not utf-8")
    with pytest.raises(OrganisationFileInvalid) as caught:
        load_organisation_file(path)
    assert len(caught.value.problems) == 1


@pytest.mark.parametrize("name", ["organisation-tambon.toml", "organisation-province.toml"])
def test_the_documentation_shows_each_example_in_full(name: str) -> None:
    docs = (EXAMPLES.parent / "docs" / "organisation-file.md").read_text(encoding="utf-8")
    assert (EXAMPLES / name).read_text(encoding="utf-8") in docs
