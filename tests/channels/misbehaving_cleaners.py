"""Cleaning functions with ``clean_upload``'s signature that misbehave, for the isolation tests.

They run in the cleaning child (which imports them by name), never in the test process itself.
"""

import os
import signal
import time
from pathlib import Path
from typing import IO

from rongrian.channels.files import CleanedFile

#: How much each step of :func:`eat_memory` takes (touched, so it is really resident).
STEP = 32 * 1024 * 1024


def eat_memory(source: IO[bytes], *, max_bytes: int, spool_dir: Path | None = None
               ) -> CleanedFile:
    """Allocate and touch memory without end, as a decompression bomb does."""
    kept = []
    while True:
        kept.append(b"\x01" * STEP)


def _note_pid(spool_dir: Path | None) -> None:
    if spool_dir is not None:
        (spool_dir / "child.pid").write_text(str(os.getpid()), encoding="ascii")


def sleep_forever(source: IO[bytes], *, max_bytes: int, spool_dir: Path | None = None
                  ) -> CleanedFile:
    """Hang (an endless parse waiting on nothing); writes its pid to ``spool_dir/child.pid``."""
    _note_pid(spool_dir)
    while True:
        time.sleep(60)


def sleep_forever_ignoring_alarms(source: IO[bytes], *, max_bytes: int,
                                  spool_dir: Path | None = None) -> CleanedFile:
    """Hang with ``SIGALRM`` ignored, so that only the parent's kill can end it."""
    signal.signal(signal.SIGALRM, signal.SIG_IGN)
    return sleep_forever(source, max_bytes=max_bytes, spool_dir=spool_dir)


def spin(source: IO[bytes], *, max_bytes: int, spool_dir: Path | None = None) -> CleanedFile:
    """Burn CPU without end, with ``SIGALRM`` ignored (the CPU limit must stop it)."""
    signal.signal(signal.SIGALRM, signal.SIG_IGN)
    count = 0
    while True:
        count += 1


def abort(source: IO[bytes], *, max_bytes: int, spool_dir: Path | None = None) -> CleanedFile:
    """Die the way a C library does when it gives up (``SIGABRT``)."""
    os.abort()


def fail(source: IO[bytes], *, max_bytes: int, spool_dir: Path | None = None) -> CleanedFile:
    """Raise an error that is not a refusal (a bug in a parser)."""
    raise RuntimeError("parser bug")
