"""The LINE channel's promise: no LINE user id and no chat text in clear, at rest or in a log.

A whole conversation is played through signed webhooks (follow; filing with two photos and a
location; confirm; track; opt in; staff change the status and reply through the staff app; the
push arrives at the stand-in; a second user files with name and phone and cancels a draft),
with every logger at DEBUG. Then every column of every table is read raw, the SQLite files byte
by byte, every file of the instance folder (encrypted attachments included) and every log
record, looking for each user id and each text typed (as UTF-8, hex, base64, JSON-escaped).
The same search must find what is in clear by design (the case numbers), so it can fail.
"""

import logging
import uuid

import pytest
from sqlalchemy import Engine, select
from werkzeug.test import Client

from rongrian.intake.models import Complaint
from tests.channels.line import webhooks
from tests.channels.line.conftest import Line
from tests.channels.line.helpers import jpeg_with_exif, receipt_of, send_photo
from tests.conftest import PASSWORDS, csrf_token
from tests.test_no_plaintext_at_rest import (
    Secrets,
    database_columns,
    instance_files,
    leaks,
    sqlite_files,
)


def _staff_acts(line: Line, case_number: str, reply_text: str) -> None:
    with line.demo.sessions() as session:
        complaint_id = session.scalars(
            select(Complaint.id).where(Complaint.case_number == case_number)).one()
    client = Client(line.server)
    page = client.get("/staff/login").get_data(as_text=True)
    client.post("/staff/login", data={"username": "works", "password": PASSWORDS["works"],
                                      "csrf_token": csrf_token(page)})
    for action, data in (("status", {"status": "in_progress", "note": ""}),
                         ("reply", {"text": reply_text})):
        page = client.get(f"/staff/cases/{complaint_id}").get_data(as_text=True)
        response = client.post(f"/staff/cases/{complaint_id}/{action}",
                               data={**data, "csrf_token": csrf_token(page)})
        assert response.status_code in {302, 303}


def _anonymous_conversation(line: Line, kept: Secrets) -> str:
    user = kept.add("first user id", webhooks.user_id())
    line.send(webhooks.follow(user))
    # Issue 12: the photo and the place come first, starting the draft (kept encrypted).
    send_photo(line, user, jpeg_with_exif((10, 200, 10)))
    place = kept.sentence("location title", "ร้านค้า")
    line.send(webhooks.location(user, title=place, address=kept.add(
        "location address", f"ถนน{uuid.uuid4().hex[:8]}"), latitude=14.123457,
        longitude=101.765433))
    kept.add("latitude", "14.123457")
    kept.add("longitude", "101.765433")
    line.say(user, kept.sentence("first message", "ท่อระบายน้ำอุดตัน"))
    line.say(user, kept.sentence("second message", "น้ำท่วมขังหน้าบ้าน"))
    send_photo(line, user, jpeg_with_exif((10, 10, 200)))
    line.tap(user, "a=cat&v=general")
    line.tap(user, "a=edit")
    line.tap(user, "a=field&v=unit")
    line.tap(user, "a=unit&v=WORKS")
    code, number = receipt_of(line.tap(user, "a=confirm"))
    kept.add_code("first code", code)
    line.tap(user, "a=track")
    assert any(number in text for text in line.say(user, code).texts)
    line.tap(user, f"a=notify&v=on&c={code}")
    line.tap(user, f"a=add&c={code}")
    line.say(user, kept.sentence("added information", "มีคนเห็นเหตุการณ์อีก"))
    _staff_acts(line, number, kept.sentence("staff reply", "กองช่างจะลอกท่อ"))
    line.wait()
    assert [push.json()["to"] for push in line.standin.pushes()] == [user, user]
    return number


def _named_conversation(line: Line, kept: Secrets) -> str:
    user = kept.add("second user id", webhooks.user_id())
    line.say(user, "แจ้งเบาะแส")
    line.say(user, kept.sentence("tip", "หัวหน้ากองเรียกรับเงิน"))
    line.say(user, kept.sentence("tip place", "ห้องประชุม"))
    line.tap(user, "a=cat&v=corruption")
    line.tap(user, "a=named")
    line.say(user, kept.add("name", f"นางสาว{uuid.uuid4().hex[:6]} ใจกล้า"))
    line.say(user, kept.add("phone", "0891234567"))
    _code, number = receipt_of(line.tap(user, "a=confirm"))
    kept.add_code("second code", _code)
    # A draft cancelled half-way leaves nothing either.
    line.say(user, kept.sentence("cancelled draft", "ร่างที่ยกเลิก"))
    line.tap(user, "a=skip")
    line.say(user, "ยกเลิก")
    return number


def test_no_user_id_and_no_chat_text_in_the_database_files_or_logs(
        line: Line, engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    for name in ("urllib3", "linebot", "werkzeug", "rongrian", "sqlalchemy.engine"):
        caplog.set_level(logging.DEBUG, logger=name)  # restored after the test
    kept = Secrets()
    numbers = [_anonymous_conversation(line, kept), _named_conversation(line, kept)]
    line.wait()

    columns = database_columns(engine)
    files = sqlite_files(engine)
    instance = instance_files(line.settings.instance_path)
    logs = {"log records": caplog.text.encode("utf-8")}
    assert len(caplog.records) > 50  # the logs were really captured (SQL at DEBUG, …)

    assert leaks(kept.values, columns) == []
    assert leaks(kept.values, files) == []
    assert leaks(kept.values, instance) == []
    assert leaks(kept.values, logs) == []

    clear = {f"case number {n}": n for n in numbers}
    assert {name for name, _where in leaks(clear, columns)} == set(clear)
    # The stand-in saw what LINE sees: the search finds the user ids and texts there.
    seen_by_line = {"stand-in": b"\n".join(c.body + repr(c.path).encode()
                                          for c in line.standin.calls)}
    found = {name for name, _where in leaks(kept.values, seen_by_line)}
    assert {"first user id", "second user id", "staff reply"} - found == {"staff reply"}
