"""WSGI entry points for an operator's own server (gunicorn, uWSGI, mod_wsgi), configured from
the environment (``RONGRIAN_*``, see the README's Configuration table).

Factories (gunicorn's ``'rongrian.wsgi:create_app()'`` syntax), each building a new app with its
own connection pool — call them in the worker process, after any fork:

- :func:`create_app`: public app at ``/``, staff app at ``/staff`` (as ``rongrian serve``);
- :func:`create_public`: the citizen app alone (``/report``, ``/track``, LINE webhook);
- :func:`create_staff`: the staff app alone, at ``/``.

Module attributes ``app``, ``public_app`` and ``staff_app`` (``rongrian.wsgi:app``) are the same,
made on first access (importing this module reads nothing). Every app answers ``/healthz`` and
``/readyz`` (``/staff/healthz`` when mounted) and logs no request. What a factory made is frozen
out of the garbage collector's sight (:func:`rongrian.admin.production.long_lived`).

Raises :class:`rongrian.intake.errors.SetupError` when the instance has no secrets.
"""

from typing import Any

from rongrian.admin.production import WSGIApp, configure_logging, long_lived
from rongrian.admin.server import STAFF_PREFIX, combined_app
from rongrian.admin.web.app import create_staff_app
from rongrian.channels.web.app import create_public_app
from rongrian.settings import from_environment

__all__ = ["STAFF_PREFIX", "create_app", "create_public", "create_staff"]


def create_app() -> WSGIApp:
    """Public app at ``/`` and staff app at ``/staff``, one pool, from the environment."""
    configure_logging()
    return long_lived(combined_app(from_environment()))


def create_public() -> WSGIApp:
    """The citizen app alone, from the environment."""
    configure_logging()
    return long_lived(create_public_app(from_environment()))


def create_staff() -> WSGIApp:
    """The staff app alone (at ``/``), from the environment."""
    configure_logging()
    return long_lived(create_staff_app(from_environment()))


_FACTORIES = {"app": create_app, "public_app": create_public, "staff_app": create_staff}


def __getattr__(name: str) -> Any:
    """``app``, ``public_app`` and ``staff_app``, made on first access and kept."""
    factory = _FACTORIES.get(name)
    if factory is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    made = factory()
    globals()[name] = made
    return made
