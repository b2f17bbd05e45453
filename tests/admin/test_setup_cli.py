"""``rongrian setup --organisation FILE [--check]`` on both databases (issue 7 §1): both
examples set up an agency; a file with problems changes nothing and says where every problem is;
a changed file is applied (rename, move, deactivate a category with cases, delete one without)."""

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from rongrian.admin.cli import main
from rongrian.channels.web.app import create_public_app
from rongrian.intake.audit import verify_chain
from rongrian.intake.keyring import custodian_ring
from rongrian.intake.models import (
    Agency,
    AuditEntry,
    Category,
    Installation,
    IssuedPassword,
    KeyGrant,
    StaffAccount,
    Unit,
)
from rongrian.intake.store import Submission, file_complaint
from rongrian.settings import Settings
from tests.conftest import wipe

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture
def empty(monkeypatch: pytest.MonkeyPatch, settings: Settings, engine: Engine) -> Engine:
    """An empty database and the command line pointed at it and at the test instance."""
    wipe(engine)
    monkeypatch.setenv("RONGRIAN_INSTANCE", str(settings.instance_path))
    monkeypatch.setenv("RONGRIAN_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    return engine


@pytest.fixture
def tambon(tmp_path: Path) -> Path:
    """A copy of the municipality example (with its emblem) that a test may edit."""
    folder = tmp_path / "org"
    folder.mkdir()
    shutil.copy(EXAMPLES / "emblem-tambon.png", folder)
    return Path(shutil.copy(EXAMPLES / "organisation-tambon.toml", folder))


def _counts(engine: Engine) -> tuple[int, ...]:
    with Session(engine) as session:
        return tuple(int(session.scalar(select(func.count()).select_from(model)) or 0)
                     for model in (Installation, Agency, Unit, Category, StaffAccount,
                                   AuditEntry))


@pytest.mark.parametrize("name", ["organisation-tambon.toml", "organisation-province.toml"])
def test_setup_creates_the_agency_from_each_example(empty: Engine, name: str,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["setup", "--organisation", str(EXAMPLES / name)]) == 0
    out = capsys.readouterr().out
    assert out.count("RGR1-") == 1  # the recovery key, printed once
    assert "admin " in out
    assert "custodian" in out
    with Session(empty) as session:
        installation = session.scalars(select(Installation)).one()
        agency = session.get(Agency, 1)
        assert agency is not None
        assert installation.organisation_name == agency.name_th
        assert (agency.emblem is not None) == (name == "organisation-tambon.toml")
        integrity = session.scalars(select(Unit).where(Unit.is_integrity)).one()
        custodian = session.scalars(select(StaffAccount).where(
            StaffAccount.role == "custodian")).one()
        grants = {grant.ring_id for grant in session.scalars(
            select(KeyGrant).where(KeyGrant.account_id == custodian.id))}
        assert custodian_ring(session).id in grants
        assert len(grants) == 2
        assert session.scalars(select(IssuedPassword)).all()  # must change at first log-in
        assert verify_chain(session).broken_seq is None
        assert integrity.active
    before = _counts(empty)
    assert main(["setup", "--organisation", str(EXAMPLES / name)]) == 0
    again = capsys.readouterr().out
    assert "Nothing to change" in again
    assert "RGR1-" not in again
    assert _counts(empty) == before


BROKEN = """\
[agency]
name_th = "เทศบาลตำบลผิดพลาด"
name_en = "Phitphlat Subdistrict Municipality"
emblem = "no-such-emblem.png"

[[units]]
code = "ORG"
name_th = "เทศบาลตำบลผิดพลาด"
organisation_level = true

[[units]]
code = "AUDIT"
name_th = "หน่วยตรวจสอบภายใน"
parent = "ORG"
integrity = true

[[units]]
code = "AUDIT"
name_th = "กองช่าง"
parent = "NOWHERE"
integrity = true

[[units]]
code = "A"
name_th = "ก"
parent = "B"

[[units]]
code = "B"
name_th = "ข"
parent = "A"

[[categories]]
code = "road"
name_th = "ถนนชำรุด"
kind = "moan"
unit = "WORKS"
days = 0

[[categories]]
code = "corruption"
name_th = "ทุจริต"
kind = "tip"
sensitivity = "whistleblower"
unit = "A"
days = 60

[staff]
administrator = "admin"
custodian = "custodian"
"""

#: (key, text on its line, nth such line) of every problem in :data:`BROKEN`.
EXPECTED = [
    ("agency.emblem", "emblem =", 1),
    ("units[3].code", 'code = "AUDIT"', 2),
    ("units[3].integrity", "integrity = true", 2),
    ("units[3].parent", 'parent = "NOWHERE"', 1),
    ("units[4].parent", 'parent = "B"', 1),
    ("units[5].parent", 'parent = "A"', 1),
    ("categories[1].kind", 'kind = "moan"', 1),
    ("categories[1].unit", 'unit = "WORKS"', 1),
    ("categories[1].days", "days = 0", 1),
    ("categories[2].unit", 'unit = "A"', 1),
]


def _line(text: str, nth: int) -> int:
    return [i for i, line in enumerate(BROKEN.splitlines(), start=1) if text in line][nth - 1]


@pytest.mark.parametrize("installed", [False, True], ids=["fresh", "installed"])
@pytest.mark.parametrize("check", [True, False], ids=["check", "apply"])
def test_a_file_with_problems_changes_nothing_and_names_them_all(
        empty: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str], installed: bool,
        check: bool) -> None:
    if installed:
        assert main(["setup", "--organisation", str(EXAMPLES / "organisation-province.toml")]) == 0
    before = _counts(empty)
    path = tmp_path / "broken.toml"
    path.write_text(BROKEN, encoding="utf-8")
    argv = ["setup", "--organisation", str(path)] + (["--check"] if check else [])
    capsys.readouterr()
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("ข้อผิดพลาด:")
    assert "\nError:" in captured.err
    for key, text, nth in EXPECTED:
        line = _line(text, nth)
        assert f"line {line} {key}:" in captured.err, key
        assert f"บรรทัด {line} {key}:" in captured.err, key
    assert _counts(empty) == before


def _file(engine: Engine, settings: Settings, category: str, unit: str) -> None:
    with Session(engine) as session:
        file_complaint(session, settings.secrets.tracking_pepper, Submission(
            kind="complaint", category_code=category, unit_code=unit, channel="web",
            what_happened="ขยะไม่ได้เก็บมาสองสัปดาห์แล้ว"), now=datetime.now(UTC))
        session.commit()


def test_a_changed_file_is_checked_then_applied(empty: Engine, tambon: Path, settings: Settings,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["setup", "--organisation", str(tambon)]) == 0
    _file(empty, settings, "rubbish", "HEALTH")
    text = tambon.read_text(encoding="utf-8")
    text = text.replace('name_th = "กองช่าง"', 'name_th = "กองช่างและผังเมือง"')
    text = text.replace('code = "DISASTER"\nname_th = "งานป้องกันและบรรเทาสาธารณภัย"\n'
                        'name_en = "Disaster Prevention and Mitigation Section"\n'
                        'parent = "PALAD"',
                        'code = "DISASTER"\nname_th = "งานป้องกันและบรรเทาสาธารณภัย"\n'
                        'name_en = "Disaster Prevention and Mitigation Section"\n'
                        'parent = "ORG"')
    text = text.replace('code = "rubbish"', 'code = "rubbish"\nactive = false')
    start = text.index('[[categories]]\ncode = "stray_animals"')
    text = text[:start] + text[text.index("[[categories]]", start + 5):]  # no cases: deleted
    start = text.index('[[units]]\ncode = "FINANCE"')
    text = text[:start] + text[text.index("[[units]]", start + 5):]  # no cases: deleted
    tambon.write_text(text, encoding="utf-8")
    capsys.readouterr()
    before = _counts(empty)
    assert main(["setup", "--organisation", str(tambon), "--check"]) == 0
    listed = capsys.readouterr().out
    for expected in ("unit WORKS: renamed", "unit DISASTER: moved",
                     "category rubbish: active changed", "category stray_animals deleted",
                     "unit FINANCE deleted", "nothing was changed"):
        assert expected in listed, expected
    assert _counts(empty) == before
    assert main(["setup", "--organisation", str(tambon)]) == 0
    assert "unit WORKS: renamed" in capsys.readouterr().out
    with Session(empty) as session:
        units = {unit.code: unit for unit in session.scalars(select(Unit))}
        assert units["WORKS"].name_th == "กองช่างและผังเมือง"
        assert units["DISASTER"].parent_id == units["ORG"].id
        assert "FINANCE" not in units
        categories = {c.code: c for c in session.scalars(select(Category))}
        assert not categories["rubbish"].active  # kept: it has a case
        assert "stray_animals" not in categories
        assert verify_chain(session).broken_seq is None
        actions = set(session.scalars(select(AuditEntry.action)))
        assert {"unit_changed", "unit_deleted", "category_changed", "category_deleted"} <= actions
    public = create_public_app(settings, engine=empty)
    form = public.test_client().get("/report").get_data(as_text=True)
    assert "การเก็บขยะมูลฝอย" not in form
    assert "ถนนและทางเท้าชำรุด" in form


def test_a_category_with_cases_missing_from_the_file_is_deactivated(
        empty: Engine, tambon: Path, settings: Settings,
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["setup", "--organisation", str(tambon)]) == 0
    _file(empty, settings, "rubbish", "HEALTH")
    text = tambon.read_text(encoding="utf-8")
    start = text.index('[[categories]]\ncode = "rubbish"')
    tambon.write_text(text[:start] + text[text.index("[[categories]]", start + 5):],
                      encoding="utf-8")
    capsys.readouterr()
    assert main(["setup", "--organisation", str(tambon)]) == 0
    assert "category rubbish deactivated, not deleted: it has cases" in capsys.readouterr().out
    with Session(empty) as session:
        rubbish = session.scalars(select(Category).where(Category.code == "rubbish")).one()
        assert not rubbish.active


def test_check_on_a_fresh_instance_writes_nothing(monkeypatch: pytest.MonkeyPatch,
                                                  tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    instance = tmp_path / "new-instance"
    monkeypatch.setenv("RONGRIAN_INSTANCE", str(instance))
    monkeypatch.delenv("RONGRIAN_DATABASE_URL", raising=False)
    assert main(["setup", "--organisation", str(EXAMPLES / "organisation-tambon.toml"),
                 "--check"]) == 0
    out = capsys.readouterr().out
    assert "new installation" in out
    assert "category corruption added" in out
    assert "RGR1-" not in out  # no recovery key is shown for a check
    assert not instance.exists()
