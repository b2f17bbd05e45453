"""Fixtures of the shared-plumbing tests: apps on an engine whose database can be cut."""

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Engine, event

from rongrian.admin.web.app import create_staff_app
from rongrian.channels.web.app import create_public_app
from rongrian.intake.db import PoolOptions, make_engine
from rongrian.settings import Settings
from rongrian.web.outage import DatabaseAvailability
from tests.conftest import Demo

#: What the stand-in driver says when the database is cut; must never reach a log or a page.
DRIVER_MESSAGE = "connection refused: is the server running on host 10.9.8.7 port 5432"


@dataclass
class DatabaseSwitch:
    """An engine on the test database that can be cut (every new connection is refused by
    the driver, pooled ones are dropped) and restored, as when the server stops and starts."""

    engine: Engine
    availability: DatabaseAvailability = field(default_factory=DatabaseAvailability)
    cut: bool = False

    def down(self) -> None:
        self.cut = True
        self.engine.dispose()

    def up(self) -> None:
        self.cut = False

    def refuse(self, dialect: Any, *_args: Any) -> None:
        if self.cut:
            raise dialect.loaded_dbapi.OperationalError(DRIVER_MESSAGE)


def switchable(url: str, pool: PoolOptions | None = None) -> DatabaseSwitch:
    """A :class:`DatabaseSwitch` on ``url``."""
    switch = DatabaseSwitch(make_engine(url, pool))
    event.listen(switch.engine, "do_connect", switch.refuse)
    return switch


@pytest.fixture
def switch(settings: Settings, demo: Demo) -> Iterator[DatabaseSwitch]:
    """A cuttable engine on the demo database."""
    made = switchable(settings.database_url)
    yield made
    made.engine.dispose()


@pytest.fixture
def cut_public(settings: Settings, switch: DatabaseSwitch) -> Flask:
    """The public app on the cuttable engine."""
    return create_public_app(settings, engine=switch.engine, availability=switch.availability)


@pytest.fixture
def cut_staff(settings: Settings, switch: DatabaseSwitch) -> Flask:
    """The staff app on the cuttable engine (sharing the public app's availability)."""
    return create_staff_app(settings, engine=switch.engine, availability=switch.availability)
