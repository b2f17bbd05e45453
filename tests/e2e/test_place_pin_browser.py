"""The place as a pin on the web form at 390×844 in Chromium (issue 12): with the agency's tile
server (a stand-in on loopback) the map opens on a tap and a tap places the pin; the photo's own
GPS is offered ("ใช้ตำแหน่งจากรูปถ่าย?") and used only on "yes", and the staff case page shows
the place; without tiles "use my location" fills it. No Content-Security-Policy violation, and
the form still fits two phone screens with nothing expanded."""

import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from rongrian.admin.server import QuietRequestHandler, combined_app
from rongrian.intake.casework import open_case
from rongrian.intake.keyring import UnlockedAccount
from rongrian.settings import Settings
from tests.channels import samples
from tests.channels.web.helpers import as_staff, complaint_by_number
from tests.conftest import PASSWORDS, Demo
from tests.e2e.conftest import require_chromium, shot

require_chromium()
sync_api = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
_BOTTOM = "el => el.getBoundingClientRect().bottom + scrollY"
#: What Chromium writes to the console when the CSP blocks something.
_REFUSED = ("Content Security Policy", "Refused to")


def _tile_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (256, 256), (170, 211, 223)).save(out, format="PNG")
    return out.getvalue()


class TileServer:
    """A stand-in tile server on loopback: the same PNG for every ``/{z}/{x}/{y}.png``."""

    def __init__(self) -> None:
        tile, paths = _tile_png(), []
        self.paths: list[str] = paths

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                paths.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(tile)))
                self.end_headers()
                self.wfile.write(tile)

            def log_message(self, *_args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"


@pytest.fixture
def tile_server() -> Iterator[TileServer]:
    tiles = TileServer()
    thread = threading.Thread(target=tiles.server.serve_forever, daemon=True)
    thread.start()
    yield tiles
    tiles.server.shutdown()
    thread.join(timeout=10)


@contextmanager
def _serving(settings: Settings, engine: Engine) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, combined_app(settings, engine=engine), threaded=True,
                         request_handler=QuietRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


def _watch_console(page: "sync_api.Page") -> list[str]:
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text)
            if any(word in message.text for word in _REFUSED) else None)
    return refused


def _fits_two_screens(page: "sync_api.Page") -> None:
    assert page.locator("details[open]").count() == 0  # nothing expanded
    photo = float(page.locator("input[name=attachments]").evaluate(_BOTTOM))
    send = float(page.locator("form.report-form button[type=submit]").evaluate(_BOTTOM))
    assert photo <= PHONE["height"], f"photo input ends at {photo:.0f}px"
    assert send <= 2 * PHONE["height"], f"send button ends at {send:.0f}px"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def _file_street_light(page: "sync_api.Page") -> str:
    page.fill("textarea[name=what_happened]", "ไฟถนนดับหน้าบ้าน")
    page.locator("#category-street_light").check()
    page.locator("form.report-form button[type=submit]").click()
    page.wait_for_load_state()
    return page.inner_text("#case-number").strip()


def _where_as_staff_reads_it(demo: Demo, case_number: str) -> str:
    stored = complaint_by_number(demo, case_number)
    seen: list[str] = []

    def read(session: Session, unlocked: UnlockedAccount) -> None:
        seen.append(open_case(session, unlocked, stored.id).where_happened)

    as_staff(demo, "works", read)
    return seen[0]


def test_the_agency_map_opens_and_a_tap_places_the_pin(
        settings: Settings, engine: Engine, demo: Demo, browser: "sync_api.Browser",
        tile_server: TileServer) -> None:
    mapped = replace(settings, map_tiles=f"{tile_server.url}/{{z}}/{{x}}/{{y}}.png",
                     map_attribution="© OpenStreetMap contributors",
                     map_center=(13.7563, 100.5018, 16))
    with _serving(mapped, engine) as url:
        page = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True).new_page()
        refused = _watch_console(page)
        page.goto(f"{url}/report")
        _fits_two_screens(page)
        assert tile_server.paths == []  # nothing fetched until the citizen opens the map
        assert page.locator("#map-box").is_hidden()
        shot(page, "place-01-form-with-map-button")

        page.locator("#open-map").tap()
        page.locator("#map .leaflet-tile-loaded").first.wait_for()
        assert tile_server.paths, "no tile was asked of the agency's tile server"
        assert all(path.startswith("/16/") for path in tile_server.paths)
        attribution = page.inner_text("#map .leaflet-control-attribution")
        assert attribution == "© OpenStreetMap contributors"
        assert page.locator("#pin-status").is_hidden()
        page.locator("#map").tap()  # the middle of the map: the centre set for the agency
        assert page.locator("#pin-status").is_visible()
        assert page.locator("#map .leaflet-marker-icon").is_visible()
        latitude = float(page.input_value("#latitude"))
        longitude = float(page.input_value("#longitude"))
        assert abs(latitude - 13.7563) < 0.001
        assert abs(longitude - 100.5018) < 0.001
        assert page.inner_text("#pin-text") == f"{latitude:.6f}, {longitude:.6f}"
        page.locator("#map-box").scroll_into_view_if_needed()
        shot(page, "place-02-pin-on-map")

        case_number = _file_street_light(page)
        assert refused == [], refused
    assert _where_as_staff_reads_it(demo, case_number) == \
        f"พิกัด {latitude:.6f}, {longitude:.6f}"


def test_the_photos_own_place_is_offered_and_used_only_on_yes(
        live_server: str, browser: "sync_api.Browser", demo: Demo, tmp_path: Path) -> None:
    photo = tmp_path / "ไฟดับ.jpg"
    photo.write_bytes(samples.jpeg_with_gps())
    page = browser.new_context(viewport=PHONE).new_page()
    refused = _watch_console(page)
    page.goto(f"{live_server}/report")
    page.set_input_files("input[name=attachments]", str(photo))
    offer = page.locator("#photo-place")
    offer.wait_for(state="visible")
    assert "ใช้ตำแหน่งจากรูปถ่าย? (13.756300, 100.501800)" in offer.inner_text()
    assert page.input_value("#latitude") == ""  # offered, not used
    shot(page, "place-03-photo-offer")
    offer.get_by_role("button", name="ใช่ ใช้ตำแหน่งนี้").click()
    assert offer.is_hidden()
    assert page.inner_text("#pin-text") == "13.756300, 100.501800"
    page.fill("[name=where_happened]", "หน้าบ้านเลขที่ 12 หมู่ 3")
    case_number = _file_street_light(page)
    assert refused == [], refused

    desk = browser.new_context(viewport=PHONE).new_page()
    desk.goto(f"{live_server}/staff/login")
    desk.fill("[name=username]", "works")
    desk.fill("[name=password]", PASSWORDS["works"])
    desk.locator("form[method=post] button[type=submit]").click()
    desk.goto(f"{live_server}/staff/cases")
    desk.get_by_text(case_number).first.click()
    desk.wait_for_load_state()
    assert desk.inner_text("#where-happened") == \
        "หน้าบ้านเลขที่ 12 หมู่ 3 (พิกัด 13.756300, 100.501800)"
    shot(desk, "place-04-staff-case")


def test_the_photo_place_declined_is_not_used(
        live_server: str, browser: "sync_api.Browser", demo: Demo, tmp_path: Path) -> None:
    photo = tmp_path / "ไฟดับ.jpg"
    photo.write_bytes(samples.jpeg_with_gps())
    page = browser.new_context(viewport=PHONE).new_page()
    page.goto(f"{live_server}/report")
    page.set_input_files("input[name=attachments]", str(photo))
    page.locator("#photo-place").get_by_role("button", name="ไม่ใช่").click()
    assert page.locator("#pin-status").is_hidden()
    page.fill("[name=where_happened]", "หน้าตลาด")
    assert _where_as_staff_reads_it(demo, _file_street_light(page)) == "หน้าตลาด"


def test_without_tiles_use_my_location_fills_the_place(
        live_server: str, browser: "sync_api.Browser", demo: Demo) -> None:
    context = browser.new_context(viewport=PHONE, permissions=["geolocation"],
                                  geolocation={"latitude": 14.020812, "longitude": 100.525034})
    page = context.new_page()
    refused = _watch_console(page)
    page.goto(f"{live_server}/report")
    assert page.locator("#open-map").count() == 0  # no tile server set: no map
    locate = page.locator("#use-location")
    assert locate.is_visible()
    assert locate.inner_text() == "ใช้ตำแหน่งปัจจุบัน"
    _fits_two_screens(page)
    locate.click()
    page.locator("#pin-status").wait_for(state="visible")
    assert page.inner_text("#pin-text") == "14.020812, 100.525034"
    shot(page, "place-05-my-location")
    page.locator("#pin-clear").click()  # changed their mind
    assert page.locator("#pin-status").is_hidden()
    assert page.input_value("#latitude") == ""
    locate.click()
    page.locator("#pin-status").wait_for(state="visible")
    case_number = _file_street_light(page)
    assert refused == [], refused
    assert _where_as_staff_reads_it(demo, case_number) == "พิกัด 14.020812, 100.525034"
