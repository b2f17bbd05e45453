"""Cookies and HTTPS (issue 13 L5): behind an HTTPS public URL both apps mark their cookies
``Secure`` and send HSTS; behind plain HTTP (the demo on 127.0.0.1) they do neither, so the demo
still works; ``RONGRIAN_SECURE_COOKIES`` overrides the choice."""

from collections.abc import Callable
from dataclasses import replace

import pytest
from flask import Flask
from sqlalchemy import Engine

from rongrian.admin.web.app import create_staff_app
from rongrian.channels.web.app import create_public_app
from rongrian.intake.errors import SetupError
from rongrian.settings import Settings, from_environment
from rongrian.web.app import HSTS

AppFactory = Callable[..., Flask]
#: Each app and a page of it that sets the session cookie (its CSRF token).
APPS = [pytest.param(create_public_app, "/report", id="public"),
        pytest.param(create_staff_app, "/login", id="staff")]


def _cookie_and_hsts(factory: AppFactory, path: str, settings: Settings,
                     engine: Engine) -> tuple[str, str | None]:
    client = factory(settings, engine=engine).test_client()
    response = client.get(path)
    assert response.status_code == 200
    cookies = response.headers.getlist("Set-Cookie")
    assert cookies, "the page sets no cookie"
    return cookies[0], response.headers.get("Strict-Transport-Security")


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize(("factory", "path"), APPS)
def test_https_public_url_means_secure_cookies_and_hsts(settings: Settings, engine: Engine,
                                                        factory: AppFactory, path: str) -> None:
    https = replace(settings, public_base_url="https://rongrian.tuayang.go.th")
    cookie, hsts = _cookie_and_hsts(factory, path, https, engine)
    assert "; Secure" in cookie
    assert "HttpOnly" in cookie
    assert hsts == HSTS
    assert "max-age=31536000" in (hsts or "")


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize(("factory", "path"), APPS)
def test_plain_http_demo_has_neither(settings: Settings, engine: Engine, factory: AppFactory,
                                     path: str) -> None:
    cookie, hsts = _cookie_and_hsts(factory, path, settings, engine)
    assert "Secure" not in cookie
    assert hsts is None


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize(("url", "override", "secure"), [
    ("https://rongrian.tuayang.go.th", False, False),
    ("http://127.0.0.1:8000", True, True),
])
def test_the_setting_overrides_the_public_url(settings: Settings, engine: Engine, url: str,
                                              override: bool, secure: bool) -> None:
    chosen = replace(settings, public_base_url=url, secure_cookies=override)
    cookie, _hsts = _cookie_and_hsts(create_staff_app, "/login", chosen, engine)
    assert ("; Secure" in cookie) is secure


@pytest.mark.parametrize(("url", "flag", "expected"), [
    ("https://rongrian.tuayang.go.th", None, True),
    ("http://127.0.0.1:8000", None, False),
    ("https://rongrian.tuayang.go.th", "0", False),
    ("http://127.0.0.1:8000", "1", True),
])
def test_environment(settings: Settings, monkeypatch: pytest.MonkeyPatch, url: str,
                     flag: str | None, expected: bool) -> None:
    monkeypatch.setenv("RONGRIAN_INSTANCE", str(settings.instance_path))
    monkeypatch.setenv("RONGRIAN_PUBLIC_URL", url)
    if flag is None:
        monkeypatch.delenv("RONGRIAN_SECURE_COOKIES", raising=False)
    else:
        monkeypatch.setenv("RONGRIAN_SECURE_COOKIES", flag)
    assert from_environment().cookies_secure is expected


def test_a_garbled_flag_is_refused(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RONGRIAN_INSTANCE", str(settings.instance_path))
    monkeypatch.setenv("RONGRIAN_SECURE_COOKIES", "yes")
    with pytest.raises(SetupError, match="RONGRIAN_SECURE_COOKIES"):
        from_environment()


