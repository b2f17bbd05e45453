"""Cleaning an upload in a child process with a memory, CPU and time limit (issue 13, M1).

A citizen's file is parsed by C libraries (libjpeg, libheif, qpdf, libxml2, zlib) that may need
far more memory and time than the file's size suggests (a 200 KB document that unpacks to
gigabytes, a PDF whose images or object streams explode). :func:`clean_isolated` runs
:func:`rongrian.channels.files.clean_upload` in a child process, so that whatever a file does,
the web worker (or LINE worker) keeps its memory and its time:

- the child gets an address-space limit (``RLIMIT_AS``, ``cleaner_memory_mb`` MiB: every
  allocation past it fails, Python raises :class:`MemoryError`), a CPU limit (``RLIMIT_CPU``,
  ``cleaner_timeout_s`` seconds rounded up: the kernel stops it with ``SIGXCPU``), an alarm
  after as many seconds of wall-clock time (``SIGALRM`` ends it) and no core dump
  (``RLIMIT_CORE`` 0: a crash never writes a citizen's plaintext to disk); should it still run
  :data:`EXIT_GRACE_S` seconds later, the parent kills it (``SIGKILL``);
- the file goes in and out as file descriptors: the upload's spool (or an anonymous temporary
  copy of a stream that has none) is read by the child, which writes the cleaned bytes into an
  anonymous temporary file the parent made (:func:`tempfile.TemporaryFile`, no name, in
  ``spool_dir``); only a short JSON result (media type and size, or the refusal) comes back
  through a Unix socket, never a pickle a compromised child could use against the parent;
- a child that runs out of memory or time, or dies any other way, is reported as
  :class:`CleaningFailed`, a :class:`~rongrian.channels.files.FileRefused`, so the pages show a
  refusal like any other and keep what the citizen typed.

Mechanism: a warm server (:mod:`rongrian.channels.cleaner_server`), started once per process
with :mod:`subprocess` (a fresh interpreter, so safe from a threaded web worker, unlike a plain
``fork``), imports the cleaning code and its libraries once, then forks one child per file: a
few milliseconds per file, against about half a second for a fresh interpreter per file that
must import pikepdf, Pillow and lxml each time. :mod:`multiprocessing`'s ``forkserver`` was
tried first: on Python 3.11 each of its children imports the program's main module again (its
``__main__`` preload is ignored), which costs 50 ms under a script and more under ``rongrian
serve``. File descriptors reach the server over a Unix socket (``SCM_RIGHTS``).

``cleaner_isolation`` off (``RONGRIAN_CLEANER_ISOLATION=0``) cleans in-process, without limits:
for development only; it is on by default and in the test suite.
"""

import contextlib
import importlib
import json
import logging
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from rongrian.channels import cleaner_server, files
from rongrian.channels.files import CleanedFile, FileRefused
from rongrian.settings import Settings

LOG = logging.getLogger("rongrian.files")
#: Default address-space limit of a cleaning child, in MiB (its libraries included).
DEFAULT_MEMORY_MB = 1024
#: Default wall-clock (and CPU) limit of a cleaning child, in seconds.
DEFAULT_TIMEOUT_S = 60
#: Seconds past its limit after which the parent stops waiting for a child and kills it.
EXIT_GRACE_S = 5.0
_COPY_CHUNK = 1024 * 1024

#: ``clean_upload``'s signature: ``(source, *, max_bytes, spool_dir) -> CleanedFile``.
Cleaner = Callable[..., CleanedFile]


class CleaningFailed(FileRefused):
    """Cleaning the file needed more than a child process may use: ``reason`` is ``"memory"``
    (over ``cleaner_memory_mb``), ``"time"`` (over ``cleaner_timeout_s``, wall clock or CPU) or
    ``"crashed"`` (the child died another way). The file is refused; nothing was stored."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class CleanerLimits:
    """Limits of one cleaning child: ``memory_bytes`` of address space, ``seconds`` of wall
    clock (the CPU limit is the same, rounded up); ``isolated`` False cleans in-process."""

    memory_bytes: int = DEFAULT_MEMORY_MB * 1024 * 1024
    seconds: float = DEFAULT_TIMEOUT_S
    isolated: bool = True

    @classmethod
    def from_settings(cls, settings: Settings) -> "CleanerLimits":
        """The limits ``cleaner_memory_mb``, ``cleaner_timeout_s``, ``cleaner_isolation``."""
        return cls(settings.cleaner_memory_mb * 1024 * 1024, settings.cleaner_timeout_s,
                   settings.cleaner_isolation)


def clean_isolated(source: IO[bytes], settings: Settings, *, cleaner: Cleaner | None = None
                   ) -> CleanedFile:
    """:func:`~rongrian.channels.files.clean_upload` of ``source`` (up to
    ``attachment_max_bytes``, spooled in ``spool_dir``) within the limits of ``settings``.

    Raises what ``clean_upload`` raises, and :class:`CleaningFailed`.
    """
    return clean_in_child(source, max_bytes=settings.attachment_max_bytes,
                          spool_dir=settings.spool_dir,
                          limits=CleanerLimits.from_settings(settings), cleaner=cleaner)


def clean_in_child(source: IO[bytes], *, max_bytes: int, spool_dir: Path | None = None,
                   limits: CleanerLimits | None = None, cleaner: Cleaner | None = None
                   ) -> CleanedFile:
    """Run ``cleaner`` (default :func:`~rongrian.channels.files.clean_upload`; any module-level
    function of its signature) on ``source`` from its current position, in a child process
    within ``limits`` (default :class:`CleanerLimits`: 1 GiB, 60 s, isolated).

    Returns the cleaned file (an anonymous temporary file in ``spool_dir``, positioned at 0).
    Raises the child's :class:`~rongrian.channels.files.FileRefused` (the same class and
    attributes) or :class:`CleaningFailed`; on any error the output file is already closed.
    """
    run = cleaner if cleaner is not None else files.clean_upload
    limits = limits or CleanerLimits()
    if not limits.isolated:
        return run(source, max_bytes=max_bytes, spool_dir=spool_dir)
    request = cleaning_request(run, max_bytes, spool_dir, limits)
    with _readable_fd(source, max_bytes, spool_dir) as (fd_in, start):
        sink: IO[bytes] = tempfile.TemporaryFile(dir=spool_dir)  # noqa: SIM115 - returned
        try:
            result = server().clean({**request, "start": start}, fd_in, sink.fileno(),
                                     limits.seconds)
            media_type, size = _accepted(result)
            sink.seek(0)
        except BaseException:
            sink.close()
            raise
    return CleanedFile(sink, media_type, size)


# --- the parent's side ----------------------------------------------------------------------

def cleaning_request(run: Cleaner, max_bytes: int, spool_dir: Path | None,
                     limits: CleanerLimits) -> dict[str, Any]:
    """The JSON request for :meth:`CleanerServer.clean` (``start`` is added per file)."""
    return {"cleaner": f"{run.__module__}:{run.__qualname__}", "max_bytes": max_bytes,
            "spool_dir": str(spool_dir) if spool_dir else None,
            "memory_bytes": limits.memory_bytes, "seconds": limits.seconds}


@contextlib.contextmanager
def _readable_fd(source: IO[bytes], max_bytes: int, spool_dir: Path | None
                 ) -> Iterator[tuple[int, int]]:
    """A file descriptor holding ``source`` and the offset to read from: the source's own
    (Werkzeug's spool; a spool still in memory is written to its anonymous file first), else
    an anonymous temporary copy of at most ``max_bytes`` + 1 bytes (the child refuses more)."""
    try:
        fd = source.fileno() if source.seekable() else -1
    except (OSError, AttributeError, ValueError):
        fd = -1
    if fd >= 0:
        source.flush()
        yield fd, source.tell()
        return
    with tempfile.TemporaryFile(dir=spool_dir) as copy:
        remaining = max_bytes + 1
        while remaining > 0 and (chunk := source.read(min(_COPY_CHUNK, remaining))):
            copy.write(chunk)
            remaining -= len(chunk)
        copy.flush()
        yield copy.fileno(), 0


class CleanerServer:
    """The parent's handle on one warm :mod:`~rongrian.channels.cleaner_server` process.

    Thread-safe: each :meth:`clean` has its own answer socket. Started with :meth:`start`;
    stopped by :meth:`stop` or when this process exits (the server sees its socket close).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._control: socket.socket | None = None
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def process(self) -> "subprocess.Popen[bytes] | None":
        """The server process, once started."""
        return self._process

    def start(self) -> None:
        """Start the server process (a fresh interpreter) if it is not running."""
        with self._lock:
            if self._process is not None and self._process.poll() is None:
                return
            ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            with theirs:
                command = [sys.executable, "-m", cleaner_server.__name__,
                           str(theirs.fileno()), json.dumps(sys.path)]
                self._process = subprocess.Popen(  # noqa: S603 - our own interpreter
                    command, pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL)
            if self._control is not None:
                self._control.close()
            self._control = ours

    def stop(self) -> None:
        """Close the socket (the server exits) and wait for the server process."""
        with self._lock:
            if self._control is not None:
                self._control.close()
                self._control = None
            if self._process is not None:
                self._process.wait(EXIT_GRACE_S)
                self._process = None

    def _send(self, message: bytes, fds: list[int]) -> None:
        for attempt in range(2):
            self.start()
            with self._lock:
                control = self._control
            try:
                assert control is not None  # noqa: S101 - start() made it
                socket.send_fds(control, [message], fds)
                return
            except OSError:
                if attempt:
                    raise
                with self._lock:
                    if self._process is not None:
                        self._process.kill()
                        self._process.wait()

    def clean(self, request: dict[str, Any], fd_in: int, fd_out: int, seconds: float
              ) -> dict[str, Any]:
        """Have a child clean ``fd_in`` into ``fd_out``; its JSON answer, or ``{"failed":
        reason}`` when it gave none within ``seconds`` (it is then killed)."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        started = time.monotonic()
        with ours:
            with theirs:
                self._send(json.dumps(request).encode(), [fd_in, fd_out, theirs.fileno()])
            pid, answer = _answers(ours, started + seconds + EXIT_GRACE_S)
            if answer is not None:
                return answer
            if pid is not None and _running(ours):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        elapsed = time.monotonic() - started
        return {"failed": "time" if elapsed >= seconds else "crashed"}


def _answers(reply: socket.socket, deadline: float) -> tuple[int | None, dict[str, Any] | None]:
    """Read the child's pid message and its answer until EOF or ``deadline``."""
    pid: int | None = None
    while (left := deadline - time.monotonic()) > 0:
        ready, _, _ = select.select([reply], [], [], left)
        if not ready:
            break
        raw = reply.recv(cleaner_server.MESSAGE_BYTES)
        if not raw:
            break
        try:
            message = json.loads(raw)
        except ValueError:
            break
        if not isinstance(message, dict):
            break
        if isinstance(message.get("pid"), int) and len(message) == 1:
            pid = message["pid"]
            continue
        return pid, message
    return pid, None


def _running(reply: socket.socket) -> bool:
    """Whether the child still holds its end of ``reply`` (no EOF yet)."""
    ready, _, _ = select.select([reply], [], [], 0)
    if not ready:
        return True
    return bool(reply.recv(1, socket.MSG_PEEK))


#: The cleaning server of each process id: a process resource like a connection pool (not
#: application state), keyed by pid so that a forked process starts its own instead of
#: waiting on a server that is not its child.
_SERVERS: dict[int, CleanerServer] = {}
_SERVERS_LOCK = threading.Lock()


def server() -> CleanerServer:
    """This process's cleaning server (one per process: a forked process gets its own),
    started on first use."""
    with _SERVERS_LOCK:
        found = _SERVERS.get(os.getpid())
        if found is None:
            found = _SERVERS[os.getpid()] = CleanerServer()
    return found


def _accepted(result: dict[str, Any]) -> tuple[str, int]:
    """The media type and size of an accepted file; raises the refusal the child reported."""
    if isinstance(result.get("media_type"), str) and isinstance(result.get("size"), int):
        return result["media_type"], result["size"]
    refused = result.get("refused")
    if isinstance(refused, dict):
        raise _refusal(refused)
    reason = str(result.get("failed", "crashed"))
    if reason == "crashed":
        LOG.warning("file cleaning failed in the child: %s", result.get("error", "no answer"))
    raise CleaningFailed(reason if reason in {"memory", "time"} else "crashed")


def _refusal(refused: dict[str, Any]) -> FileRefused:
    """Rebuild the child's refusal: the same class (a :class:`FileRefused` of the cleaning
    modules only) and attributes, without running its ``__init__``."""
    module = str(refused.get("module", ""))
    found: Any = None
    if module == __name__ or module == files.__name__ or module.startswith(
            files.__name__ + "."):
        with contextlib.suppress(ImportError):
            found = getattr(importlib.import_module(module), str(refused.get("name", "")), None)
    if not (isinstance(found, type) and issubclass(found, FileRefused)):
        return CleaningFailed("crashed")
    error: FileRefused = found.__new__(found)
    error.args = tuple(refused.get("args", ()))
    error.__dict__.update(refused.get("state", {}))
    return error
