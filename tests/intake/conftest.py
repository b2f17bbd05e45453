"""Fixtures of the domain-core tests: a database session on the demo municipality, a pepper."""

import os
from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session

from tests.conftest import Demo


@pytest.fixture
def pepper() -> bytes:
    """A fresh random 32-byte tracking pepper."""
    return os.urandom(32)


@pytest.fixture
def session(demo: Demo) -> Iterator[Session]:
    """A session on the demo municipality; rolled back (and closed) at the end."""
    with demo.sessions() as opened:
        yield opened
        opened.rollback()
