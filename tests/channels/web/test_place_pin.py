"""The place as a point on the web form (issue 12, "Place as a pin"): the hidden latitude and
longitude the map pin, "use my location" or the photo's GPS set are checked on the server and
filed inside the encrypted "where"; the public app's CSP lets in the agency's tile server only
when one is set (the staff app never); Leaflet and exifr are served from our own host."""

from dataclasses import replace
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from rongrian.admin.web.app import create_staff_app
from rongrian.channels.web.app import create_public_app
from rongrian.channels.web.forms import point_of
from rongrian.intake.casework import open_case
from rongrian.intake.errors import SetupError
from rongrian.intake.keyring import UnlockedAccount
from rongrian.intake.models import Complaint
from rongrian.intake.store import LIMITS
from rongrian.settings import Settings, from_environment, tiles_origin
from rongrian.web.app import CSP
from tests.channels.web.helpers import (
    CASE_NUMBER,
    VALID,
    as_staff,
    complaint_by_number,
    count_complaints,
    post_report,
)
from tests.conftest import Demo

TILES = "https://tiles.example.go.th/osm/{z}/{x}/{y}.png"
STATIC = Path(__file__).resolve().parents[3] / "rongrian/channels/web/static"


def _where_filed(demo: Demo, body: str) -> str:
    number = CASE_NUMBER.search(body)
    assert number, "no receipt"
    stored: Complaint = complaint_by_number(demo, number.group(1))
    seen: list[str] = []

    def read(session: Session, unlocked: UnlockedAccount) -> None:
        seen.append(open_case(session, unlocked, stored.id).where_happened)

    as_staff(demo, "works", read)
    return seen[0]


@pytest.mark.parametrize(("latitude", "longitude", "where", "filed"), [
    ("13.7563", "100.5018", "ซอย 3 หมู่ 5", "ซอย 3 หมู่ 5 (พิกัด 13.756300, 100.501800)"),
    ("-33.856784", "151.215297", "", "พิกัด -33.856784, 151.215297"),
    ("90", "-180", "ขั้วโลก", "ขั้วโลก (พิกัด 90.000000, -180.000000)"),
    ("", "", "ซอย 3 หมู่ 5", "ซอย 3 หมู่ 5"),
])
def test_a_point_is_filed_inside_the_encrypted_where(
        public_client: FlaskClient, demo: Demo, latitude: str, longitude: str, where: str,
        filed: str) -> None:
    response = post_report(public_client,
                           {"latitude": latitude, "longitude": longitude,
                            "where_happened": where})
    assert response.status_code == 200
    assert _where_filed(demo, response.get_data(as_text=True)) == filed


@pytest.mark.parametrize(("latitude", "longitude"), [
    ("13.7563", ""),                 # half a point
    ("", "100.5018"),
    ("91", "100.5"),                 # out of range
    ("-90.000001", "100.5"),
    ("13.5", "180.0000001"),         # 7 decimals
    ("13.75634567", "100.5"),
    ("13,75", "100.5"),              # a comma
    ("1e1", "100.5"),                # exponent
    ("nan", "100.5"),
    ("inf", "100.5"),
    ("13.5.1", "100.5"),
    ("๑๓.๕", "100.5"),               # Thai digits are a display option only
    ("13.5<script>", "100.5"),
    ("0x1F", "100.5"),
])
def test_a_bad_point_is_refused_in_thai_and_the_rest_kept(
        public_client: FlaskClient, demo: Demo, latitude: str, longitude: str) -> None:
    before = count_complaints(demo)
    response = post_report(public_client,
                           {"latitude": latitude, "longitude": longitude})
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert count_complaints(demo) == before
    assert "ใช้ตำแหน่งบนแผนที่ไม่ได้" in body
    assert 'id="latitude-error"' in body
    assert VALID["what_happened"] in body
    assert VALID["where_happened"] in body
    assert 'name="latitude" type="hidden" value=""' in body  # dropped, to pin again


def test_the_bad_point_message_is_english_on_the_english_form(
        public_client: FlaskClient) -> None:
    public_client.get("/report?lang=en")
    body = post_report(public_client, {"latitude": "91", "longitude": "0"}
                       ).get_data(as_text=True)
    assert "The place on the map could not be used" in body


def test_where_leaves_room_for_the_point(public_client: FlaskClient, demo: Demo) -> None:
    before = count_complaints(demo)
    long_where = "ก" * LIMITS["where_happened"]
    alone = post_report(public_client, {"where_happened": long_where})
    assert alone.status_code == 200  # at the limit without a point: filed
    response = post_report(public_client,
                           {"where_happened": long_where, "latitude": "13.7563",
                            "longitude": "100.5018"})
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert count_complaints(demo) == before + 1
    assert "เมื่อรวมพิกัดแล้วพิมพ์ได้ไม่เกิน 470 ตัวอักษร" in body


def test_the_pinned_point_is_shown_again_when_the_form_comes_back(
        public_client: FlaskClient) -> None:
    body = post_report(public_client,
                       {"what_happened": "", "latitude": "13.7563", "longitude": "100.5018"}
                       ).get_data(as_text=True)
    assert 'name="latitude" type="hidden" value="13.7563"' in body
    assert "ตำแหน่งที่ปักหมุด" in body
    assert '<span id="pin-text">13.756300, 100.501800</span>' in body
    assert '<p class="pin-status" id="pin-status">' in body  # shown, not hidden


def test_point_of_reads_decimal_degrees() -> None:
    assert point_of("", "") is None
    assert point_of(None, None) is None
    assert point_of(" 13.7563 ", "100.5018") == (13.7563, 100.5018)
    with pytest.raises(ValueError, match="at most 6 decimals"):
        point_of("13.1234567", "100")


# --- the tile server setting and the CSP ---------------------------------------------------

def test_without_tiles_no_map_and_the_strict_policy(public_client: FlaskClient) -> None:
    response = public_client.get("/report")
    body = response.get_data(as_text=True)
    assert response.headers["Content-Security-Policy"] == CSP
    assert "img-src 'self' data:;" in CSP
    assert 'id="open-map"' not in body
    assert 'id="map"' not in body
    assert 'id="use-location"' in body
    assert 'name="where_happened"' in body
    assert "geolocation=(self)" in response.headers["Permissions-Policy"]


def _apps(settings: Settings, engine: Engine, tiles: str) -> tuple[Flask, Flask]:
    changed = replace(settings, map_tiles=tiles, map_attribution="© OpenStreetMap <b>x</b>",
                      map_center=(14.5, 100.25, 15))
    return (create_public_app(changed, engine=engine),
            create_staff_app(changed, engine=engine))


def test_with_tiles_the_public_csp_lets_in_that_origin_only(
        settings: Settings, engine: Engine, demo: Demo) -> None:
    public, staff = _apps(settings, engine, TILES)
    response = public.test_client().get("/report")
    policy = response.headers["Content-Security-Policy"]
    assert "img-src 'self' data: https://tiles.example.go.th;" in policy
    assert policy.count("tiles.example.go.th") == 1  # not in script-src, connect-src…
    assert "script-src 'self';" in policy
    assert "style-src 'self';" in policy
    body = response.get_data(as_text=True)
    assert 'data-tiles="https://tiles.example.go.th/osm/{z}/{x}/{y}.png"' in body
    assert 'data-center="14.5,100.25,15"' in body
    assert "&lt;b&gt;x&lt;/b&gt;" in body  # the attribution is text, escaped
    assert "ปักหมุดบนแผนที่" in body
    staff_page = staff.test_client().get("/login")
    assert staff_page.headers["Content-Security-Policy"] == CSP
    assert staff_page.headers["Permissions-Policy"].endswith("geolocation=()")


@pytest.mark.parametrize("template", [
    "https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png",   # sub-domains: not one origin
    "https://tiles.example.go.th/{z}/{x}.png",              # no {y}
    "ftp://tiles.example.go.th/{z}/{x}/{y}.png",
    "https://user@tiles.example.go.th/{z}/{x}/{y}.png",
    "https://tiles.example.go.th/{z}/{x}/{y}.png#top",
    "https://tiles.example.go.th; script-src */{z}/{x}/{y}",  # CSP injection
    "tiles.example.go.th/{z}/{x}/{y}.png",
])
def test_a_bad_tile_setting_stops_the_start(monkeypatch: pytest.MonkeyPatch,
                                            settings: Settings, template: str) -> None:
    monkeypatch.setenv("RONGRIAN_INSTANCE", str(settings.instance_path))
    monkeypatch.setenv("RONGRIAN_MAP_TILES", template)
    with pytest.raises(SetupError, match="RONGRIAN_MAP_TILES"):
        from_environment()


@pytest.mark.parametrize("center", ["13.7,100.5", "91,100,12", "13,100,25", "a,b,c", "nan,1,2"])
def test_a_bad_map_centre_stops_the_start(monkeypatch: pytest.MonkeyPatch, settings: Settings,
                                          center: str) -> None:
    monkeypatch.setenv("RONGRIAN_INSTANCE", str(settings.instance_path))
    monkeypatch.setenv("RONGRIAN_MAP_CENTER", center)
    with pytest.raises(SetupError, match="RONGRIAN_MAP_CENTER"):
        from_environment()


def test_the_tile_setting_from_the_environment(monkeypatch: pytest.MonkeyPatch,
                                               settings: Settings) -> None:
    monkeypatch.setenv("RONGRIAN_INSTANCE", str(settings.instance_path))
    monkeypatch.setenv("RONGRIAN_MAP_TILES", "http://127.0.0.1:8123/t/{z}/{x}/{y}.png?key=a1")
    monkeypatch.setenv("RONGRIAN_MAP_ATTRIBUTION", " © OpenStreetMap ")
    monkeypatch.setenv("RONGRIAN_MAP_CENTER", "14.35, 100.57, 14")
    loaded = from_environment()
    assert loaded.map_tiles_origin == "http://127.0.0.1:8123"
    assert loaded.map_attribution == "© OpenStreetMap"
    assert loaded.map_center == (14.35, 100.57, 14)
    assert tiles_origin("HTTPS://Tiles.Example.go.th:8443/{z}/{x}/{y}.png") == \
        "https://tiles.example.go.th:8443"
    monkeypatch.delenv("RONGRIAN_MAP_TILES")
    assert from_environment().map_tiles == ""


# --- the vendored libraries ---------------------------------------------------------------

@pytest.mark.parametrize(("path", "media_type", "marker"), [
    ("vendor/leaflet/leaflet.js", "text/javascript", b'version="1.9.4"'),
    ("vendor/leaflet/leaflet.css", "text/css", b".leaflet-default-icon-path"),
    ("vendor/leaflet/images/marker-icon.png", "image/png", b"\x89PNG"),
    ("vendor/leaflet/images/marker-icon-2x.png", "image/png", b"\x89PNG"),
    ("vendor/leaflet/images/marker-shadow.png", "image/png", b"\x89PNG"),
    ("vendor/exifr/exifr.lite.umd.js", "text/javascript", b"exifr"),
    ("place.js", "text/javascript", b"exifr.gps"),
])
def test_the_map_and_photo_reader_are_served_from_our_host(
        public_client: FlaskClient, path: str, media_type: str, marker: bytes) -> None:
    response = public_client.get(f"/static/{path}")
    assert response.status_code == 200
    assert response.mimetype == media_type
    assert marker in response.get_data()


def test_the_vendored_licences_ship_with_the_package() -> None:
    assert "BSD 2-Clause" in (STATIC / "vendor/leaflet/LICENSE").read_text(encoding="utf-8")
    assert "MIT License" in (STATIC / "vendor/exifr/LICENSE").read_text(encoding="utf-8")
    pyproject = (STATIC.parents[3] / "pyproject.toml").read_text(encoding="utf-8")
    assert '"*.png"' in pyproject
    assert '"LICENSE"' in pyproject
    assert '"*.js"' in pyproject
