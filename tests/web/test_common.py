"""Behaviour shared by both apps: security headers, language choice, error pages."""

import logging
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

#: What makes a browser fetch from another host by itself: a source, a form target, a
#: stylesheet link or a CSS url() naming an absolute or scheme-relative address.
FOREIGN_LOADS = (
    r"""\b(?:src|srcset|action|poster|data)\s*=\s*["']?(?:https?:)?//""",
    r"""<link\b[^>]*\bhref\s*=\s*["']?(?:https?:)?//""",
    r"""url\(\s*["']?(?:https?:)?//""",
)


def test_pages_load_nothing_from_another_host(public_client: FlaskClient,
                                              staff_client: FlaskClient) -> None:
    for client in (public_client, staff_client):
        response = client.get("/")
        csp = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp
        assert "frame-ancestors 'none'" in csp
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["Cache-Control"] == "no-store"
        body = response.get_data(as_text=True)
        # Nothing the browser fetches by itself names another host (links the reader may
        # follow, such as the agency's web site or LINE account, are not loads).
        assert [found for pattern in FOREIGN_LOADS for found in re.findall(pattern, body)] == []


def test_unknown_page_is_a_bilingual_404(public_client: FlaskClient) -> None:
    response = public_client.get("/no-such-page")
    body = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "ไม่พบหน้าที่ต้องการ" in body
    assert "does not exist" in body


def test_bundled_font_is_served_from_our_host(public_client: FlaskClient) -> None:
    response = public_client.get("/assets/fonts/Sarabun-Regular.ttf")
    assert response.status_code == 200
    assert len(response.data) > 10_000


def test_english_switch_sticks_for_the_session(public_client: FlaskClient) -> None:
    assert 'lang="th"' in public_client.get("/").get_data(as_text=True)
    assert 'lang="en"' in public_client.get("/?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in public_client.get("/").get_data(as_text=True)


def test_a_crash_is_a_bilingual_500_logged_without_its_message(
    public_app: Flask, caplog: pytest.LogCaptureFixture,
) -> None:
    """The operator learns what broke and where, never the text an exception may quote."""
    secret = "ข้อความลับของผู้ร้อง 0812345678"

    def crash() -> str:
        raise RuntimeError(f"failed while storing {secret}")

    public_app.add_url_rule("/crash-for-test", "crash_for_test", crash)
    caplog.set_level(logging.DEBUG)
    response = public_app.test_client().get("/crash-for-test")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "ระบบขัดข้อง" in body
    assert "Nothing already accepted was lost" in body
    assert secret not in body
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "unhandled RuntimeError in endpoint crash_for_test" in logged
    assert "test_common.py" in logged
    assert secret not in logged
    assert "0812345678" not in logged


@pytest.mark.parametrize("markup", [
    '<img src="https://tracker.example/p.gif">', "<script src='//cdn.example/x.js'></script>",
    '<link rel="stylesheet" href="https://fonts.example/css">',
    '<div style="background:url(https://x.example/a.png)"></div>',
    '<form action="https://elsewhere.example/post">',
])
def test_the_foreign_load_check_would_notice(markup: str) -> None:
    """The patterns find each kind of load from another host (the check can fail)."""
    assert any(re.search(pattern, markup) for pattern in FOREIGN_LOADS)
