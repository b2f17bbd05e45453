"""``rongrian staff …`` and ``rongrian keys …`` against the test database: one-time passwords,
grants and rotation with the recovery key, progress on standard error, the key never shown."""

import os
import re
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from rongrian.admin import keys_cli
from rongrian.admin.cli import main
from rongrian.crypto import keys
from rongrian.intake.casework import open_case
from rongrian.intake.grants import pending_grants
from rongrian.intake.keyring import active_unit_ring, unlock_account
from rongrian.intake.models import (
    AuditEntry,
    ComplaintKey,
    IssuedPassword,
    KeyGrant,
    StaffAccount,
    UnitMembership,
)
from rongrian.settings import Settings
from tests.admin.helpers import Filer
from tests.conftest import PASSWORDS, Demo

OTP = re.compile(r"^[a-z0-9]{4}(-[a-z0-9]{4}){3}$")


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, settings: Settings, engine: Engine,
            demo: Demo) -> Demo:
    """The command line pointed at the test database and instance folder."""
    monkeypatch.setenv("RONGRIAN_INSTANCE", str(settings.instance_path))
    monkeypatch.setenv("RONGRIAN_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    return demo


@pytest.fixture
def key_file(tmp_path: Path, demo: Demo) -> Path:
    """The demo's recovery key in a file only its owner may read."""
    path = tmp_path / "recovery.txt"
    path.write_text(demo.organisation.recovery_key + "\n", encoding="utf-8")
    os.chmod(path, 0o600)
    return path


def _never_shown(captured: pytest.CaptureFixture[str], demo: Demo) -> tuple[str, str]:
    out, err = captured.readouterr()
    secret = demo.organisation.recovery_key
    compact = secret.replace("-", "")
    for text in (out, err):
        assert secret not in text
        assert compact[4:20] not in text.replace("-", "")
    return out, err


def _account(demo: Demo, username: str) -> StaffAccount:
    with demo.sessions() as session:
        return session.scalars(select(StaffAccount).where(
            StaffAccount.username == username)).one()


def test_staff_add_prints_a_one_time_password_and_starts_a_pending_grant(
        cli_env: Demo, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["staff", "add", "Somsak", "--unit", "works", "--role", "staff",
                 "--name", "สมศักดิ์ ขยันดี"])
    out, err = capsys.readouterr()
    assert code == 0
    password = out.strip()
    assert OTP.match(password)
    assert "one-time password" in err
    account = _account(cli_env, "somsak")
    assert account.display_name == "สมศักดิ์ ขยันดี"
    unlock_account(account, password)  # the printed password opens the account key
    with cli_env.sessions() as session:
        assert session.get(IssuedPassword, account.id) is not None
        assert [(p.username, p.unit_code) for p in pending_grants(session)] == [
            ("somsak", "WORKS")]


@pytest.mark.parametrize(("argv", "message"), [
    (["staff", "add", "works", "--role", "staff"], "already in use"),
    (["staff", "add", "x", "--role", "staff"], "lower-case"),
    (["staff", "add", "boss", "--role", "admin", "--unit", "WORKS"], "cannot be unit members"),
    (["staff", "add", "newbie", "--role", "staff", "--unit", "NOPE"], "no unit"),
    (["staff", "join", "nobody", "--unit", "WORKS"], "no account"),
    (["staff", "join", "executive", "--unit", "WORKS"], "cannot be a unit member"),
    (["staff", "leave", "works", "--unit", "NOPE"], "no unit"),
    (["staff", "reset-password", "nobody"], "no account"),
])
def test_bad_staff_commands_fail_in_both_languages_and_change_nothing(
        cli_env: Demo, capsys: pytest.CaptureFixture[str], argv: list[str],
        message: str) -> None:
    with cli_env.sessions() as session:
        before = (len(list(session.scalars(select(StaffAccount.id)))),
                  len(list(session.scalars(select(UnitMembership.account_id)))))
    assert main(argv) == 2
    _out, err = capsys.readouterr()
    assert "ข้อผิดพลาด" in err
    assert message in err
    with cli_env.sessions() as session:
        after = (len(list(session.scalars(select(StaffAccount.id)))),
                 len(list(session.scalars(select(UnitMembership.account_id)))))
    assert after == before


def test_join_leave_and_reset(cli_env: Demo, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["staff", "join", "finance", "--unit", "WORKS"]) == 0
    assert main(["staff", "leave", "works", "--unit", "WORKS"]) == 0
    works = _account(cli_env, "works")
    with cli_env.sessions() as session:
        assert not list(session.scalars(select(KeyGrant).where(
            KeyGrant.account_id == works.id)))
    capsys.readouterr()
    assert main(["staff", "reset-password", "palad"]) == 0
    out, _err = capsys.readouterr()
    password = out.strip()
    assert OTP.match(password)
    palad = _account(cli_env, "palad")
    unlock_account(palad, password)
    with cli_env.sessions() as session:
        assert not list(session.scalars(select(KeyGrant).where(
            KeyGrant.account_id == palad.id)))


def test_keys_grant_with_the_recovery_key_file(cli_env: Demo, key_file: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["staff", "join", "finance", "--unit", "WORKS"]) == 0
    assert main(["keys", "grant", "--unit", "WORKS", "--recovery-key-file",
                 str(key_file)]) == 0
    out, _err = _never_shown(capsys, cli_env)
    assert "finance" in out
    with cli_env.sessions() as session:
        assert pending_grants(session) == []


def test_keys_grant_reads_the_recovery_key_from_a_prompt(
        cli_env: Demo, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    prompts: list[str] = []

    def fake_getpass(prompt: str, stream: object = None) -> str:
        prompts.append(prompt)
        return cli_env.organisation.recovery_key.lower()  # case and dashes do not matter

    monkeypatch.setattr(keys_cli.getpass, "getpass", fake_getpass)
    assert main(["staff", "join", "finance", "--unit", "WORKS"]) == 0
    assert main(["keys", "grant", "--unit", "WORKS", "finance"]) == 0
    assert prompts == [keys_cli.RECOVERY_PROMPT]
    _never_shown(capsys, cli_env)


@pytest.mark.parametrize("content", ["wrong", "malformed", "missing"])
@pytest.mark.parametrize("command", [
    ["keys", "grant", "--unit", "WORKS"],
    ["keys", "rotate-unit", "WORKS"],
    ["keys", "recover", "WORKS"],
])
def test_a_wrong_recovery_key_fails_clearly_and_changes_nothing(
        cli_env: Demo, tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str],
        content: str) -> None:
    assert main(["staff", "join", "finance", "--unit", "WORKS"]) == 0
    path = tmp_path / "key.txt"
    if content == "wrong":
        path.write_text(keys.format_recovery_key(keys.generate_private_key()))
    elif content == "malformed":
        path.write_text("RGR1-NOT-A-KEY")
    with cli_env.sessions() as session:
        before = sorted((g.ring_id, g.account_id) for g in session.scalars(select(KeyGrant)))
        rings_before = sorted(k.ring_id for k in session.scalars(select(ComplaintKey)))
    capsys.readouterr()
    assert main([*command, "--recovery-key-file", str(path)]) == 2
    _out, err = capsys.readouterr()
    expected = {"wrong": "does not belong to this installation",
                "malformed": "not a Rongrian recovery key",
                "missing": "cannot read the recovery key file"}[content]
    assert expected in err
    assert "ข้อผิดพลาด" in err
    with cli_env.sessions() as session:
        assert sorted((g.ring_id, g.account_id)
                      for g in session.scalars(select(KeyGrant))) == before
        assert sorted(k.ring_id for k in session.scalars(select(ComplaintKey))) == rings_before


def test_rotate_unit_with_a_members_password_shows_progress(
        cli_env: Demo, file: Filer, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    receipts = [file() for _ in range(5)]
    monkeypatch.setattr(keys_cli.getpass, "getpass",
                        lambda prompt, stream=None: PASSWORDS["works"])
    with cli_env.sessions() as session:
        old_ring = active_unit_ring(session, cli_env.organisation.units["WORKS"].id).id
    assert main(["keys", "rotate-unit", "WORKS", "--member", "works", "--batch-size", "2"]) == 0
    out, err = capsys.readouterr()
    assert "re-sealed 2/5 cases" in err
    assert "re-sealed 5/5 cases" in err
    assert "5 cases re-sealed" in out
    assert PASSWORDS["works"] not in out + err
    with cli_env.sessions() as session:
        assert not list(session.scalars(select(ComplaintKey).where(
            ComplaintKey.ring_id == old_ring)))
        member = unlock_account(_account(cli_env, "works"), PASSWORDS["works"])
        for receipt in receipts:
            assert open_case(session, member, receipt.complaint_id)
        entry = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "key_rotated")).first()
        assert entry is not None
        assert entry.actor_name == "works"


def test_rotate_unit_refuses_a_wrong_member_password(
        cli_env: Demo, file: Filer, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    file()
    monkeypatch.setattr(keys_cli.getpass, "getpass", lambda prompt, stream=None: "nope")
    assert main(["keys", "rotate-unit", "WORKS", "--member", "works"]) == 2
    assert "wrong password" in capsys.readouterr().err
    monkeypatch.setattr(keys_cli.getpass, "getpass",
                        lambda prompt, stream=None: PASSWORDS["finance"])
    assert main(["keys", "rotate-unit", "WORKS", "--member", "finance"]) == 2
    assert "does not hold this unit's key" in capsys.readouterr().err


def test_recover_after_every_member_lost_their_password(
        cli_env: Demo, file: Filer, key_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    receipts = [file() for _ in range(3)]
    assert main(["staff", "reset-password", "works"]) == 0
    one_time = capsys.readouterr().out.strip()
    with cli_env.sessions() as session:
        assert pending_grants(session)[0].username == "works"
    assert main(["keys", "recover", "WORKS", "--recovery-key-file", str(key_file)]) == 0
    out, err = _never_shown(capsys, cli_env)
    assert "re-sealed 3/3 cases" in err
    assert "works" in out
    with cli_env.sessions() as session:
        member = unlock_account(_account(cli_env, "works"), one_time)
        for receipt in receipts:
            assert open_case(session, member, receipt.complaint_id)


def test_keys_status_lists_pending_grants(cli_env: Demo,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["staff", "join", "finance", "--unit", "WORKS"]) == 0
    capsys.readouterr()
    assert main(["keys", "status"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"finance\s+WORKS", out)


def test_key_commands_refuse_to_run_without_set_up(monkeypatch: pytest.MonkeyPatch,
                                                   tmp_path: Path) -> None:
    monkeypatch.setenv("RONGRIAN_INSTANCE", str(tmp_path / "nowhere"))
    assert main(["keys", "status"]) == 1
    assert not (tmp_path / "nowhere" / "secrets.json").exists()
