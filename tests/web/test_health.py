"""``/healthz`` and ``/readyz`` on both apps (issue 7, section 2), and the WSGI entry points."""

import gc
import logging
import socket
from dataclasses import replace
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import Engine
from werkzeug.test import Client

from rongrian.admin.web.app import create_staff_app
from rongrian.channels.web.app import create_public_app
from rongrian.intake.db import make_engine
from rongrian.settings import Settings
from tests.conftest import Demo
from tests.web.conftest import DatabaseSwitch

#: The machine's Redis (tests use database 13; keys are HMACs under a fresh secret).
REDIS_URL = "redis://127.0.0.1:6379/13"


def _redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        return False
    return True


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("which", ["public", "staff"])
def test_both_apps_answer_healthz_and_readyz_in_plain_text_without_a_cookie(
    public_app: Flask, staff_app: Flask, which: str, caplog: pytest.LogCaptureFixture,
) -> None:
    client = (public_app if which == "public" else staff_app).test_client()
    caplog.set_level(logging.DEBUG)
    for path in ("/healthz", "/readyz"):
        response = client.get(path)
        assert response.status_code == 200
        assert response.get_data(as_text=True).strip() == "ok"
        assert response.mimetype == "text/plain"
        assert response.headers["Cache-Control"] == "no-store"
        assert "Set-Cookie" not in response.headers
    assert [r.getMessage() for r in caplog.records if r.name.startswith("rongrian")] == []


def test_readyz_names_the_database_when_it_is_down_and_healthz_stays_ok(
    cut_public: Flask, cut_staff: Flask, switch: DatabaseSwitch,
) -> None:
    switch.down()
    for app in (cut_public, cut_staff):
        client = app.test_client()
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.get_data(as_text=True).strip() == "not ready: database"
        assert client.get("/healthz").status_code == 200
    switch.up()
    assert cut_public.test_client().get("/readyz").status_code == 200


def test_readyz_names_the_schema_when_the_database_is_not_migrated(
    settings: Settings, demo: Demo, tmp_path: Path,
) -> None:
    empty = replace(settings, database_url=f"sqlite:///{tmp_path / 'empty.db'}")
    engine = make_engine(empty.database_url)
    response = create_public_app(empty, engine=engine).test_client().get("/readyz")
    assert (response.status_code, response.get_data(as_text=True).strip()) == (
        503, "not ready: schema")
    engine.dispose()


def test_readyz_names_redis_when_the_configured_redis_does_not_answer(
    settings: Settings, engine: Engine, demo: Demo,
) -> None:
    port = _closed_port()
    broken = replace(settings, redis_url=f"redis://127.0.0.1:{port}/0",
                     ratelimit_storage=f"redis://127.0.0.1:{port}/0")
    response = create_staff_app(broken, engine=engine).test_client().get(
        "/readyz")
    assert response.status_code == 503
    assert response.get_data(as_text=True).strip() == "not ready: redis, ratelimit-storage"


@pytest.mark.skipif(not _redis_up(), reason="no Redis on 127.0.0.1:6379")
def test_readyz_is_ok_with_a_working_redis(settings: Settings, engine: Engine,
                                           demo: Demo) -> None:
    working = replace(settings, redis_url=REDIS_URL, ratelimit_storage=REDIS_URL)
    response = create_public_app(working, engine=engine).test_client().get(
        "/readyz")
    assert (response.status_code, response.get_data(as_text=True).strip()) == (200, "ok")


def test_health_checks_are_not_rate_limited(settings: Settings, engine: Engine,
                                            demo: Demo) -> None:
    limited = replace(settings, ratelimit_enabled=True)
    client = create_public_app(limited, engine=engine).test_client()
    statuses = {client.get(path).status_code for path in ("/healthz", "/readyz") * 40}
    assert statuses == {200}


def test_the_wsgi_module_imports_without_an_environment_and_builds_apps_lazily(
    settings: Settings, demo: Demo, monkeypatch: pytest.MonkeyPatch,
) -> None:
    import importlib

    monkeypatch.setenv("RONGRIAN_INSTANCE", "/nonexistent/instance")
    wsgi = importlib.reload(importlib.import_module("rongrian.wsgi"))  # reads nothing
    monkeypatch.setenv("RONGRIAN_INSTANCE", str(settings.instance_path))
    monkeypatch.setenv("RONGRIAN_DATABASE_URL", settings.database_url)
    gc.unfreeze()
    try:
        combined = Client(wsgi.create_app())
        # What a worker made lives as long as it: kept out of full collections (issue 11).
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
    assert combined.get("/healthz").status_code == 200
    assert combined.get("/staff/readyz").get_data(as_text=True).strip() == "ok"
    assert combined.get("/staff/login").status_code == 200
    assert Client(wsgi.public_app).get("/readyz").status_code == 200
    assert wsgi.public_app is wsgi.public_app  # made once
    assert Client(wsgi.staff_app).get("/login").status_code == 200
    with pytest.raises(AttributeError):
        _ = wsgi.no_such_app
    gc.unfreeze()  # the test run's own objects stay collectable
