"""gunicorn configuration for an operator's own ``gunicorn`` command, the same as
``rongrian serve`` runs with (no access log, client addresses kept out of the error log,
threaded workers, the multi-worker checks)::

    gunicorn -c python:rongrian.admin.gunicorn_config --workers 4 --bind 127.0.0.1:8000 \\
        'rongrian.wsgi:create_app()'

Command-line options given after ``-c`` win over these values.
"""

import sys
from typing import Any

from rongrian.admin.production import gunicorn_options, production_problems
from rongrian.intake.errors import SetupError
from rongrian.settings import from_environment

_DEFAULTS = gunicorn_options(bind="127.0.0.1:8000", workers=1, threads=4, timeout=60)
bind = _DEFAULTS["bind"]
workers = _DEFAULTS["workers"]
threads = _DEFAULTS["threads"]
worker_class = _DEFAULTS["worker_class"]
timeout = _DEFAULTS["timeout"]
graceful_timeout = _DEFAULTS["graceful_timeout"]
keepalive = _DEFAULTS["keepalive"]
accesslog = _DEFAULTS["accesslog"]
errorlog = _DEFAULTS["errorlog"]
loglevel = _DEFAULTS["loglevel"]
logger_class = _DEFAULTS["logger_class"]
proc_name = _DEFAULTS["proc_name"]
control_socket_disable = _DEFAULTS["control_socket_disable"]
preload_app = _DEFAULTS["preload_app"]


def on_starting(server: Any) -> None:
    """Refuse to start (exit 2, Thai and English) a configuration that cannot run with the
    number of workers asked for (:func:`production_problems`)."""
    try:
        problems = production_problems(from_environment(), int(server.cfg.workers))
    except SetupError as exc:
        print(f"ข้อผิดพลาด: ระบบยังไม่ได้ตั้งค่า\nError: {exc}", file=sys.stderr)
        sys.exit(1)
    for thai, english in problems:
        print(f"ข้อผิดพลาด: {thai}\nError: {english}", file=sys.stderr)
    if problems:
        sys.exit(2)
