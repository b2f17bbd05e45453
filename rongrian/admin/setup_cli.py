"""``rongrian setup --organisation FILE [--check]``: set up or update an agency from its
organisation file (:mod:`.orgfile`; applied by :mod:`.org_apply`).

- A file with problems: every problem is printed (line, key, Thai then English) and nothing is
  done; exit status 2.
- ``--check``: the file is checked and what would change is listed; nothing is written (not
  even the secrets or the schema). The changes are computed by applying the file in a
  transaction that is rolled back (an empty in-memory database when the instance has none yet).
- Otherwise, on a fresh instance the secrets and the schema are made first (as ``rongrian
  init``), then everything is applied in one transaction; the recovery key and the one-time
  passwords are printed once.
"""

import argparse
import sys
from pathlib import Path

from sqlalchemy import Engine, create_engine, inspect, select
from sqlalchemy.orm import Session

from rongrian.admin import notices_cli
from rongrian.admin.migrate import upgrade
from rongrian.admin.org_apply import Applied, apply_organisation
from rongrian.admin.orgfile import OrganisationFileInvalid, OrganisationSpec, load_organisation_file
from rongrian.intake.audit import COMMAND_LINE, Actor
from rongrian.intake.db import make_engine, make_session_factory
from rongrian.intake.errors import InvalidSubmission
from rongrian.intake.models import Base, Installation
from rongrian.settings import (
    create_secrets,
    default_database_url,
    default_instance_path,
    from_environment,
)


def _print_problems(error: OrganisationFileInvalid, path: Path) -> None:
    lines = [f"ข้อผิดพลาด: ไฟล์ {path} มีปัญหา {len(error.problems)} รายการ ยังไม่ได้เปลี่ยนแปลงอะไร",
             f"Error: {path} has {len(error.problems)} problem(s); nothing was changed"]
    for problem in error.problems:
        lines.append(f"  บรรทัด {problem.line} {problem.key}: {problem.th}")
        lines.append(f"  line {problem.line} {problem.key}: {problem.en}")
    print("\n".join(lines), file=sys.stderr)


def _print_changes(done: Applied, *, check: bool) -> None:
    if check:
        print("ตรวจไฟล์แล้ว ไม่พบปัญหา สิ่งที่จะเปลี่ยน (ยังไม่ได้เปลี่ยน):")
        print("The file is valid. What would change (nothing was changed):")
    elif done.changes:
        print("เปลี่ยนแปลงแล้ว / Changed:")
    for change in done.changes:
        print(f"  - {change.th}\n    {change.en}")
    if not done.changes:
        print("  ไม่มีอะไรต้องเปลี่ยน / Nothing to change")
    for note in done.notes:
        print(f"หมายเหตุ: {note.th}\nNote: {note.en}")


def _print_once(done: Applied) -> None:
    lines = [""]
    if done.recovery_key:
        lines += ["=== กุญแจกู้คืน (แสดงครั้งเดียว จดเก็บแบบออฟไลน์ในที่ปลอดภัย) ===",
                  "=== RECOVERY KEY (shown once: write it down and keep it offline) ===",
                  done.recovery_key, ""]
    if done.logins:
        lines += ["=== รหัสผ่านใช้ครั้งเดียว (ต้องเปลี่ยนเมื่อเข้าระบบครั้งแรก) ===",
                  "=== One-time passwords (to be changed at first log-in) ===",
                  *(f"  {user:<16} {password:<22} {role.value}"
                    for user, password, role in done.logins), ""]
    if len(lines) > 1:
        print("\n".join(lines))


def _state(engine: Engine) -> str:
    """``fresh`` (no installation), ``installed`` (at a schema with the agency profile, made by
    migration 0008) or ``outdated`` (installed, schema older)."""
    tables = set(inspect(engine).get_table_names())
    if "installation" not in tables:
        return "fresh"
    with Session(engine) as session:
        if session.scalars(select(Installation.id)).first() is None:
            return "fresh"
    return "installed" if "agency" in tables else "outdated"


def _existing_database() -> Engine | None:
    """The instance's database if it exists (never creates a SQLite file)."""
    url = default_database_url(default_instance_path())
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        return None
    return make_engine(url)


def _dry_run(spec: OrganisationSpec) -> Applied | None:
    """Apply ``spec`` in a transaction that is rolled back; nothing is written anywhere.
    ``None`` when the database must be migrated first."""
    engine = _existing_database()
    state = _state(engine) if engine is not None else "fresh"
    if state == "outdated":
        return None
    if engine is None or state == "fresh":  # compare with an empty database in memory
        if engine is not None:
            engine.dispose()
        engine = create_engine("sqlite://")
        Base.metadata.create_all(engine)
    try:
        with Session(engine) as session:
            done = apply_organisation(session, spec, actor=Actor(None, COMMAND_LINE),
                                      strength="test")  # the passwords are thrown away
            session.rollback()
    finally:
        engine.dispose()
    return done


def cmd_setup(args: argparse.Namespace) -> int:
    """``rongrian setup``: 0 done (or checked), 2 problems in the file (nothing changed)."""
    path = Path(args.organisation)
    try:
        spec = load_organisation_file(path)
    except OrganisationFileInvalid as exc:
        _print_problems(exc, path)
        return 2
    if args.check:
        done = _dry_run(spec)
        if done is None:
            print("ไฟล์ถูกต้อง แต่ฐานข้อมูลยังเป็นรุ่นเก่า จึงบอกไม่ได้ว่าจะเปลี่ยนอะไร "
                  "(rongrian migrate แล้วตรวจอีกครั้ง)\n"
                  "The file is valid, but the database schema is older than this version: "
                  "run `rongrian migrate`, then check again to see what would change.")
            return 0
        _print_changes(done, check=True)
        return 0
    instance = default_instance_path()
    create_secrets(instance)
    settings = from_environment()
    engine = make_engine(settings.database_url)
    upgrade(engine)
    with make_session_factory(engine)() as session:
        try:
            done = apply_organisation(session, spec, actor=Actor(None, COMMAND_LINE),
                                      strength=settings.kdf_strength)
        except InvalidSubmission as exc:
            session.rollback()
            print("ข้อผิดพลาด: เปลี่ยนแปลงไม่ได้ ยังไม่ได้เปลี่ยนแปลงอะไร\n"
                  f"Error: the change breaks a rule ({exc.problems}); nothing was changed",
                  file=sys.stderr)
            return 2
        session.commit()
        notices_cli.ensure_key(instance, session)  # issue 9 §4: e-mail notices
    engine.dispose()
    _print_changes(done, check=False)
    _print_once(done)
    return 0


def register(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add ``setup --organisation FILE [--check]`` to the ``rongrian`` parser."""
    setup = sub.add_parser("setup", help="set up or update the agency from its organisation file")
    setup.add_argument("--organisation", required=True, metavar="FILE",
                       help="the organisation file (TOML; see examples/)")
    setup.add_argument("--check", action="store_true",
                       help="check the file and list what would change; change nothing")
    setup.set_defaults(func=cmd_setup)
