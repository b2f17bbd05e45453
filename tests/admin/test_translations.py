"""The staff app's Thai catalog: complete, current, and with the same placeholders."""

import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po
from flask.testing import FlaskClient

import rongrian.admin.web
from tests.admin.helpers import Filer, login, post_form

HERE = Path(rongrian.admin.web.__file__).resolve().parent
CATALOG = HERE / "translations" / "th" / "LC_MESSAGES" / "messages.po"
METHODS = [("**.py", "python"), ("**/templates/**.html", "jinja2")]


def _catalog() -> dict[str, str]:
    with CATALOG.open("rb") as handle:
        return {str(m.id): str(m.string) for m in read_po(handle) if m.id}


def test_every_message_has_a_thai_translation_with_the_same_placeholders() -> None:
    catalog = _catalog()
    assert len(catalog) > 50
    for msgid, msgstr in catalog.items():
        assert msgstr, msgid
        assert re.search("[\u0e00-\u0e7f]", msgstr), msgid
        assert set(re.findall(r"%\(\w+\)s", msgid)) == set(re.findall(r"%\(\w+\)s", msgstr))


def test_every_message_in_the_code_is_in_the_catalog() -> None:
    keywords = {**DEFAULT_KEYWORDS, "_l": None}
    found = {message[2] for message in extract_from_dir(str(HERE), METHODS, keywords=keywords)}
    assert found
    assert found - set(_catalog()) == set()


def test_pages_are_thai_unless_english_is_chosen(staff_client: FlaskClient) -> None:
    thai = staff_client.get("/login").get_data(as_text=True)
    assert "เข้าสู่ระบบเจ้าหน้าที่" in thai
    assert "Staff log-in" not in thai
    english = staff_client.get("/login?lang=en").get_data(as_text=True)
    assert "Staff log-in" in english


@pytest.mark.parametrize(("path", "switch"), [
    ("/summary?period=2568-Q1", "/summary?period=2568-Q1&amp;lang=en"),
    ("/summary", "/summary?lang=en"),
    ("/no-such-page", "/?lang=en"),
])
def test_language_switch_keeps_the_page(staff_client: FlaskClient, path: str,
                                        switch: str) -> None:
    login(staff_client, "executive")
    body = staff_client.get(path).get_data(as_text=True)
    assert f'<a href="{switch}" lang="en">English</a>' in body


def test_language_switch_after_a_refused_form_leads_to_the_case(staff_client: FlaskClient,
                                                                 file: Filer) -> None:
    receipt = file()
    login(staff_client, "works")
    case_page = f"/cases/{receipt.complaint_id}"
    response = post_form(staff_client, case_page, f"{case_page}/reply", {"text": ""})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert f'<a href="{case_page}?lang=en" lang="en">English</a>' in body
    assert staff_client.get(f"{case_page}?lang=en").status_code == 200
