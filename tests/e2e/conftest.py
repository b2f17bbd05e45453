"""Fixtures of the end-to-end tests: the combined app on a loopback port, and Debian's Chromium
driven by Playwright. In CI (``CI=true``) a missing Chromium fails the run instead of skipping."""

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import Engine
from werkzeug.serving import make_server

from rongrian.admin.server import QuietRequestHandler, combined_app
from rongrian.settings import Settings
from tests.conftest import Demo

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

#: Folder for screenshots of the pages the tests visit (``RONGRIAN_E2E_SCREENSHOTS``), or none.
SHOTS = os.environ.get("RONGRIAN_E2E_SCREENSHOTS")


def shot(page: "Page", name: str) -> None:
    """Save a full-page screenshot ``<SHOTS>/<name>.png`` when screenshots were asked for."""
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)

CHROMIUM = os.environ.get("RONGRIAN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]



def require_chromium() -> None:
    """Skip the calling test module when Chromium is missing (fail instead in CI)."""
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        if os.environ.get("CI"):
            raise RuntimeError(f"Chromium not found at {CHROMIUM}: the e2e tests must run in CI")
        pytest.skip("Chromium is not installed (scripts/test.sh installs it)",
                    allow_module_level=True)


@pytest.fixture
def live_server(settings: Settings, engine: Engine, demo: Demo) -> Iterator[str]:
    """The combined app (public at /, staff at /staff) on a loopback port, in a thread."""
    server = make_server("127.0.0.1", 0, combined_app(settings, engine=engine), threaded=True,
                         request_handler=QuietRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def browser() -> Iterator["Browser"]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()
