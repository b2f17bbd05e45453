"""Behaviour shared by both apps: security headers, language choice, error pages."""

from flask.testing import FlaskClient


def test_pages_load_nothing_from_another_host(public_client: FlaskClient,
                                              staff_client: FlaskClient) -> None:
    for client in (public_client, staff_client):
        response = client.get("/")
        csp = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp
        assert "frame-ancestors 'none'" in csp
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["Cache-Control"] == "no-store"
        body = response.get_data(as_text=True).replace("http://www.w3.org", "")
        assert "http://" not in body
        assert "https://" not in body


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
