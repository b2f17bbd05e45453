"""The warm cleaning server: one fresh interpreter that forks a limited child per file.

:mod:`rongrian.channels.isolation` starts it on first use in each process that cleans files
(a web worker, a LINE worker) with :mod:`subprocess` (``python -m
rongrian.channels.cleaner_server``): a fresh interpreter, never a ``fork`` of the threaded web
worker. It imports the cleaning code and its C libraries (Pillow, pillow-heif, pikepdf, lxml)
once, then waits on a Unix ``SOCK_SEQPACKET`` socket. Each request is one message: a small JSON
object and three file descriptors (``SCM_RIGHTS``): the upload to read, the anonymous temporary
file to write, and a socket for the answer. For each request the server forks a child, which

1. limits itself (:func:`limit_child`): ``RLIMIT_AS`` (address space, so any allocation past
   it fails), ``RLIMIT_CPU``, ``RLIMIT_CORE`` 0 (a crash never writes a citizen's plaintext to a
   core file) and an alarm: the kernel ends it with ``SIGALRM`` after the wall-clock limit;
2. sends its process id, cleans the file with ``clean_upload`` (or the named function of the
   same signature: tests inject one), copies the result into the output file;
3. sends one JSON answer (``{"media_type", "size"}``, ``{"refused": …}`` or ``{"failed":
   "memory"|"crashed"}``, each with ``peak_kib``: its peak resident size in KiB, the pages it
   shares with the server included) and exits.

The server reaps its children itself (``SIGCHLD`` ignored) and exits when the process that
started it closes its end of the socket (it exits or dies). Nothing here logs a file's content
or name.
"""

import contextlib
import gc
import importlib
import io
import json
import math
import os
import resource
import shutil
import signal
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

#: Largest request or answer message, in bytes (a JSON object of a few fields).
MESSAGE_BYTES = 64 * 1024
#: Modules the server imports once, so each child starts with them loaded.
PRELOAD = ("rongrian.channels.files",)
_COPY_CHUNK = 1024 * 1024


def limit_child(memory_bytes: int, seconds: float) -> None:
    """In a cleaning child: cap its address space at ``memory_bytes``, its CPU time and its
    wall-clock time at ``seconds`` (rounded up), and forbid core dumps."""
    whole = max(1, math.ceil(seconds))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_CPU, (whole, whole + 1))
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    signal.alarm(whole)


def cleaner_named(name: str) -> Callable[..., Any]:
    """The function ``module:qualified.name`` (``clean_upload``'s signature)."""
    module, _, attribute = name.partition(":")
    found: Any = importlib.import_module(module)
    for part in attribute.split("."):
        found = getattr(found, part)
    if not callable(found):
        raise TypeError(name)
    return found  # type: ignore[no-any-return]


def described_refusal(error: Exception) -> dict[str, Any]:
    """A refusal as JSON: its class, arguments and attributes (plain values only)."""
    plain = (str, int, float, bool, type(None))
    return {"module": type(error).__module__, "name": type(error).__qualname__,
            "args": [arg for arg in error.args if isinstance(arg, plain)],
            "state": {key: value for key, value in vars(error).items()
                      if isinstance(value, plain)}}


def _clean(request: dict[str, Any], fd_in: int, fd_out: int) -> dict[str, Any]:
    run = cleaner_named(str(request["cleaner"]))
    spool = Path(request["spool_dir"]) if request.get("spool_dir") else None
    with os.fdopen(fd_in, "rb") as source, os.fdopen(fd_out, "wb") as sink:
        source.seek(int(request["start"]))
        with run(source, max_bytes=int(request["max_bytes"]), spool_dir=spool) as cleaned:
            shutil.copyfileobj(cleaned.stream, sink, _COPY_CHUNK)
            return {"media_type": cleaned.media_type, "size": sink.tell()}


def child(request: dict[str, Any], fds: list[int]) -> dict[str, Any]:
    """The work of one cleaning child, after :func:`limit_child`: the answer to send."""
    from rongrian.channels.files import FileRefused

    fd_in, fd_out = fds[0], fds[1]
    try:
        return _clean(request, fd_in, fd_out)
    except FileRefused as exc:
        return {"refused": described_refusal(exc)}
    except MemoryError:
        return {"failed": "memory"}
    except Exception as exc:  # noqa: BLE001 - any failure refuses the file; named for the log
        return {"failed": "crashed", "error": type(exc).__name__}


def _run_child(request: dict[str, Any], fds: list[int]) -> None:
    """In the forked child: limit, announce the pid, clean, answer. Never returns."""
    code = 0
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        answer = socket.socket(fileno=fds[2])
        limit_child(int(request["memory_bytes"]), float(request["seconds"]))
        answer.send(json.dumps({"pid": os.getpid()}).encode())
        result = child(request, fds)
        result["peak_kib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        answer.send(json.dumps(result).encode())
        answer.close()
    except BaseException:  # noqa: BLE001 - the parent sees no answer and refuses the file
        code = 1
    finally:
        os._exit(code)


def _serve_one(control: socket.socket) -> bool:
    """Receive one request and fork its child; ``False`` when the parent has gone."""
    try:
        message, fds, _flags, _address = socket.recv_fds(control, MESSAGE_BYTES, 3)
    except InterruptedError:
        return True
    if not message:
        for fd in fds:
            os.close(fd)
        return False
    try:
        request = json.loads(message)
        if len(fds) != 3 or not isinstance(request, dict):
            return True
        if os.fork() == 0:
            control.close()
            _run_child(request, fds)
    except (ValueError, OSError):
        return True
    finally:
        for fd in fds:
            with contextlib.suppress(OSError):
                os.close(fd)
    return True


def warm_up() -> None:
    """Clean a tiny JPEG and PNG once, so that the image plugins Pillow imports on first use
    are already loaded in every child."""
    from PIL import Image

    from rongrian.channels.files import clean_upload

    Image.init()
    for kind in ("JPEG", "PNG"):
        sample = io.BytesIO()
        Image.new("RGB", (8, 8)).save(sample, format=kind)
        sample.seek(0)
        with contextlib.suppress(Exception), clean_upload(sample, max_bytes=1 << 20):
            pass


def serve(control_fd: int) -> None:
    """The server loop on the inherited socket ``control_fd``; returns when its peer closes."""
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a terminal's ^C stops the parent, not us
    for name in PRELOAD:
        importlib.import_module(name)
    warm_up()
    gc.freeze()  # children never scan (and so never copy) the server's own objects
    with socket.socket(fileno=control_fd) as control:
        while _serve_one(control):
            pass


def main(argv: list[str]) -> int:
    """``python -m rongrian.channels.cleaner_server FD SYS_PATH_JSON`` (started by
    :mod:`rongrian.channels.isolation`, not by hand)."""
    if len(argv) != 2 or not argv[0].isdigit():
        print("ข้อผิดพลาด: ใช้ภายในระบบเท่านั้น\nError: for internal use only", file=sys.stderr)
        return 2
    sys.path[:] = json.loads(argv[1])
    serve(int(argv[0]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
