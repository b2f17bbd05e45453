"""DESIGN.md promise 1: a copy of the database and the instance folder reveals no complaint text,
no identity and no tracking code.

Complaints are filed through the domain API and through the public web form (with its CSRF
token), information is added and staff reply; then every column of every table is read raw, the
SQLite file (with its -wal/-shm) is read byte by byte after a checkpoint, and every file of the
instance folder too. Each secret is looked for as UTF-8, lower case, hex, base64 and JSON-escaped.
The same search must find what is stored in clear by design (the case number, a staff member's
display name), so it can fail.
"""

import base64
import json
import logging
import re
import secrets
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine, inspect, select, text
from sqlalchemy.orm import Session

from rongrian.crypto.keys import X25519PrivateKey
from rongrian.intake.casework import change_status, reply
from rongrian.intake.models import Complaint, StaffAccount, Status
from rongrian.intake.store import Identity, add_information, file_complaint
from rongrian.intake.tracking_codes import normalise
from rongrian.settings import Settings
from tests.conftest import Demo, SmtpSink, csrf_token
from tests.intake.helpers import submission, unlock

_HEX_TO_THAI = str.maketrans("0123456789abcdef", "กขคงจฉชซฌญฎฏฐฑฒณ")
#: A filing time whose time of day must not be stored in clear (dates are day resolution).
FILED_AT = datetime(2026, 11, 2, 13, 47, 29, tzinfo=UTC)


def _thai_word() -> str:
    """A Thai 'word' no other test run will ever write."""
    return uuid.uuid4().hex[:12].translate(_HEX_TO_THAI)


def _phone() -> str:
    return "08" + "".join(secrets.choice("0123456789") for _ in range(8))


@dataclass
class Secrets:
    """Everything that must never be readable at rest, by a name for the failure message."""

    values: dict[str, str] = field(default_factory=dict)

    def add(self, name: str, value: str) -> str:
        self.values[name] = value
        return value

    def sentence(self, name: str, topic: str) -> str:
        """A unique Thai sentence; its unique word and reference are secrets on their own too,
        so a stored fragment is caught as well as the whole."""
        word, reference = _thai_word(), uuid.uuid4().hex
        self.add(f"{name} (unique word)", word)
        self.add(f"{name} (reference)", reference)
        return self.add(name, f"{topic} {word} เกิดขึ้นที่ตลาดสดเทศบาล อ้างอิง {reference}")

    def add_code(self, name: str, grouped: str) -> None:
        self.add(f"{name} (grouped)", grouped)
        self.add(f"{name} (compact)", normalise(grouped))

    def identity(self, name: str) -> Identity:
        token = _thai_word()
        return Identity(
            name=self.add(f"{name} name", f"นางสาว{token} ใจสู้"),
            phone=self.add(f"{name} phone", _phone()),
            email=self.add(f"{name} email", f"whistle.{uuid.uuid4().hex[:10]}@example.org"),
        )


def _forms(value: str) -> Iterator[bytes]:
    """The ways a text could sit in storage."""
    raw = value.encode("utf-8")
    yield raw
    yield value.lower().encode("utf-8")
    yield raw.hex().encode("ascii")
    yield raw.hex().upper().encode("ascii")
    yield base64.b64encode(raw)
    yield json.dumps(value).encode("ascii")[1:-1]  # \u0e01-escaped Thai


def _as_bytes(value: object) -> bytes:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    return str(value).encode("utf-8")


def database_columns(engine: Engine) -> dict[str, bytes]:
    """``table.column`` → every value of that column, raw from the driver, joined."""
    tables = inspect(engine).get_table_names()
    assert {"complaint", "case_event", "complaint_key", "staff_account"} <= set(tables)
    found: dict[str, bytes] = {}
    with engine.connect() as conn:
        for table in tables:
            result = conn.execute(text(f'SELECT * FROM "{table}"'))  # noqa: S608 - own names
            columns = list(result.keys())
            chunks: dict[str, list[bytes]] = {column: [] for column in columns}
            for row in result:
                for column, value in zip(columns, row, strict=True):
                    chunks[column].append(_as_bytes(value))
            for column, values in chunks.items():
                found[f"{table}.{column}"] = b"\x00".join(values)
    return found


def sqlite_files(engine: Engine) -> dict[str, bytes]:
    """The database file and its -wal/-shm after a checkpoint (empty for PostgreSQL)."""
    if engine.dialect.name != "sqlite":
        return {}
    with engine.connect() as conn:
        busy, _log, _done = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
    assert busy == 0
    path = Path(engine.url.database or "")
    files = {str(p): p.read_bytes()
             for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()}
    assert files[str(path)]
    return files


def instance_files(instance: Path) -> dict[str, bytes]:
    found = {str(p): p.read_bytes() for p in instance.rglob("*") if p.is_file()}
    assert found, "the instance folder holds at least secrets.json"
    return found


def leaks(secret_values: dict[str, str], sources: dict[str, bytes]) -> list[tuple[str, str]]:
    """(secret name, where) for every secret readable in any source."""
    return sorted(
        (name, where)
        for name, value in secret_values.items()
        for where, blob in sources.items()
        if any(form in blob for form in _forms(value))
    )


# --- filing -------------------------------------------------------------------------------

def _file_through_the_api(session: Session, pepper: bytes, kept: Secrets) -> list[str]:
    named = file_complaint(session, pepper, submission(
        unit_code="WORKS",
        what_happened=kept.sentence("api named: what happened", "ถนนทรุดเพราะรับเหมาโกง"),
        where_happened=kept.add("api named: where", f"ซอย{_thai_word()}"),
        who_involved=kept.add("api named: who", f"ผู้รับเหมา{_thai_word()}"),
        identity=kept.identity("api named"),
    ), now=FILED_AT)
    anonymous = file_complaint(session, pepper, submission(
        category_code="corruption", kind="tip",
        what_happened=kept.sentence("api anonymous: what happened", "หัวหน้ากองเรียกรับเงินใต้โต๊ะ"),
    ), now=FILED_AT)
    kept.add_code("api named code", named.tracking_code)
    kept.add_code("api anonymous code", anonymous.tracking_code)
    add_information(session, pepper, named.tracking_code,
                    kept.sentence("api information", "มีรูปถ่ายหลักฐานเพิ่มเติม"),
                    now=FILED_AT)
    works = unlock(session, "works")
    change_status(session, works, named.complaint_id, Status.IN_PROGRESS,
                  kept.sentence("api internal note", "บันทึกภายในห้ามเปิดเผย"), now=FILED_AT)
    reply(session, works, named.complaint_id,
          kept.sentence("api staff reply", "กองช่างจะซ่อมถนนภายในสัปดาห์นี้"), now=FILED_AT)
    integrity = unlock(session, "integrity")
    reply(session, integrity, anonymous.complaint_id,
          kept.sentence("api custodian reply", "รับแจ้งเบาะแสแล้ว"), now=FILED_AT)
    session.commit()
    return [named.case_number, anonymous.case_number]


_RECEIPT_CODE = re.compile(r'id="tracking-code">\s*([^<\s]+)\s*<')
_RECEIPT_NUMBER = re.compile(r'id="case-number">\s*([^<\s]+)\s*<')


def _file_through_the_web(client: FlaskClient, session: Session, kept: Secrets) -> list[str]:
    numbers = []
    for label, identity in (("web named", kept.identity("web named")), ("web anonymous", None)):
        form = {
            "csrf_token": csrf_token(client.get("/report").get_data(as_text=True)),
            "kind": "complaint", "category": "general", "unit": "", "channel": "web",
            "what_happened": kept.sentence(f"{label}: what happened", "เจ้าหน้าที่ไม่ยอมรับคำร้อง"),
            "when_happened": "เมื่อวานนี้",
            "where_happened": kept.add(f"{label}: where", f"หมู่บ้าน{_thai_word()}"),
            "who_involved": kept.add(f"{label}: who", f"นาย{_thai_word()}"),
            "identity": "named" if identity else "anonymous",
            "name": identity.name if identity else "",
            "phone": identity.phone if identity else "",
            "email": identity.email if identity else "",
        }
        response = client.post("/report", data=form)
        page = response.get_data(as_text=True)
        assert response.status_code == 200, page
        code_match, number_match = _RECEIPT_CODE.search(page), _RECEIPT_NUMBER.search(page)
        assert code_match
        assert number_match
        code = code_match.group(1)
        kept.add_code(f"{label} code", code)
        numbers.append(number_match.group(1))

        thread = client.post("/track", data={
            "csrf_token": csrf_token(client.get("/track").get_data(as_text=True)), "code": code})
        assert thread.status_code == 200
        information = kept.sentence(f"{label}: information", "ขอเพิ่มข้อมูลผ่านเว็บ")
        added = client.post("/track/information", data={
            "csrf_token": csrf_token(thread.get_data(as_text=True)), "code": code,
            "information": information})
        assert added.status_code == 200
        assert information in added.get_data(as_text=True)

        complaint = session.scalars(
            select(Complaint).where(Complaint.case_number == number_match.group(1))).one()
        reply(session, unlock(session, "palad"), complaint.id,
              kept.sentence(f"{label}: staff reply", "สำนักปลัดตอบกลับทางเว็บ"))
        session.commit()
        replied = client.post("/track", data={
            "csrf_token": csrf_token(client.get("/track").get_data(as_text=True)), "code": code})
        assert kept.values[f"{label}: staff reply"] in replied.get_data(as_text=True)
    return numbers


# --- the test -----------------------------------------------------------------------------

def test_nothing_readable_at_rest(demo: Demo, engine: Engine, settings: Settings,
                                 public_client: FlaskClient,
                                 caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    kept = Secrets()
    with demo.sessions() as session:
        case_numbers = _file_through_the_api(session, settings.secrets.tracking_pepper, kept)
        case_numbers += _file_through_the_web(public_client, session, kept)
        # Stored in clear by design: the search below must find it (the test can fail).
        marker = f"เจ้าหน้าที่{_thai_word()}"
        session.scalars(select(StaffAccount).where(StaffAccount.username == "palad")
                        ).one().display_name = marker
        session.commit()
    assert len(kept.values) == 56
    clock_time = FILED_AT.strftime("%H:%M:%S")

    columns = database_columns(engine)
    files = sqlite_files(engine)
    instance = instance_files(settings.instance_path)
    logs = {"log records": caplog.text.encode("utf-8")}

    assert leaks(kept.values, columns) == []
    assert leaks(kept.values, files) == []
    assert leaks(kept.values, instance) == []
    assert leaks(kept.values, logs) == []
    complaint_columns = {where: blob for where, blob in columns.items()
                         if where.split(".")[0] in {"complaint", "case_event"}}
    assert leaks({"time of day": clock_time}, complaint_columns) == []

    # The same search finds what is in clear by design.
    clear = {f"case number {n}": n for n in case_numbers} | {"display name": marker}
    assert {name for name, _where in leaks(clear, columns)} == set(clear)
    assert ("display name", "staff_account.display_name") in leaks(clear, columns)
    if files:
        assert {name for name, _where in leaks(clear, files)} == set(clear)


def test_the_search_finds_plaintext_wherever_it_sits(tmp_path: Path) -> None:
    kept = Secrets()
    sentence = kept.sentence("sentence", "ทดสอบ")
    code = "ABCD-EFGH-JKMN-PQRS"
    kept.add_code("code", code)
    for stored in (sentence.encode(), sentence.encode().hex().encode(),
                   base64.b64encode(sentence.encode()), json.dumps({"t": sentence}).encode(),
                   code.lower().encode(), b"xx" + normalise(code).encode() + b"yy"):
        assert leaks(kept.values, {"blob": b"\x01" + stored + b"\x02"}) != []
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "note.txt").write_text(sentence, encoding="utf-8")
    note = str(tmp_path / "sub" / "note.txt")
    assert leaks(kept.values, instance_files(tmp_path)) == [
        ("sentence", note), ("sentence (reference)", note), ("sentence (unique word)", note)]


# --- attachments (issue 3) ----------------------------------------------------------------

def _pdf_with(body: str, author: str) -> bytes:
    """A one-page PDF showing ``body`` (ASCII), written by ``author``, uncompressed so that
    the plaintext search would see both if they were stored as they are."""
    import io

    import pikepdf

    pdf = pikepdf.Pdf.new()
    page = pdf.add_blank_page()
    pdf.docinfo["/Author"] = author
    page.Contents = pdf.make_stream(f"BT 20 100 Td ({body}) Tj ET".encode("ascii"))
    out = io.BytesIO()
    pdf.save(out, compress_streams=False)
    return out.getvalue()


def test_attachments_are_unreadable_at_rest(demo: Demo, engine: Engine, settings: Settings,
                                            public_client: FlaskClient) -> None:
    """Files filed through the form: neither their content, their metadata nor their names
    can be read in the database, the SQLite files or the instance folder (attachments/ is in
    it); the same search finds them in what was uploaded."""
    import io

    kept = Secrets()
    body = kept.add("attachment body", f"Evidence {uuid.uuid4().hex} paid in cash")
    author = kept.add("attachment author", f"Author {uuid.uuid4().hex}")
    name = kept.add("attachment file name", f"บ้าน{_thai_word()}.pdf")
    upload = _pdf_with(body, author)
    assert {found for found, _where in leaks(kept.values, {"upload": upload + name.encode()})
            } == set(kept.values)
    response = public_client.post("/report", data={
        "csrf_token": csrf_token(public_client.get("/report").get_data(as_text=True)),
        "kind": "complaint", "category": "general", "unit": "WORKS", "channel": "web",
        "what_happened": kept.sentence("attachment complaint", "มีเอกสารแนบ"),
        "identity": "anonymous", "attachments": [(io.BytesIO(upload), name)],
    }, content_type="multipart/form-data")
    assert response.status_code == 200, response.get_data(as_text=True)
    stored = list(settings.attachments_dir.iterdir())
    assert len(stored) == 1
    # What the cleaner makes of the upload (qpdf recompresses, so the words above would not
    # show in a cleaned file stored in clear): 32-byte pieces of it must not be on disk either.
    from rongrian.channels.files import clean_upload

    with clean_upload(io.BytesIO(upload), max_bytes=len(upload)) as cleaned:
        plain = cleaned.stream.read()
    pieces = [plain[i:i + 32] for i in range(0, len(plain) - 32, 16)]
    assert any(piece in plain for piece in pieces)
    assert [piece for piece in pieces if piece in stored[0].read_bytes()] == []
    assert leaks(kept.values, database_columns(engine)) == []
    assert leaks(kept.values, sqlite_files(engine)) == []
    assert leaks(kept.values, instance_files(settings.instance_path)) == []


# --- e-mail notices (issue 9 §4) ----------------------------------------------------------

def test_notice_addresses_are_unreadable_at_rest(demo: Demo, engine: Engine, settings: Settings,
                                                 public_client: FlaskClient,
                                                 notifier_key: X25519PrivateKey,
                                                 smtp_server: SmtpSink,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    """Addresses left for notices on the form and on /track, after staff acted and the worker
    sent the notices: not in any column, the SQLite files, the instance folder (which holds the
    notifier key) or the logs; the same search finds them in the mail that was sent."""
    from rongrian.admin.notices_cli import send_waiting

    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("RONGRIAN_SMTP_HOST", smtp_server.host)
    monkeypatch.setenv("RONGRIAN_SMTP_FROM", "rongrian@example.go.th")
    kept = Secrets()
    on_form = kept.add("address on the form", f"form.{uuid.uuid4().hex[:10]}@example.org")
    on_track = kept.add("address on /track", f"track.{uuid.uuid4().hex[:10]}@example.org")
    response = public_client.post("/report", data={
        "csrf_token": csrf_token(public_client.get("/report").get_data(as_text=True)),
        "kind": "complaint", "category": "general", "unit": "WORKS", "channel": "web",
        "what_happened": kept.sentence("notice complaint", "ท่อระบายน้ำอุดตัน"),
        "identity": "anonymous", "notice_email": on_form})
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    number = _RECEIPT_NUMBER.search(page)
    assert number
    with demo.sessions() as session:
        filed = file_complaint(session, settings.secrets.tracking_pepper, submission(
            unit_code="WORKS", what_happened=kept.sentence("second", "ไฟถนนดับ")), now=FILED_AT)
        session.commit()
    thread = public_client.post("/track", data={
        "csrf_token": csrf_token(public_client.get("/track").get_data(as_text=True)),
        "code": filed.tracking_code}).get_data(as_text=True)
    opted = public_client.post("/track/notices", data={
        "csrf_token": csrf_token(thread.split('id="notices"')[1]), "code": filed.tracking_code,
        "action": "on", "notice_email": on_track})
    assert opted.status_code == 200
    with demo.sessions() as session:
        first = session.scalars(select(Complaint.id).where(
            Complaint.case_number == number.group(1))).one()
        works = unlock(session, "works")
        for complaint_id in (first, filed.complaint_id):
            change_status(session, works, complaint_id, Status.IN_PROGRESS, "", now=FILED_AT)
        session.commit()

    assert leaks(kept.values, database_columns(engine)) == []  # waiting to be sent
    run = send_waiting(demo.sessions, notifier_key, smtp_server.mail_settings(),
                       settings.public_base_url)
    assert run.sent == 2
    # The relay sees the address, necessarily: its own log ("mail.log", aiosmtpd) is left out.
    ours = "\n".join(record.getMessage() for record in caplog.records
                     if record.name != "mail.log")
    for source in (database_columns(engine), sqlite_files(engine),
                   instance_files(settings.instance_path),
                   {"log records": ours.encode("utf-8")}):
        assert leaks(kept.values, source) == []
    mails = {"mail": b"\n".join(m.as_bytes() for m in smtp_server.messages)}
    assert {name for name, _where in leaks(kept.values, mails)} == {
        "address on the form", "address on /track"}
