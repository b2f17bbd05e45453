"""No trail (DESIGN.md promise 5; issue 3 "No trail"), played with a real browser and server.

A citizen with a recognisable user agent, a referrer and a forwarded-for address files a complaint
with JavaScript off (Tor Browser's safest mode), follows it and adds information. Then:
- every request the browser made went to our own host (no CDN, no font or script elsewhere);
- every log record the server wrote (all loggers, DEBUG) holds none of the address, the user
  agent, the referrer, the tracking code or the text;
- the raw database, the SQLite files and the instance folder hold none of them either;
- the only cookie is the session cookie (HttpOnly, SameSite), and it holds no code or text.
The search for each secret is the one of ``tests/test_no_plaintext_at_rest.py``, which proves it
finds what it looks for.
"""

import base64
import json
import logging
import uuid
import zlib

import pytest
from sqlalchemy import Engine

from rongrian.settings import Settings
from tests.e2e.conftest import require_chromium
from tests.test_no_plaintext_at_rest import database_columns, instance_files, leaks, sqlite_files

require_chromium()
sync_api = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.e2e


def _session_cookie_text(value: str) -> str:
    """What Flask's signed session cookie carries, decoded (it is signed, not encrypted)."""
    payload = value.lstrip(".").split(".")[0]
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    if value.startswith("."):
        raw = zlib.decompress(raw)
    return json.dumps(json.loads(raw), ensure_ascii=False)


def test_a_citizen_leaves_no_trail(live_server: str, browser: "sync_api.Browser",
                                   engine: Engine, settings: Settings,
                                   caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    marker = uuid.uuid4().hex[:12]
    agent = f"Mozilla/5.0 (X11; Linux x86_64) TrailTest/{marker}"
    forwarded = "203.0.113.77"
    referrer = f"https://news-{marker}.example/story"
    sentence = f"นายช่างเรียกรับเงินค่าต่อใบอนุญาตก่อสร้าง รหัสทดสอบ {marker}"
    information = f"เพิ่มเติม: มีผู้เห็นเหตุการณ์อีกสองคน {marker[::-1]}"

    citizen = browser.new_context(java_script_enabled=False, user_agent=agent,
                                  extra_http_headers={"X-Forwarded-For": forwarded})
    requested: list[str] = []
    citizen.on("request", lambda request: requested.append(request.url))
    page = citizen.new_page()
    page.goto(f"{live_server}/report", referer=referrer)
    page.check("input[name=category][value=corruption]")  # "แจ้งเบาะแสการทุจริต"
    page.fill("textarea[name=what_happened]", sentence)
    page.locator("form[method=post] [type=submit]").first.click()
    page.wait_for_load_state()
    code = page.inner_text("#tracking-code").strip()

    page.goto(f"{live_server}/track")
    page.fill("[name=code]", code)
    page.locator("form[method=post] [type=submit]").first.click()
    page.wait_for_load_state()
    page.fill("textarea[name=information]", information)
    page.locator("form:has(textarea[name=information]) [type=submit]").first.click()
    page.wait_for_load_state()
    assert information in page.content()
    cookies = citizen.cookies()
    citizen.close()

    assert requested, "the browser made requests"
    assert all(url.startswith(f"{live_server}/") for url in requested), requested

    assert [cookie["name"] for cookie in cookies] == ["rongrian_public"]
    assert cookies[0]["httpOnly"]
    assert cookies[0]["sameSite"] in {"Lax", "Strict"}
    in_cookie = _session_cookie_text(cookies[0]["value"])
    assert code not in in_cookie
    assert code.replace("-", "") not in in_cookie
    assert marker not in in_cookie

    trail = {
        "client address": "127.0.0.1",
        "forwarded address": forwarded,
        "user agent": agent,
        "user agent marker": f"TrailTest/{marker}",
        "referrer": referrer,
        "tracking code": code,
        "tracking code (compact)": code.replace("-", ""),
        "complaint text": sentence,
        "added information": information,
    }
    logged = "\n".join(record.getMessage() + repr(record.args) for record in caplog.records)
    assert not [name for name, value in trail.items() if value in logged], logged

    at_rest = {**database_columns(engine), **sqlite_files(engine),
               **instance_files(settings.instance_path)}
    assert leaks(trail, at_rest) == []
