"""Factory of the public (citizen) app. Separate from the staff app, with its own cookie."""

from pathlib import Path

from flask import Flask
from sqlalchemy import Engine

from rongrian.channels.line.app import register as register_line
from rongrian.channels.web import statistics
from rongrian.channels.web.views import register
from rongrian.settings import Settings
from rongrian.web.agency import register_agency
from rongrian.web.app import HERE as COMMON
from rongrian.web.app import RongrianFlask, configure, content_security_policy
from rongrian.web.outage import DatabaseAvailability

HERE = Path(__file__).resolve().parent
PUBLIC_COOKIE = "rongrian_public"
#: The citizen pages may ask for the device's location ("use my location", issue 12), from our
#: own pages only; the staff app keeps every permission off.
PUBLIC_PERMISSIONS = "camera=(), microphone=(), geolocation=(self)"


def create_public_app(settings: Settings, *, engine: Engine | None = None,
                      availability: DatabaseAvailability | None = None) -> Flask:
    """The citizen app: ``/report``, the receipt, ``/track``, and the LINE webhook
    ``/line/webhook`` (:mod:`rongrian.channels.line.app`).

    ``engine`` shares a connection pool (tests, the combined server); by default one is made
    from ``settings.database_url``; ``availability`` likewise (:mod:`rongrian.web.outage`).
    """
    app = RongrianFlask(__name__, template_folder=str(HERE / "templates"), static_folder=None)
    configure(
        app,
        settings,
        secret_key=settings.secrets.public_secret_key,
        cookie_name=PUBLIC_COOKIE,
        translations=[HERE / "translations", COMMON / "translations"],
        engine=engine,
        availability=availability,
    )
    # Map tiles come from the one tile server the agency set (RONGRIAN_MAP_TILES), if any.
    app.config["RONGRIAN_CSP"] = content_security_policy(
        (settings.map_tiles_origin,) if settings.map_tiles else ())
    app.config["RONGRIAN_PERMISSIONS"] = PUBLIC_PERMISSIONS
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    register(app, settings)
    statistics.register(app, settings)
    register_line(app, settings)
    register_agency(app)
    return app
