"""Helpers of the backup, restore and maintenance tests: a fresh restore target on either
backend, running the command line against an instance, filing complaints with files."""

import io
import re
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from rongrian.admin.cli import main
from rongrian.intake.db import make_engine
from tests.channels import samples
from tests.channels.web.helpers import CASE_NUMBER, TRACKING_CODE, VALID
from tests.conftest import csrf_token


@dataclass(frozen=True)
class Target:
    """Where a restore goes: an instance folder and a database URL (both empty)."""

    instance: Path
    url: str


@dataclass(frozen=True)
class FiledCase:
    """A complaint filed through the public form: its code, number, text and file count."""

    code: str
    number: str
    text: str
    files: int


def restore_database(engine: Engine) -> Iterator[str | None]:
    """On PostgreSQL, a database ``<test database>_restore`` made once (dropped at the end)
    for restores to go to; ``None`` on SQLite."""
    if engine.dialect.name == "sqlite":
        yield None
        return
    name = f"{engine.url.database}_restore"
    server = make_engine(engine.url.set(database="postgres").render_as_string(
        hide_password=False)).execution_options(isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield engine.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


def make_target(restore_url: str | None, folder: Path) -> Target:
    """A new empty instance folder and database: a SQLite file in the folder, or the
    PostgreSQL restore database emptied (its schema dropped and made again)."""
    instance = folder / "restored"
    if restore_url is None:
        return Target(instance, f"sqlite:///{instance / 'rongrian.db'}")
    engine = make_engine(restore_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()
    return Target(instance, restore_url)


def run(monkeypatch: pytest.MonkeyPatch, instance: Path, url: str, *argv: str,
        stdin: str | None = None) -> int:
    """Run ``rongrian *argv`` against ``instance`` and ``url``; return its exit status."""
    monkeypatch.setenv("RONGRIAN_INSTANCE", str(instance))
    monkeypatch.setenv("RONGRIAN_DATABASE_URL", url)
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    return main(list(argv))


def file_case(client: FlaskClient, what: str, files: list[tuple[bytes, str]]) -> FiledCase:
    """File a complaint for WORKS with ``files`` through the public form."""
    token = csrf_token(client.get("/report").get_data(as_text=True))
    response = client.post("/report", data={
        **VALID, "what_happened": what, "csrf_token": token,
        "attachments": [(io.BytesIO(content), name) for content, name in files],
    }, content_type="multipart/form-data")
    body = response.get_data(as_text=True)
    assert response.status_code == 200, body
    code, number = TRACKING_CODE.search(body), CASE_NUMBER.search(body)
    assert code
    assert number
    return FiledCase(code.group(1), number.group(1), what, len(files))


def file_some(client: FlaskClient) -> list[FiledCase]:
    """Three complaints: with a photo and a PDF, with a document, without files."""
    return [
        file_case(client, "ถนนซอย 3 เป็นหลุมลึก รถล้มทุกคืน", [
            (samples.jpeg_with_gps(), "IMG_0001.jpg"), (samples.pdf_with_author(), "a.pdf")]),
        file_case(client, "ไฟฟ้าส่องสว่างหน้าตลาดดับมาสองสัปดาห์", [
            (samples.docx_with_author(), "report.docx")]),
        file_case(client, "ท่อประปาแตกหน้าวัด น้ำไหลทั้งวัน", []),
    ]


def wipe_source(engine: Engine, instance: Path) -> None:
    """Lose everything: the instance folder and the database (SQLite file deleted; PostgreSQL
    schema dropped)."""
    shutil.rmtree(instance)
    if engine.dialect.name == "sqlite":
        engine.dispose()
        database = make_url(engine.url).database
        assert database
        for suffix in ("", "-wal", "-shm"):
            Path(database + suffix).unlink(missing_ok=True)
        return
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))


ATTACHMENT_LINK = re.compile(r'href="(/cases/[0-9a-f-]{36}/attachments/[0-9a-f-]{36})"')
CASE_LINK = re.compile(r'href="(/cases/[0-9a-f-]{36})"')
