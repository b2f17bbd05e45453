"""``rongrian qr poster``: register a QR poster of a unit and write it as PDF, PNG or SVG.

The output's extension chooses what is written: ``.pdf`` the printable poster, ``.png`` or
``.svg`` the QR code alone (for web pages and flyers). Exit codes as the rest of the command
line: 0 written, 2 bad input (Thai and English message, nothing registered or written), 1 not set
up.
"""

import argparse
import os
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rongrian.channels.qr.printing import OutputFormat, poster_file, poster_link
from rongrian.intake.posters import (
    MAX_PLACE_CHARS,
    SIZES,
    InactivePosterUnit,
    InvalidPlace,
    InvalidPosterSize,
    PosterError,
    UnknownPosterUnit,
    register_poster,
)
from rongrian.settings import from_environment


def _fail(th: str, en: str) -> int:
    print(f"ข้อผิดพลาด: {th}\nError: {en}", file=sys.stderr)
    return 2


def _refusal(exc: PosterError, args: argparse.Namespace) -> tuple[str, str]:
    if isinstance(exc, UnknownPosterUnit):
        return (f"ไม่มีหน่วยงานรหัส {args.unit}", f"no unit has the code {args.unit}")
    if isinstance(exc, InactivePosterUnit):
        return (f"หน่วยงาน {args.unit} ถูกปิดใช้งาน ไม่รับเรื่องใหม่",
                f"unit {args.unit} is deactivated and takes no new complaints")
    if isinstance(exc, InvalidPlace):
        return (f"ชื่อจุดติดตั้งต้องยาวไม่เกิน {MAX_PLACE_CHARS} ตัวอักษร และไม่มีอักขระควบคุม",
                f"the place must be at most {MAX_PLACE_CHARS} characters, without control "
                "characters")
    if isinstance(exc, InvalidPosterSize):
        return (f"ขนาดกระดาษต้องเป็น {', '.join(SIZES)}", f"the size must be one of {SIZES}")
    return ("สร้างโปสเตอร์ไม่ได้", "the poster cannot be made")


def _format_of(out: Path) -> OutputFormat | None:
    try:
        return OutputFormat(out.suffix.lower().lstrip("."))
    except ValueError:
        return None


def _write_atomically(out: Path, data: bytes) -> None:
    """Write ``data`` to ``out`` through a temporary file beside it (no half-written file)."""
    handle, temporary = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def cmd_poster(args: argparse.Namespace) -> int:
    from rongrian.intake.db import make_engine, make_session_factory

    out = Path(args.out)
    fmt = _format_of(out)
    if fmt is None:
        return _fail("ไฟล์ผลลัพธ์ต้องลงท้ายด้วย .pdf, .png หรือ .svg",
                     "the output file must end in .pdf, .png or .svg")
    if not out.parent.is_dir():
        return _fail(f"ไม่มีโฟลเดอร์ {out.parent}", f"no such folder: {out.parent}")
    settings = from_environment()
    factory = make_session_factory(make_engine(settings.database_url))
    with factory() as session:
        try:
            poster = register_poster(session, unit_code=args.unit, place=args.place or "",
                                     size=args.size, today=datetime.now(UTC).date())
        except PosterError as exc:
            session.rollback()
            return _fail(*_refusal(exc, args))
        data = poster_file(session, poster, settings.public_base_url, fmt)
        _write_atomically(out, data)
        try:
            session.commit()
        except BaseException:
            out.unlink(missing_ok=True)  # no poster whose id was not registered
            raise
        link = poster_link(settings.public_base_url, poster)
    print(f"{out}: โปสเตอร์ / poster {poster.id} ({poster.size}) → {link}")
    return 0


def add_qr_commands(sub: Any) -> None:
    """Register ``qr poster`` on the ``rongrian`` command's subparsers."""
    qr = sub.add_parser("qr", help="QR posters").add_subparsers(dest="qr_command", required=True)
    poster = qr.add_parser("poster", help="register a unit's QR poster and write it")
    poster.add_argument("--unit", required=True, help="unit code, e.g. WORKS")
    poster.add_argument("--place", default="",
                        help=f"where it hangs (at most {MAX_PLACE_CHARS} characters)")
    poster.add_argument("--size", default="A4", help="A4, A5 or A6 (PDF only)")
    poster.add_argument("--out", required=True,
                        help="poster.pdf, or qr.png / qr.svg for the code alone")
    poster.set_defaults(func=cmd_poster)
