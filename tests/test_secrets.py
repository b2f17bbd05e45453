"""The server pepper and app secrets: made at set-up, private to the owner, never defaulted,
never committed."""

import base64
import json
import shutil
import stat
import subprocess
from fnmatch import fnmatch
from pathlib import Path

import pytest

import rongrian
from rongrian.admin.cli import main
from rongrian.intake.errors import SetupError
from rongrian.settings import SECRETS_FILE, create_secrets, from_environment, load_secrets

REPOSITORY = Path(rongrian.__file__).resolve().parent.parent


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_secrets_file_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    create_secrets(instance)
    assert _mode(instance / SECRETS_FILE) == 0o600
    assert _mode(instance) & 0o077 == 0


def test_init_writes_secrets_with_mode_0600(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    instance = tmp_path / "instance"
    monkeypatch.setenv("RONGRIAN_INSTANCE", str(instance))
    monkeypatch.setenv("RONGRIAN_DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite'}")
    assert main(["init"]) == 0
    assert _mode(instance / SECRETS_FILE) == 0o600


def test_two_installs_get_different_secrets(tmp_path: Path) -> None:
    first = create_secrets(tmp_path / "one")
    second = create_secrets(tmp_path / "two")
    for name in ("public_secret_key", "staff_secret_key", "tracking_pepper"):
        a, b = getattr(first, name), getattr(second, name)
        assert len(a) == len(b) == 32
        assert a != b
    assert len({first.public_secret_key, first.staff_secret_key, first.tracking_pepper}) == 3


def test_set_up_again_keeps_the_secrets_in_force(tmp_path: Path) -> None:
    first = create_secrets(tmp_path / "instance")
    assert create_secrets(tmp_path / "instance") == first
    assert load_secrets(tmp_path / "instance") == first


def test_the_apps_refuse_to_start_without_secrets(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    instance = tmp_path / "empty"
    instance.mkdir()
    monkeypatch.setenv("RONGRIAN_INSTANCE", str(instance))
    with pytest.raises(SetupError):
        from_environment()
    assert main(["serve", "--port", "1"]) == 1
    assert "rongrian init" in capsys.readouterr().err
    assert list(instance.iterdir()) == []  # nothing was made up on the spot


@pytest.mark.parametrize("content", [
    "",
    "{}",
    "not json",
    json.dumps({"public_secret_key": "AA==", "staff_secret_key": "AA=="}),
    json.dumps({"public_secret_key": "AA==", "staff_secret_key": "AA==",
                "tracking_pepper": "***"}),
    json.dumps({"public_secret_key": "AA==", "staff_secret_key": "AA==",
                "tracking_pepper": "AA=="}),
    json.dumps(dict.fromkeys(("public_secret_key", "staff_secret_key", "tracking_pepper"),
                             base64.b64encode(bytes(32)).decode() + "!")),
    json.dumps(dict.fromkeys(("public_secret_key", "staff_secret_key", "tracking_pepper"),
                             None)),
])
def test_an_incomplete_secrets_file_is_refused_not_filled_in(tmp_path: Path,
                                                             content: str) -> None:
    (tmp_path / SECRETS_FILE).write_text(content)
    with pytest.raises(SetupError):
        load_secrets(tmp_path)
    assert (tmp_path / SECRETS_FILE).read_text() == content


def test_secrets_are_random_bytes_not_text(tmp_path: Path) -> None:
    create_secrets(tmp_path)
    stored = json.loads((tmp_path / SECRETS_FILE).read_text())
    for value in stored.values():
        raw = base64.b64decode(value)
        assert len(raw) == 32
        assert raw != bytes(32)


@pytest.mark.parametrize("path", ["instance/secrets.json", "deploy/prod/secrets.json",
                                  "secrets.json"])
def test_secrets_json_is_ignored_by_git(path: str) -> None:
    gitignore = (REPOSITORY / ".gitignore").read_text().splitlines()
    git = shutil.which("git")
    if git and (REPOSITORY / ".git").exists():
        result = subprocess.run(  # noqa: S603 - fixed arguments, read-only query
            [git, "check-ignore", "--quiet", "--no-index", path], cwd=REPOSITORY, check=False)
        assert result.returncode == 0, f"{path} would be committed"
    patterns = [line.strip() for line in gitignore if line.strip() and not line.startswith("#")]
    assert any(fnmatch(Path(path).name, pattern) for pattern in patterns)
