"""A staff account's e-mail address and daily-digest choice, set by an administrator on the
account page or with ``rongrian staff email`` (issue 9 §2)."""

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine, select

from rongrian.admin.cli import main
from rongrian.intake.models import AuditAction, AuditEntry, StaffAccount
from rongrian.settings import Settings
from tests.admin.helpers import login, page, post_form
from tests.conftest import Demo


def account(demo: Demo, username: str) -> StaffAccount:
    with demo.sessions() as session:
        return session.scalars(select(StaffAccount).where(
            StaffAccount.username == username)).one()


def changes(demo: Demo) -> list[str]:
    with demo.sessions() as session:
        return list(session.scalars(select(AuditEntry.detail).where(
            AuditEntry.action == AuditAction.STAFF_EMAIL_CHANGED)))


def test_an_administrator_sets_the_address_and_the_digest_choice(
        staff_client: FlaskClient, demo: Demo) -> None:
    works = account(demo, "works")
    assert (works.email, works.email_digest) == (None, True)
    login(staff_client, "admin")
    account_page = f"/admin/staff/{works.id}"
    assert 'id="email-form"' in page(staff_client, account_page)[1]
    saved = post_form(staff_client, account_page, f"{account_page}/email",
                      {"email": " prasert@example.go.th ", "digest": "y"})
    assert saved.status_code == 302
    body = page(staff_client, account_page)[1]
    assert "บันทึกการตั้งค่าอีเมลของ works แล้ว" in body
    assert 'value="prasert@example.go.th"' in body
    assert (account(demo, "works").email, account(demo, "works").email_digest) == (
        "prasert@example.go.th", True)
    post_form(staff_client, account_page, f"{account_page}/email",
              {"email": "prasert@example.go.th"})  # the box unticked: no digest
    assert account(demo, "works").email_digest is False
    post_form(staff_client, account_page, f"{account_page}/email", {"email": ""})
    assert account(demo, "works").email is None
    details = changes(demo)
    assert len(details) == 3
    assert all("prasert" not in detail for detail in details)  # the address is not audited


@pytest.mark.parametrize(("typed", "message"), [
    ("prasert", "ที่อยู่อีเมลไม่ถูกต้อง"),
    ("prasert@example", "ที่อยู่อีเมลไม่ถูกต้อง"),
    ("a@b.go.th, c@d.go.th", "ที่อยู่อีเมลไม่ถูกต้อง"),
    ("Prasert <a@b.go.th>", "ที่อยู่อีเมลไม่ถูกต้อง"),
    ("a@b.go.th\r\nBcc: x@y.org", "ที่อยู่อีเมลไม่ถูกต้อง"),
    ("a..b@example.go.th", "ที่อยู่อีเมลไม่ถูกต้อง"),
    ("prasert.@example.go.th", "ที่อยู่อีเมลไม่ถูกต้อง"),
    ("a" * 250 + "@example.go.th", "ยาวเกินไป"),
])
def test_a_bad_address_is_refused_and_nothing_changes(
        staff_client: FlaskClient, demo: Demo, typed: str, message: str) -> None:
    works = account(demo, "works")
    login(staff_client, "admin")
    account_page = f"/admin/staff/{works.id}"
    refused = post_form(staff_client, account_page, f"{account_page}/email",
                        {"email": typed, "digest": "y"})
    assert refused.status_code == 400
    assert message in refused.get_data(as_text=True)
    assert account(demo, "works").email is None
    assert changes(demo) == []


def test_only_an_administrator_may_set_it(staff_client: FlaskClient, demo: Demo) -> None:
    works = account(demo, "works")
    login(staff_client, "works")
    answer = post_form(staff_client, "/cases", f"/admin/staff/{works.id}/email",
                       {"email": "me@example.go.th"})
    assert answer.status_code == 403
    assert account(demo, "works").email is None


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, settings: Settings, engine: Engine,
            demo: Demo) -> Demo:
    monkeypatch.setenv("RONGRIAN_INSTANCE", str(settings.instance_path))
    monkeypatch.setenv("RONGRIAN_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    return demo


def test_the_command_line_shows_sets_and_clears(
        cli_env: Demo, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["staff", "email", "executive", "mayor@example.go.th"]) == 0
    assert "executive: mayor@example.go.th, daily digest on" in capsys.readouterr().out
    assert main(["staff", "email", "executive", "--no-digest"]) == 0
    assert main(["staff", "email", "executive"]) == 0
    assert "executive: mayor@example.go.th, daily digest off" in capsys.readouterr().out
    assert main(["staff", "email", "executive", "--clear"]) == 0
    assert account(cli_env, "executive").email is None
    assert len(changes(cli_env)) == 3


@pytest.mark.parametrize(("argv", "words"), [
    (["staff", "email", "nobody", "a@example.go.th"], "no account"),
    (["staff", "email", "works", "not-an-address"], "not an e-mail address"),
])
def test_the_command_line_refuses_bad_input(cli_env: Demo, capsys: pytest.CaptureFixture[str],
                                            argv: list[str], words: str) -> None:
    assert main(argv) == 2
    error = capsys.readouterr().err
    assert error.startswith("ข้อผิดพลาด: ")
    assert words in error
    assert changes(cli_env) == []
