"""``rongrian days-off``: the agency's own days off move the service clock (issue 9 §2)."""

from datetime import date

import pytest
from sqlalchemy import Engine

from rongrian.admin.cli import main
from rongrian.intake.audit import verify_chain
from rongrian.intake.models import DayOff
from rongrian.intake.service_clock import agency_days_off
from rongrian.settings import Settings
from tests.conftest import Demo


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, settings: Settings, engine: Engine,
            demo: Demo) -> Demo:
    monkeypatch.setenv("RONGRIAN_INSTANCE", str(settings.instance_path))
    monkeypatch.setenv("RONGRIAN_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    return demo


def test_add_list_remove(cli_env: Demo, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["days-off", "add", "2026-10-01", "--name", "วันหยุดพิเศษ"]) == 0
    assert main(["days-off", "list", "--since", "2026-01-01"]) == 0
    assert "2026-10-01  วันหยุดพิเศษ" in capsys.readouterr().out
    with cli_env.sessions() as session:
        assert agency_days_off(session, date(2026, 9, 1), date(2026, 12, 31)) == {
            date(2026, 10, 1)}
        assert verify_chain(session).ok
    assert main(["days-off", "remove", "2026-10-01"]) == 0
    with cli_env.sessions() as session:
        assert session.get(DayOff, date(2026, 10, 1)) is None


@pytest.mark.parametrize(("argv", "words"), [
    (["days-off", "add", "1/10/2569", "--name", "x"], "YYYY-MM-DD"),
    (["days-off", "add", "2026-10-01", "--name", " "], "--name"),
    (["days-off", "remove", "2026-10-02"], "no agency day off"),
])
def test_bad_input_is_refused(cli_env: Demo, capsys: pytest.CaptureFixture[str],
                              argv: list[str], words: str) -> None:
    assert main(argv) == 2
    error = capsys.readouterr().err
    assert error.startswith("ข้อผิดพลาด: ")
    assert words in error
