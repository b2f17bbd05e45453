"""Chosen passwords (issue 13 L6, OWASP ASVS 6.2.4): common and easily guessed ones, the user name
and the person's name are refused with a clear message in Thai and English; good ones pass."""

import pytest
from flask.testing import FlaskClient

from rongrian.admin.passwords import password_problem
from tests.admin.helpers import login, post_form
from tests.conftest import PASSWORDS

COMMON_TH = "รหัสผ่านนี้ใช้กันทั่วไปหรือเดาง่ายเกินไป"
COMMON_EN = "This password is too common or too easy to guess"


@pytest.mark.parametrize("password", [
    "1234567890", "password12", "qwertyuiop", "iloveyou12", "password123", "abc1234567",
    "1111111111", "0987654321", "P@ssw0rd123", "sunshine12", "qwerty123456", "asdfghjkl;",
])
def test_common_passwords_are_refused_on_the_page(staff_client: FlaskClient,
                                                  password: str) -> None:
    login(staff_client, "works")
    data = {"current_password": PASSWORDS["works"], "new_password": password,
            "confirm": password}
    response = post_form(staff_client, "/account/password", "/account/password", data)
    assert response.status_code == 400
    assert COMMON_TH in response.get_data(as_text=True)
    english = post_form(staff_client, "/account/password?lang=en", "/account/password", data)
    assert COMMON_EN in english.get_data(as_text=True)
    assert login(staff_client.application.test_client(), "works").status_code == 302  # unchanged


@pytest.mark.parametrize(("password", "problem"), [
    ("somchai.jaidee", "is_username"),
    ("SOMCHAI.JAIDEE", "is_username"),
    ("Somchai Jaidee", "is_name"),
    ("somchaijaidee", "is_name"),
    ("somchai2568", "common"),        # the name and a year
    ("jaidee12345", "common"),
])
def test_the_user_name_and_the_name_are_refused(password: str, problem: str) -> None:
    assert password_problem(password, username="somchai.jaidee",
                            display_name="Somchai Jaidee") == problem


@pytest.mark.parametrize("password", [
    "ท่อระบายน้ำ-2568", "k7qm-2xha-pn4t-wz9e", "the drains flood every june",
    "works-new-pass-9", "กองช่างซ่อมถนน",
])
def test_good_passwords_pass(password: str) -> None:
    assert password_problem(password, username="somchai.jaidee",
                            display_name="Somchai Jaidee") is None


def test_a_very_long_password_is_judged_without_error() -> None:
    sentence = "The drains in front of the school have been blocked for three days now, "
    assert password_problem(sentence + "x" * 900, username="works") is None
    assert password_problem("ท่อ-" * 200, username="works") == "common"  # a repeat
    assert password_problem("x" * 1025, username="works") == "too_long"
