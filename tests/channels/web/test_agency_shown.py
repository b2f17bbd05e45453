"""The agency shows itself to citizens (issue 7 §1): its name, emblem, hotline, office hours and
LINE Official Account on the public pages, and how complainants are protected."""

import io

from flask.testing import FlaskClient
from PIL import Image

from rongrian.admin.emblem import clean_emblem
from rongrian.admin.org_changes import set_agency
from rongrian.intake.audit import COMMAND_LINE, Actor
from rongrian.web.app import CSP
from tests.conftest import Demo


def _png(colour: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 64), colour).save(out, format="PNG")
    return out.getvalue()


def test_home_shows_the_agency_and_the_protection_statement(public_client: FlaskClient) -> None:
    body = public_client.get("/").get_data(as_text=True)
    assert "เทศบาลตำบลร่มเย็น" in body
    assert "0 5300 0000" in body
    assert 'href="tel:053000000"' in body
    assert "จันทร์–ศุกร์ 08.30–16.30 น." in body
    assert 'href="https://line.me/R/ti/p/@romyen"' in body
    assert "ท่านได้รับความคุ้มครองอย่างไร" in body
    assert "พระราชบัญญัติประกอบรัฐธรรมนูญว่าด้วยการป้องกันและปราบปรามการทุจริต พ.ศ. 2561" in body
    assert "เจ้าหน้าที่จะไม่ขอรหัสติดตามเรื่องของท่าน" in body
    english = public_client.get("/?lang=en").get_data(as_text=True)
    assert "Romyen Subdistrict Municipality" in english
    assert "Organic Act on Anti-Corruption B.E. 2561" in english
    assert "never ask you for your tracking code" in english


def test_every_public_page_names_the_agency_in_its_header(public_client: FlaskClient) -> None:
    for path in ("/report", "/track"):
        body = public_client.get(path).get_data(as_text=True)
        header = body.split("</header>")[0]
        assert "เทศบาลตำบลร่มเย็น" in header, path


def test_a_change_shows_on_the_next_page_without_a_restart(public_client: FlaskClient,
                                                          demo: Demo) -> None:
    assert "0 5300 0000" in public_client.get("/").get_data(as_text=True)
    with demo.sessions() as session:
        set_agency(session, Actor(None, COMMAND_LINE), {"hotline": "1111 ต่อ 5"})
        session.commit()
    body = public_client.get("/").get_data(as_text=True)
    assert "1111 ต่อ 5" in body
    assert "0 5300 0000" not in body


def test_the_emblem_is_served_from_our_own_host(public_client: FlaskClient, demo: Demo) -> None:
    assert public_client.get("/agency/emblem.png").status_code == 404  # the demo has none
    assert "agency/emblem.png" not in public_client.get("/").get_data(as_text=True)
    stored = clean_emblem(_png())
    with demo.sessions() as session:
        set_agency(session, Actor(None, COMMAND_LINE), {}, emblem=stored)
        session.commit()
    body = public_client.get("/").get_data(as_text=True)
    start = body.index('src="/agency/emblem.png?v=') + len('src="')
    address = body[start:body.index('"', start)].replace("&amp;", "&")
    response = public_client.get(address)
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert response.data == stored
    assert "immutable" in response.headers["Cache-Control"]
    assert "img-src 'self'" in CSP  # same host: allowed by the strict policy
    assert public_client.get(address, headers={
        "If-None-Match": f'"{response.headers["ETag"].strip(chr(34))}"'}).status_code == 304


def test_a_page_before_set_up_still_renders(public_client: FlaskClient, demo: Demo) -> None:
    from sqlalchemy import delete

    from rongrian.intake.models import Agency

    with demo.sessions() as session:
        session.execute(delete(Agency))
        session.commit()
    response = public_client.get("/")
    assert response.status_code == 200
    assert "ระบบรับเรื่องร้องเรียน" in response.get_data(as_text=True)
