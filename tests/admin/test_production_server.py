"""``rongrian serve`` (gunicorn) refuses what several workers cannot share, and gunicorn's log
names no client (issue 7, section 2)."""

import logging
from pathlib import Path

import pytest
from gunicorn.config import Config

from rongrian.admin.cli import main
from rongrian.admin.production import QuietLogger, production_problems
from rongrian.settings import Settings, create_secrets, following_listen_address, listening_url


@pytest.fixture
def instance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "instance"
    create_secrets(folder)
    monkeypatch.setenv("RONGRIAN_INSTANCE", str(folder))
    for name in ("RONGRIAN_RATELIMIT_STORAGE", "RONGRIAN_REDIS_URL", "RONGRIAN_PUBLIC_URL",
                 "RONGRIAN_LINE_CHANNEL_SECRET", "RONGRIAN_LINE_CHANNEL_ACCESS_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    return folder


def test_several_workers_with_rate_limits_in_memory_are_refused(
    instance: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["serve", "--workers", "2", "--port", "1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ข้อผิดพลาด: ")
    assert "Error: 2 workers cannot keep rate limits in memory" in err
    assert "RONGRIAN_RATELIMIT_STORAGE=redis://" in err


def test_several_workers_with_line_but_no_queue_are_refused(
    instance: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RONGRIAN_RATELIMIT_STORAGE", "redis://127.0.0.1:6379/13")
    monkeypatch.setenv("RONGRIAN_LINE_CHANNEL_SECRET", "0" * 32)
    monkeypatch.setenv("RONGRIAN_LINE_CHANNEL_ACCESS_TOKEN", "token")
    assert main(["serve", "--workers", "3", "--port", "1"]) == 2
    err = capsys.readouterr().err
    assert "rate limits" not in err
    assert "RONGRIAN_REDIS_URL" in err
    assert "out of order" in err
    assert "ข้อผิดพลาด: " in err


@pytest.mark.parametrize(("storage", "redis", "line", "refused"), [
    ("memory://", "", False, 1),
    ("redis://127.0.0.1:6379/0", "", False, 0),
    ("redis://127.0.0.1:6379/0", "", True, 1),
    ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/0", True, 0),
    ("memory://", "", True, 2),
])
def test_what_several_workers_need(settings: Settings, storage: str, redis: str, line: bool,
                                   refused: int) -> None:
    from dataclasses import replace

    shaped = replace(settings, ratelimit_storage=storage, redis_url=redis,
                     line_channel_secret="s" if line else "",
                     line_channel_access_token="t" if line else "")
    assert len(production_problems(shaped, 4)) == refused
    assert production_problems(shaped, 1) == []


@pytest.mark.parametrize("value", ["0", "-1"])
def test_bad_worker_counts_are_refused(instance: Path, value: str,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--workers", value]) == 2
    assert "Error: --workers" in capsys.readouterr().err


def test_public_url_follows_the_address_served_unless_set(
    settings: Settings, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("RONGRIAN_PUBLIC_URL", raising=False)
    assert following_listen_address(settings, "127.0.0.1", 8123).public_base_url == \
        "http://127.0.0.1:8123"
    assert listening_url("0.0.0.0", 80) == "http://127.0.0.1:80"  # noqa: S104
    assert listening_url("::1", 8000) == "http://[::1]:8000"
    monkeypatch.setenv("RONGRIAN_PUBLIC_URL", "https://report.example.go.th")
    assert following_listen_address(settings, "127.0.0.1", 8123) is settings


def test_the_demo_server_links_to_the_port_it_serves(
    instance: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    """The receipt's QR code and link used http://127.0.0.1:8000 whatever PORT was."""
    served: list[Settings] = []
    monkeypatch.setattr("rongrian.admin.server.serve",
                        lambda settings, host, port: served.append(settings))
    monkeypatch.setattr("rongrian.admin.cli.init", lambda *, demo: False)
    assert main(["demo", "--port", "8765"]) == 0
    assert served[0].public_base_url == "http://127.0.0.1:8765"
    assert "http://127.0.0.1:8765/report" in capsys.readouterr().out


def test_gunicorn_log_names_no_client_and_keeps_no_access_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    logger = QuietLogger(Config())
    logger.error_log.propagate = True
    caplog.set_level(logging.DEBUG)
    logger.warning("Invalid request from ip=203.0.113.7: Invalid request line 'GET /track?x'")
    try:
        raise ValueError("complaint text 0812345678")
    except ValueError:
        logger.exception("Error handling request %s", "/track?code=ABCD")
    logger.access(None, None, {"REMOTE_ADDR": "203.0.113.7"}, 0.1)
    logger.info("Booting worker with pid: %s", 42)
    text = caplog.text
    assert "203.0.113.7" not in text
    assert "/track" not in text
    assert "0812345678" not in text
    assert "Traceback" not in text
    assert "invalid request refused" in text
    assert "error while handling a request: ValueError" in text
    assert "Booting worker with pid: 42" in text
