"""The restore drill (issue 7 §3), on SQLite and on PostgreSQL: complaints with files filed by
citizens → ``rongrian backup`` → everything lost (instance folder deleted, database dropped)
→ ``rongrian restore`` into a new empty instance and database → every tracking code opens its
thread, staff read every case and download every file unchanged, the audit chain verifies."""

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine

from rongrian.admin.migrate import upgrade
from rongrian.admin.web.app import create_staff_app
from rongrian.channels.web.app import create_public_app
from rongrian.intake.db import make_engine
from rongrian.settings import Settings, load_secrets
from tests.admin.backup_helpers import (
    ATTACHMENT_LINK,
    CASE_LINK,
    FiledCase,
    Target,
    file_some,
    make_target,
    restore_database,
    run,
    wipe_source,
)
from tests.admin.helpers import login, page
from tests.channels.web.helpers import track
from tests.conftest import Demo


@pytest.fixture(scope="module")
def restore_url(engine: Engine) -> Iterator[str | None]:
    yield from restore_database(engine)


@pytest.fixture
def target(restore_url: str | None, tmp_path: Path) -> Target:
    return make_target(restore_url, tmp_path)


def staff_view(client: FlaskClient, cases: list[FiledCase]) -> dict[str, str]:
    """Log in as the WORKS officer, open every case and download every file; return the
    SHA-256 of each file by its download path's case text and position."""
    assert login(client, "works").status_code == 302
    status, listing = page(client, "/cases")
    assert status == 200
    digests: dict[str, str] = {}
    for path in sorted(set(CASE_LINK.findall(listing))):
        status, body = page(client, path)
        assert status == 200
        case = next(case for case in cases if case.text in body)
        links = ATTACHMENT_LINK.findall(body)
        assert len(links) == case.files
        for position, link in enumerate(links, 1):
            download = client.get(link)
            assert download.status_code == 200
            digests[f"{case.number}#{position}"] = hashlib.sha256(download.data).hexdigest()
    assert len({key.partition("#")[0] for key in digests}) == 2  # the two cases with files
    return digests


def apps_on(target: Target) -> tuple[Flask, Flask, Engine]:
    restored = Settings(database_url=target.url, instance_path=target.instance,
                        secrets=load_secrets(target.instance), kdf_strength="test",
                        ratelimit_enabled=False)
    engine = make_engine(target.url)
    public, staff = (create_public_app(restored, engine=engine),
                     create_staff_app(restored, engine=engine))
    public.config["TESTING"] = staff.config["TESTING"] = True
    return public, staff, engine


def test_backup_wipe_restore_drill(public_client: FlaskClient, staff_client: FlaskClient,
                                   settings: Settings, demo: Demo, engine: Engine,
                                   target: Target, tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    cases = file_some(public_client)
    before = staff_view(staff_client, cases)
    archive = tmp_path / "rongrian.backup"
    assert run(monkeypatch, settings.instance_path, settings.database_url,
               "backup", "--out", str(archive)) == 0
    assert archive.stat().st_mode & 0o777 == 0o600
    try:
        wipe_source(engine, settings.instance_path)
        assert run(monkeypatch, target.instance, target.url, "restore", str(archive),
                   stdin=demo.organisation.recovery_key + "\n") == 0
        public, staff, restored_engine = apps_on(target)
        try:
            citizen = public.test_client()
            for case in cases:
                response = track(citizen, case.code)
                body = response.get_data(as_text=True)
                assert response.status_code == 200
                assert f'id="case-number">{case.number}<' in body
                assert body.count("-attachment-") >= case.files
            assert staff_view(staff.test_client(), cases) == before
        finally:
            restored_engine.dispose()
        assert run(monkeypatch, target.instance, target.url, "audit", "verify") == 0
        assert (target.instance / "secrets.json").stat().st_mode & 0o777 == 0o600
    finally:
        upgrade(engine)  # the session's shared database, for the tests that follow
