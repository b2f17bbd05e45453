"""The production server: gunicorn with N worker processes, no access log, and an error log
that never names a client.

Why gunicorn: the most used pre-fork WSGI server for Python, pure Python (nothing to compile),
packaged by Debian too, with worker restarts, graceful reloads (``SIGHUP``) and systemd
integration; uWSGI is in maintenance mode and waitress runs one process only.

:func:`gunicorn_options` are the options ``rongrian serve`` runs with;
:mod:`rongrian.admin.gunicorn_config` gives the same to an operator's own ``gunicorn``.
"""

import gc
import logging
import sys
from collections.abc import Callable
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger

from rongrian.settings import Settings

#: Worker class: threads inside each process, so a slow database call or upload holds one
#: thread, not the process (``--threads``).
WORKER_CLASS = "gthread"
#: Format of the application's own log lines (``rongrian.*`` loggers), like gunicorn's.
LOG_FORMAT = "%(asctime)s [%(process)d] [%(levelname)s] %(name)s: %(message)s"

WSGIApp = Callable[..., Any]


class QuietLogger(Logger):  # type: ignore[misc]  # gunicorn ships no type hints
    """gunicorn's logger without the access log and without client addresses, request lines
    or tracebacks in the error log (DESIGN.md, promise 5).

    gunicorn writes ``Invalid request from ip=<address>: <the request line>`` for a malformed
    request and ``Error handling request <uri>`` with a traceback for a failed one; both become
    a line naming the kind of error only.
    """

    def access(self, *_args: Any, **_kwargs: Any) -> None:
        """No access log, whatever ``accesslog`` says."""
        return

    def warning(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        if str(msg).startswith("Invalid request from"):
            self.error_log.warning("invalid request refused (client and request not logged)")
            return
        self.error_log.warning(msg, *args, **kwargs)

    def exception(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        text = str(msg).lower()
        if "request" in text or "socket" in text or "http/2" in text:
            error = sys.exc_info()[1]
            kind = type(error).__name__ if error is not None else "unknown error"
            self.error_log.error("error while handling a request: %s (details not logged)",
                                 kind)
            return
        self.error_log.exception(msg, *args, **kwargs)  # start-up failures: the operator's


def configure_logging(level: int = logging.INFO) -> None:
    """Send the ``rongrian.*`` loggers (outage lines, crash summaries) to standard error, unless
    the operator configured logging already."""
    ours = logging.getLogger("rongrian")
    if ours.handlers or logging.getLogger().handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    ours.addHandler(handler)
    ours.setLevel(level)


def production_problems(settings: Settings, workers: int) -> list[tuple[str, str]]:
    """Why ``settings`` cannot run with ``workers`` processes, as (Thai, English) messages.

    More than one process needs state they share: rate limits kept in one process's memory
    would let a client through ``workers`` times as often, and LINE events handled by threads
    in whichever process received them could be answered out of order or lost on restart.
    """
    if workers <= 1:
        return []
    problems: list[tuple[str, str]] = []
    if settings.ratelimit_storage.startswith("memory"):
        problems.append((
            f"ใช้ {workers} โปรเซสไม่ได้เมื่อเก็บการจำกัดอัตราไว้ในหน่วยความจำ (memory://): "
            "แต่ละโปรเซสจะนับแยกกัน ตั้งค่า RONGRIAN_RATELIMIT_STORAGE=redis://127.0.0.1:6379/0",
            f"{workers} workers cannot keep rate limits in memory (memory://): each process "
            "would count on its own. Set RONGRIAN_RATELIMIT_STORAGE=redis://127.0.0.1:6379/0",
        ))
    if settings.line_enabled and not settings.redis_url:
        problems.append((
            f"ใช้ {workers} โปรเซสกับ LINE ไม่ได้หากไม่มีคิว Redis: ข้อความของผู้ใช้คนเดียวกัน"
            "อาจถูกตอบสลับลำดับหรือหายเมื่อรีสตาร์ท ตั้งค่า RONGRIAN_REDIS_URL=redis://127.0.0.1:6379/0 "
            "และเปิด rongrian line worker",
            f"{workers} workers cannot handle LINE events in-process: one citizen's messages "
            "could be answered out of order, or lost on a restart. Set "
            "RONGRIAN_REDIS_URL=redis://127.0.0.1:6379/0 and run `rongrian line worker`",
        ))
    return problems


def gunicorn_options(*, bind: str, workers: int, threads: int, timeout: int) -> dict[str, Any]:
    """gunicorn settings of the production server (names as in gunicorn's documentation)."""
    return {
        "bind": bind,
        "workers": workers,
        "threads": threads,
        "worker_class": WORKER_CLASS,
        "timeout": timeout,
        "graceful_timeout": 30,
        "keepalive": 5,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "info",
        "logger_class": f"{__name__}.QuietLogger",
        "proc_name": "rongrian",
        "control_socket_disable": True,  # no socket in $HOME (ProtectHome, ProtectSystem)
        "preload_app": False,  # each worker opens its own database connections
    }


def long_lived(app: WSGIApp) -> WSGIApp:
    """``app``, made in a server's worker process, with everything made so far (the libraries,
    the app, its pool) moved out of the garbage collector's sight (:func:`gc.freeze`); returns
    ``app``.

    They live as long as the worker, yet a full collection scanned them all each time: about
    170 ms on this project's machine, during which the worker answered nobody (issue 11). Only
    what is made later is scanned from then on.
    """
    gc.collect()
    gc.freeze()
    return app


class ProductionServer(BaseApplication):  # type: ignore[misc]  # gunicorn: no type hints
    """gunicorn run from Python with ``options``; each worker builds its app with ``factory``
    after the fork."""

    def __init__(self, factory: Callable[[], WSGIApp], options: dict[str, Any]) -> None:
        self._factory = factory
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> WSGIApp:
        configure_logging()
        return long_lived(self._factory())
