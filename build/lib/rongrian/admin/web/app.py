"""Factory of the staff app. Separate from the public app, with its own cookie and secret."""

from pathlib import Path

from flask import Flask
from sqlalchemy import Engine

from rongrian.admin.web.views import register
from rongrian.settings import Settings
from rongrian.web.app import HERE as COMMON
from rongrian.web.app import RongrianFlask, configure
from rongrian.web.outage import DatabaseAvailability

HERE = Path(__file__).resolve().parent
STAFF_COOKIE = "rongrian_staff"


def create_staff_app(
    settings: Settings, *, engine: Engine | None = None, cookie_path: str = "/",
    availability: DatabaseAvailability | None = None,
) -> Flask:
    """The staff app: log-in, case list and case page, executive summary.

    Mounted at ``/staff`` by the combined server (pass ``cookie_path="/staff"`` so the staff
    cookie never reaches the public app), at ``/`` when deployed alone. ``engine`` and
    ``availability`` (:mod:`rongrian.web.outage`) are shared with the public app there.
    """
    app = RongrianFlask(__name__, template_folder=str(HERE / "templates"),
                static_folder=str(HERE / "static"), static_url_path="/static")
    configure(
        app,
        settings,
        secret_key=settings.secrets.staff_secret_key,
        cookie_name=STAFF_COOKIE,
        cookie_path=cookie_path,
        translations=[HERE / "translations", COMMON / "translations"],
        engine=engine,
        availability=availability,
    )
    app.config["SESSION_COOKIE_SAMESITE"] = "Strict"
    register(app, settings)
    return app
