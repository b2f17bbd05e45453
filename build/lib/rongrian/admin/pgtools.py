"""PostgreSQL's own dump tools, ``pg_dump`` and ``pg_restore``, run as subprocesses.

The connection parameters come from the SQLAlchemy URL and are handed over as libpq environment
variables (``PGHOST``, ``PGPORT``, ``PGUSER``, ``PGPASSWORD``, ``PGDATABASE``, ``PGSSLMODE`` …),
never on the command line, where other users of the machine could read a password in ``ps``.

Versions (PostgreSQL documentation, "pg_dump": *pg_dump cannot dump from PostgreSQL servers newer
than its own major version*; "pg_restore" reads archives of its own or older versions): the
tool is looked for first in Debian's ``/usr/lib/postgresql/<major>/bin`` for the server's major
version, then on ``PATH``; one older than the server is refused with a message naming the
package to install.
"""

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from rongrian.admin.archive import BackupError

#: libpq environment variable for each query parameter a URL may carry.
_QUERY_ENV = {
    "sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT", "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY", "connect_timeout": "PGCONNECT_TIMEOUT", "options": "PGOPTIONS",
    "host": "PGHOST", "port": "PGPORT", "application_name": "PGAPPNAME",
}
_VERSION = re.compile(r"\(PostgreSQL\)\s+(\d+)")
_DEBIAN_BIN = Path("/usr/lib/postgresql")


@dataclass(frozen=True)
class Tool:
    """A PostgreSQL client program: its path and major version."""

    path: str
    major: int


def libpq_environment(url: str) -> dict[str, str]:
    """The process environment plus the libpq variables naming ``url``'s server and database."""
    parsed = make_url(url)
    env = dict(os.environ)
    for key, value in (("PGHOST", parsed.host), ("PGPORT", parsed.port),
                       ("PGUSER", parsed.username), ("PGPASSWORD", parsed.password),
                       ("PGDATABASE", parsed.database)):
        if value is not None:
            env[key] = str(value)
    for key, given in parsed.query.items():
        if key in _QUERY_ENV:
            env[_QUERY_ENV[key]] = given if isinstance(given, str) else given[-1]
    return env


def _major(path: str) -> int | None:
    try:
        done = subprocess.run([path, "--version"], capture_output=True, text=True,  # noqa: S603
                              timeout=30, check=False)
    except OSError:
        return None
    match = _VERSION.search(done.stdout)
    return int(match.group(1)) if match else None


def find_tool(name: str, at_least: int) -> Tool:
    """``pg_dump`` or ``pg_restore`` of major version ``at_least`` or newer.

    Raises :class:`BackupError` (exit 1) when none is installed, or only an older one.
    """
    candidates = [str(_DEBIAN_BIN / str(at_least) / "bin" / name)]
    if _DEBIAN_BIN.is_dir():
        candidates += sorted((str(p / "bin" / name) for p in _DEBIAN_BIN.iterdir()),
                             reverse=True)
    on_path = shutil.which(name)
    if on_path:
        candidates.append(on_path)
    found: list[Tool] = []
    for path in candidates:
        major = _major(path) if os.access(path, os.X_OK) else None
        if major is not None:
            found.append(Tool(path, major))
            if major >= at_least:
                return Tool(path, major)
    package = f"postgresql-client-{at_least}"
    if not found:
        raise BackupError(f"ไม่พบโปรแกรม {name} ติดตั้งแพ็กเกจ {package} (sudo apt install {package})",
                          f"{name} was not found: install {package} (sudo apt install {package})",
                          exit_code=1)
    raise BackupError(
        f"{name} รุ่น {found[0].major} เก่ากว่าเซิร์ฟเวอร์ PostgreSQL รุ่น {at_least} "
        f"ติดตั้งแพ็กเกจ {package}",
        f"{name} {found[0].major} is older than the PostgreSQL {at_least} server: "
        f"install {package}", exit_code=1)


def _run(tool: Tool, arguments: list[str], url: str, what_th: str, what_en: str) -> None:
    try:
        done = subprocess.run([tool.path, *arguments], env=libpq_environment(url),  # noqa: S603
                              capture_output=True, text=True, check=False)
    except OSError as exc:
        raise BackupError(f"เรียก {tool.path} ไม่ได้", f"cannot run {tool.path}: {exc}",
                          exit_code=1) from exc
    if done.returncode != 0:
        # libpq's and pg_dump's messages name tables and settings, never row contents.
        detail = (done.stderr or "").strip().splitlines()[-3:]
        raise BackupError(f"{what_th} ไม่สำเร็จ: " + " / ".join(detail),
                          f"{what_en} failed: " + " / ".join(detail), exit_code=1)


def dump(url: str, server_major: int, snapshot: str, out: Path) -> Tool:
    """Run ``pg_dump`` in custom format into ``out``, reading the exported ``snapshot`` (so the
    dump is the very state the caller's transaction sees); return the tool used.

    Raises :class:`BackupError` (exit 1) when ``pg_dump`` is missing, too old or fails.
    """
    tool = find_tool("pg_dump", server_major)
    _run(tool, ["--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
                f"--file={out}"], url, "pg_dump สำรองฐานข้อมูล", "pg_dump")
    return tool


def restore(url: str, dump_major: int, dump_file: Path) -> None:
    """Run ``pg_restore`` of ``dump_file`` into ``url``'s database in one transaction (all or
    nothing), without owners or privileges (the target's user owns everything).

    Raises :class:`BackupError` (exit 1) when ``pg_restore`` is missing, older than the
    ``pg_dump`` that made the file, or fails (the database is then left as it was).
    """
    tool = find_tool("pg_restore", dump_major)
    database = make_url(url).database or ""
    _run(tool, ["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
                f"--dbname={database}", str(dump_file)], url,
         "pg_restore นำฐานข้อมูลกลับ", "pg_restore")
