"""``rongrian desk import FILE.csv --officer USERNAME --out CODES.csv``: bulk intake (issue 8).

For an agency entering a backlog (a register of telephone calls, a pile of letters) at once.
Each row of the CSV (UTF-8, a header row; Excel's byte-order mark is accepted) is one
complaint taken down by ``--officer`` (who must have the intake-desk role), through the same
:func:`rongrian.intake.desk.take_down` as the desk page: same rules, same encryption, same audit
entry, no access for the officer afterwards.

Columns (:data:`COLUMNS`; only ``channel``, ``received_on``, ``category`` and ``what_happened``
are required): ``channel`` (phone, letter, walk_in, suggestion_box, referral), ``received_on``
(``YYYY-MM-DD``), ``backdating_reason``, ``referral_body`` (damrongdham, centre_1111, nacc,
other_agency), ``referral_reference``, ``referral_agency``, ``kind`` (default: the category's),
``category``, ``unit``, ``what_happened``, ``when_happened``, ``where_happened``,
``who_involved``, ``name``, ``phone``, ``email``, ``no_contact`` (``1``/``yes``/``ใช่`` for a
complaint with no way to reach its author).

All or nothing: every row is checked and filed in one transaction; any problem is reported with
its row number and column, in Thai and English, exit status 2, and nothing is filed. On success
the case numbers and tracking codes go to ``--out`` (created 0600, never overwritten: the codes
are shown nowhere else; hand them to the complainants and delete the file), one line per row in
input order, with an empty code for rows with no contact. Progress goes to standard error.
"""

import argparse
import csv
import os
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select

from rongrian.admin.staffing import account_named
from rongrian.intake.db import make_engine, make_session_factory
from rongrian.intake.desk import DeskIntake, DeskReceipt, Referral, take_down
from rongrian.intake.errors import InvalidSubmission
from rongrian.intake.models import Category
from rongrian.intake.store import Identity, Submission
from rongrian.settings import from_environment

COLUMNS = ("channel", "received_on", "backdating_reason", "referral_body", "referral_reference",
           "referral_agency", "kind", "category", "unit", "what_happened", "when_happened",
           "where_happened", "who_involved", "name", "phone", "email", "no_contact")
REQUIRED = ("channel", "received_on", "category", "what_happened")
_YES = {"1", "yes", "y", "true", "ใช่"}


class ImportRefused(Exception):
    """The file cannot be imported; ``problems`` are ``(row, column, th, en)``, row 1 being
    the header."""

    def __init__(self, problems: list[tuple[int, str, str, str]]) -> None:
        super().__init__(f"{len(problems)} problems")
        self.problems = problems


def _rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        unknown = [name for name in reader.fieldnames or [] if name not in COLUMNS]
        missing = [name for name in REQUIRED if name not in (reader.fieldnames or [])]
        if unknown or missing:
            raise ImportRefused(
                [(1, name, "ไม่รู้จักคอลัมน์นี้", "unknown column") for name in unknown]
                + [(1, name, "ไม่มีคอลัมน์ที่ต้องมี", "required column missing")
                   for name in missing])
        for number, row in enumerate(reader, start=2):
            yield number, {key: (value or "").strip() for key, value in row.items() if key}


def _intake(row: dict[str, str]) -> DeskIntake:
    """A row as :class:`DeskIntake`; raises ``ValueError`` for a date that is not a date."""
    identity = None
    if row.get("name"):
        identity = Identity(row["name"], row.get("phone", ""), row.get("email", ""))
    submission = Submission(
        kind=row.get("kind", ""), category_code=row.get("category", ""),
        unit_code=row.get("unit") or None, channel=row.get("channel", ""),
        what_happened=row.get("what_happened", ""), when_happened=row.get("when_happened", ""),
        where_happened=row.get("where_happened", ""), who_involved=row.get("who_involved", ""),
        identity=identity)
    referral = Referral(row.get("referral_body", ""), row.get("referral_reference", ""),
                        row.get("referral_agency", ""))
    return DeskIntake(submission, date.fromisoformat(row.get("received_on", "")),
                      row.get("backdating_reason", ""), referral,
                      row.get("no_contact", "").lower() in _YES)


def _problems_of(number: int, problems: dict[str, str]) -> list[tuple[int, str, str, str]]:
    return [(number, field, f"ไม่ถูกต้อง ({code})", f"not accepted ({code})")
            for field, code in problems.items()]


def import_rows(path: Path, officer_name: str) -> list[DeskReceipt]:
    """File every row of ``path`` as taken down by ``officer_name``, in one transaction.

    Raises :class:`ImportRefused` (nothing filed) for an unknown officer, one without the
    intake-desk role, a bad header or any row's problems (all of them).
    """
    settings = from_environment()
    factory = make_session_factory(make_engine(settings.database_url))
    with factory() as session:
        officer = account_named(session, officer_name)
        if officer is None or not officer.intake_desk:
            raise ImportRefused([(0, "--officer", "ไม่พบบัญชีนี้ หรือบัญชีนี้ไม่มีหน้าที่รับเรื่อง",
                                  "no such account, or it has no intake-desk role")])
        problems: list[tuple[int, str, str, str]] = []
        receipts: list[DeskReceipt] = []
        for number, row in _rows(path):
            if not row.get("kind"):  # as on the web form, the category's kind
                category = session.scalars(select(Category).where(
                    Category.code == row.get("category", ""))).first()
                row["kind"] = category.kind.value if category is not None else ""
            try:
                intake = _intake(row)
                # take_down adds nothing when it refuses a row: no savepoint is needed (and
                # pysqlite's would commit when it is the outermost one)
                receipts.append(take_down(session, settings.secrets.tracking_pepper, intake,
                                          officer=officer))
            except ValueError:
                problems.append((number, "received_on", "ไม่ใช่วันที่ (YYYY-MM-DD)",
                                 "not a date (YYYY-MM-DD)"))
            except InvalidSubmission as exc:
                problems.extend(_problems_of(number, exc.problems))
            if number % 50 == 0:
                print(f"ตรวจแล้ว {number - 1} แถว / {number - 1} rows checked", file=sys.stderr)
        if problems:
            session.rollback()
            raise ImportRefused(problems)
        session.commit()
    return receipts


def _write_codes(out: Path, receipts: list[DeskReceipt]) -> None:
    descriptor = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["case_number", "tracking_code"])
        for receipt in receipts:
            writer.writerow([receipt.case_number, receipt.tracking_code or ""])


def cmd_desk_import(args: argparse.Namespace) -> int:
    """Import ``args.file`` as ``args.officer``; codes to ``args.out``."""
    source, out = Path(args.file), Path(args.out)
    if not source.is_file():
        print(f"ข้อผิดพลาด: ไม่พบไฟล์ {source}\nError: no such file: {source}", file=sys.stderr)
        return 2
    if out.exists():
        print(f"ข้อผิดพลาด: มีไฟล์ {out} อยู่แล้ว ระบบไม่เขียนทับ\n"
              f"Error: {out} exists; it is never overwritten", file=sys.stderr)
        return 2
    try:
        receipts = import_rows(source, args.officer)
    except ImportRefused as exc:
        for row, column, th, en in exc.problems:
            print(f"แถว {row} คอลัมน์ {column}: {th} / row {row}, column {column}: {en}",
                  file=sys.stderr)
        print("ไม่ได้บันทึกเรื่องใดเลย / nothing was filed", file=sys.stderr)
        return 2
    _write_codes(out, receipts)
    when = datetime.now(UTC).date().isoformat()
    print(f"บันทึก {len(receipts)} เรื่อง รหัสติดตามอยู่ใน {out} (ส่งให้ผู้ร้องแล้วลบไฟล์) / "
          f"{len(receipts)} complaints filed on {when}; their codes are in {out} "
          "(hand them over, then delete the file)")
    return 0


def add_desk_commands(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add ``desk import`` to the ``rongrian`` parser."""
    desk = sub.add_parser("desk", help="the intake desk").add_subparsers(
        dest="desk_command", required=True)
    importing = desk.add_parser("import", help="file complaints from a CSV (all or nothing)")
    importing.add_argument("file", help="CSV, UTF-8, header row; see docs/intake-desk.md")
    importing.add_argument("--officer", required=True, help="desk officer's user name")
    importing.add_argument("--out", required=True, help="where the codes go (created 0600)")
    importing.set_defaults(func=cmd_desk_import)
