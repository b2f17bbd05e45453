"""Shared fixtures, in the manner of Flask's tutorial (flaskr): an app factory with test settings.

The database-backed fixtures run on SQLite, and again on PostgreSQL when
``RONGRIAN_TEST_DATABASE_URL`` is set (``.ci/run`` sets it). Each test starts from an empty
schema holding the demo municipality with known passwords (:data:`PASSWORDS`).
"""

import email.message
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection, Engine, event, text
from sqlalchemy.orm import Session, sessionmaker

from rongrian.admin.migrate import upgrade
from rongrian.admin.organisation import Organisation, create_demo_organisation
from rongrian.admin.web.app import create_staff_app
from rongrian.channels.web.app import create_public_app
from rongrian.crypto.keys import X25519PrivateKey
from rongrian.intake.db import make_engine, make_session_factory
from rongrian.intake.models import Base
from rongrian.mail import MailSettings
from rongrian.settings import Settings, create_secrets

PASSWORDS = {
    "palad": "palad-pass-1",
    "finance": "finance-pass-1",
    "works": "works-pass-1",
    "integrity": "integrity-pass-1",
    "clerk": "clerk-pass-1",
    "executive": "executive-pass-1",
    "admin": "admin-pass-1",
}

BACKENDS = ["sqlite"]
if os.environ.get("RONGRIAN_TEST_DATABASE_URL"):
    BACKENDS.append("postgresql")


@pytest.fixture(scope="session", params=BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[Engine]:
    """A migrated database per backend for the whole run."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    else:
        url = os.environ["RONGRIAN_TEST_DATABASE_URL"]
    made = make_engine(url)
    if request.param == "postgresql":
        with made.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade(made)
    yield made
    made.dispose()


@contextmanager
def each_statement(engine: Engine | Connection, record: Callable[..., None]) -> Iterator[None]:
    """Call ``record(conn, cursor, statement, parameters, context, executemany)`` for every
    statement ``engine`` sends inside the block (SQLAlchemy's ``before_cursor_execute``)."""
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", record)


def wipe(engine: Engine) -> None:
    """Delete every row of every table (children first)."""
    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


@dataclass
class Demo:
    """The demo organisation of a test: what set-up made, and a session factory."""

    organisation: Organisation
    sessions: sessionmaker[Session]


@pytest.fixture
def demo(engine: Engine) -> Demo:
    """An empty database holding the demo municipality (test-strength key derivation)."""
    wipe(engine)
    factory = make_session_factory(engine)
    with factory() as session:
        organisation = create_demo_organisation(session, strength="test", passwords=PASSWORDS)
        session.commit()
    return Demo(organisation, factory)


@pytest.fixture
def settings(tmp_path: Path, engine: Engine) -> Settings:
    """Test settings: a fresh instance folder with its own secrets, weak KDF, no rate limits."""
    instance = tmp_path / "instance"
    return Settings(
        database_url=engine.url.render_as_string(hide_password=False),
        instance_path=instance,
        secrets=create_secrets(instance),
        kdf_strength="test",
        ratelimit_enabled=False,
        # the second factor is tested on its own (tests/admin/test_second_factor.py)
        second_factor_roles=frozenset(),
    )


@pytest.fixture
def public_app(settings: Settings, engine: Engine, demo: Demo) -> Flask:
    app = create_public_app(settings, engine=engine)
    app.config["TESTING"] = True
    return app


@pytest.fixture
def staff_app(settings: Settings, engine: Engine, demo: Demo) -> Flask:
    app = create_staff_app(settings, engine=engine)
    app.config["TESTING"] = True
    return app


@pytest.fixture
def public_client(public_app: Flask) -> FlaskClient:
    return public_app.test_client()


@pytest.fixture
def staff_client(staff_app: Flask) -> FlaskClient:
    return staff_app.test_client()


_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


#: A hidden input of a page, and the name/value attributes in it.
_HIDDEN = re.compile(r'<input[^>]*type="hidden"[^>]*>')
_ATTR = re.compile(r'(name|value)="([^"]*)"')


def hidden_fields(html: str) -> dict[str, str]:
    """Every hidden input of a page by name (the CSRF token, a one-time submission token, …)."""
    fields: dict[str, str] = {}
    for tag in _HIDDEN.findall(html):
        attrs = dict(_ATTR.findall(tag))
        if "name" in attrs:
            fields[attrs["name"]] = attrs.get("value", "")
    return fields


def csrf_token(html: str) -> str:
    """The CSRF token of the first form in ``html``; fails the test if there is none."""
    match = _CSRF.search(html)
    assert match, "page has no CSRF token"
    return match.group(1) or match.group(2)


# --- a real SMTP server on loopback (issues 9 and 10) -------------------------------------

@dataclass
class SmtpSink:
    """Messages a real SMTP server (aiosmtpd) on 127.0.0.1 received, parsed, in order."""

    host: str
    port: int
    messages: list[email.message.EmailMessage]

    def mail_settings(self, **overrides: object) -> MailSettings:
        values: dict[str, object] = {"host": self.host, "port": self.port, "security": "none",
                                     "sender": "Rongrian <rongrian@example.go.th>"}
        values.update(overrides)
        return MailSettings(**values)  # type: ignore[arg-type]


@pytest.fixture
def smtp_server() -> Iterator[SmtpSink]:
    """An aiosmtpd server on a free loopback port for one test; ``.messages`` holds what it got."""
    from email import message_from_bytes, policy

    from aiosmtpd.controller import Controller

    sink = SmtpSink(host="127.0.0.1", port=0, messages=[])

    class Handler:
        async def handle_DATA(self, server: object, session: object,  # noqa: N802
                              envelope: object) -> str:
            raw = envelope.original_content or envelope.content  # type: ignore[attr-defined]
            sink.messages.append(message_from_bytes(raw, policy=policy.default))
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=free_port())
    controller.start()
    sink.port = controller.port
    try:
        yield sink
    finally:
        controller.stop()


def free_port() -> int:
    import socket
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# --- the notifier key of e-mail notices (issue 9 §4) ---------------------------------------

@pytest.fixture
def notifier_key(demo: Demo, settings: Settings) -> X25519PrivateKey:
    """The notifier key pair made as ``rongrian notify init-key`` does: the private key's file
    in the test instance folder, the public key in the database. Returns the private key."""
    from datetime import date

    from rongrian.intake import notices

    path = notices.key_path(settings.instance_path)
    with demo.sessions() as session:
        assert notices.create_key(session, path, date(2026, 11, 2)) == "created"
        session.commit()
    return notices.load_private_key(path)
