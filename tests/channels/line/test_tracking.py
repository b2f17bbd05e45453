"""Following a complaint in the chat, adding to it, notifications; LINE API faults."""

from dataclasses import replace

import pytest
from sqlalchemy import select
from werkzeug.test import Client

from rongrian.channels.line.runtime import LookupGate
from rongrian.intake.casework import change_status, open_case
from rongrian.intake.models import Complaint, NotificationSubscription, Status
from tests.channels.line import webhooks
from tests.channels.line.conftest import Line
from tests.channels.line.helpers import (
    counts,
    file_complaint_by_line,
    file_up_to_summary,
    jpeg_with_exif,
    receipt_of,
    send_photo,
)
from tests.channels.web.helpers import as_staff
from tests.conftest import PASSWORDS, csrf_token


def _complaint_id(line: Line, number: str) -> object:
    with line.demo.sessions() as session:
        return session.scalars(select(Complaint.id).where(Complaint.case_number == number)
                               ).one()


def test_track_then_code_shows_status_history_and_staff_replies(line: Line) -> None:
    user = webhooks.user_id()
    code, number = file_complaint_by_line(line, user)
    complaint_id = _complaint_id(line, number)
    as_staff(line.demo, "works", lambda s, u: change_status(s, u, complaint_id, Status.IN_PROGRESS,
                                                            "บันทึกภายใน"))
    from rongrian.intake.casework import reply as staff_reply

    as_staff(line.demo, "works", lambda s, u: staff_reply(s, u, complaint_id,
                                                          "กองช่างจะลอกท่อพรุ่งนี้"))
    asked = line.tap(user, "a=track")
    assert any("พิมพ์รหัสติดตามเรื่อง" in text for text in asked.texts)
    thread = "\n".join(line.say(user, code.lower().replace("-", " ")).texts)
    assert number in thread
    assert "อยู่ระหว่างดำเนินการ" in thread
    assert "กองช่างจะลอกท่อพรุ่งนี้" in thread
    assert "บันทึกภายใน" not in thread  # internal notes stay internal


def test_a_code_alone_is_looked_up(line: Line) -> None:
    user = webhooks.user_id()
    code, number = file_complaint_by_line(line, user)
    other = webhooks.user_id()  # anyone holding the code, from any LINE account
    assert any(number in text for text in line.say(other, code).texts)


@pytest.mark.parametrize(("typed", "answer"), [
    ("ABCD-EFGH-JKMN-PQRS", "ไม่พบเรื่องจากรหัสนี้"),
    ("ABCD-EFGH", "รหัสไม่ถูกต้อง"),
    ("รหัสของฉันหายไป", "รหัสไม่ถูกต้อง"),
])
def test_a_wrong_or_unknown_code_is_answered_and_asked_again(line: Line, typed: str,
                                                             answer: str) -> None:
    user = webhooks.user_id()
    line.tap(user, "a=track")
    reply = line.say(user, typed)
    assert any(answer in text for text in reply.texts)


def test_add_information_to_an_existing_complaint(line: Line) -> None:
    user = webhooks.user_id()
    code, number = file_complaint_by_line(line, user)
    asked = line.tap(user, f"a=add&c={code}")
    assert any(number in text for text in asked.texts)
    added = line.say(user, "ท่อแตกเพิ่มอีกจุดหน้าวัด")
    assert any("เพิ่มข้อมูลให้เรื่อง" in text for text in added.texts)
    other = webhooks.user_id()  # another user's photo starts their own draft, not added here
    photo = send_photo(line, other, jpeg_with_exif())
    assert any("รับรูปแล้ว (1/5)" in text
               for text in line.standin.reply_to(str(photo["replyToken"])).texts)
    line.say(other, "ยกเลิก")
    line.tap(user, f"a=add&c={code}")
    send_photo(line, user, jpeg_with_exif())
    assert counts(line.demo)["attachment"] == 1
    line.tap(user, "a=done")
    thread = "\n".join(line.say(user, code).texts)
    assert "ท่อแตกเพิ่มอีกจุดหน้าวัด" in thread
    complaint_id = _complaint_id(line, number)
    seen: list[str] = []
    as_staff(line.demo, "works", lambda s, u: seen.extend(
        e.text for e in open_case(s, u, complaint_id).entries))  # type: ignore[arg-type]
    assert "ท่อแตกเพิ่มอีกจุดหน้าวัด" in seen


def test_lookups_are_rate_limited_per_user(line: Line) -> None:
    line.channel.runtime.lookups = LookupGate("memory://", "3 per minute")
    user, other = webhooks.user_id(), webhooks.user_id()
    for _ in range(3):
        assert any("ไม่พบเรื่อง" in t for t in line.say(user, "ABCD-EFGH-JKMN-PQRS").texts)
    assert any("บ่อยเกินไป" in t for t in line.say(user, "ABCD-EFGH-JKMN-PQRS").texts)
    assert any("ไม่พบเรื่อง" in t for t in line.say(other, "ABCD-EFGH-JKMN-PQRS").texts)


def _staff_client(line: Line) -> Client:
    client = Client(line.server)
    page = client.get("/staff/login").get_data(as_text=True)
    response = client.post("/staff/login", data={
        "username": "works", "password": PASSWORDS["works"], "csrf_token": csrf_token(page)})
    assert response.status_code in {302, 303}
    return client


def _staff_post(client: Client, complaint_id: object, action: str, data: dict[str, str]
                ) -> None:
    page = client.get(f"/staff/cases/{complaint_id}").get_data(as_text=True)
    response = client.post(f"/staff/cases/{complaint_id}/{action}",
                           data={**data, "csrf_token": csrf_token(page)})
    assert response.status_code in {302, 303}, response.get_data(as_text=True)


def test_opted_in_complainant_gets_a_push_when_staff_act_and_not_after_opting_out(
        line: Line) -> None:
    user = webhooks.user_id()
    line.standin.languages[user] = "en"
    code, number = file_complaint_by_line(line, user)
    opted = line.tap(user, f"a=notify&v=on&c={code}")
    assert any("You will be told" in text for text in opted.texts)
    with line.demo.sessions() as session:
        row = session.scalars(select(NotificationSubscription)).one()
        assert user.encode() not in row.recipient
    complaint_id = _complaint_id(line, number)
    staff = _staff_client(line)
    _staff_post(staff, complaint_id, "status", {"status": "in_progress", "note": "ภายใน"})
    _staff_post(staff, complaint_id, "reply", {"text": "เราจะลอกท่อพรุ่งนี้"})
    line.wait()
    pushes = line.standin.pushes()
    assert [p.json()["to"] for p in pushes] == [user, user]
    assert any("status \"In progress\"" in t for t in pushes[0].texts)
    assert any("Staff replied on case " + number in t for t in pushes[1].texts)
    assert not any("เราจะลอกท่อ" in t or "ภายใน" in t for p in pushes for t in p.texts)

    stopped = line.tap(user, f"a=notify&v=off&c={code}")
    assert any("stopped" in text for text in stopped.texts)
    _staff_post(staff, complaint_id, "reply", {"text": "อีกข้อความ"})
    line.wait()
    assert len(line.standin.pushes()) == 2


def test_a_thread_offers_to_notify_or_to_stop(line: Line) -> None:
    user = webhooks.user_id()
    code, _number = file_complaint_by_line(line, user)

    def offered() -> list[str]:
        items = line.say(user, code).json()["messages"][-1]["quickReply"]["items"]
        return [item["action"]["data"] for item in items]

    assert f"a=notify&v=on&c={code}" in offered()
    line.tap(user, f"a=notify&v=on&c={code}")
    assert f"a=notify&v=off&c={code}" in offered()


def test_a_push_answered_429_then_500_is_retried_and_delivered_once(line: Line) -> None:
    user = webhooks.user_id()
    code, number = file_complaint_by_line(line, user)
    line.tap(user, f"a=notify&v=on&c={code}")
    line.standin.fail_next("/v2/bot/message/push", 429)
    line.standin.fail_next("/v2/bot/message/push", 500)
    complaint_id = _complaint_id(line, number)
    staff = _staff_client(line)
    _staff_post(staff, complaint_id, "status", {"status": "screening", "note": ""})
    line.wait()
    attempts = line.standin.recorded("/v2/bot/message/push")
    assert [a.status for a in attempts] == [429, 500, 200]
    assert len({a.headers["X-Line-Retry-Key"] for a in attempts}) == 1


def test_a_reply_answered_429_and_500_is_retried(line: Line) -> None:
    user = webhooks.user_id()
    line.standin.fail_next("/v2/bot/message/reply", 429)
    line.standin.fail_next("/v2/bot/message/reply", 500)
    reply = line.tap(user, "a=file")
    assert any("เล่าสั้น ๆ ว่าเกิดอะไรขึ้น" in text for text in reply.texts)
    assert [c.status for c in line.standin.recorded("/v2/bot/message/reply")] == [429, 500, 200]


def test_an_expired_reply_token_falls_back_to_a_push(line: Line) -> None:
    user = webhooks.user_id()
    file_up_to_summary(line, user)
    line.standin.expire_replies = True
    confirm = webhooks.postback(user, "a=confirm")
    line.send(confirm)
    pushes = line.standin.pushes()
    assert [p.json()["to"] for p in pushes] == [user]
    receipt_of(pushes[0])


def test_without_push_fallback_the_receipt_waits_for_the_next_message(line: Line) -> None:
    line.channel.runtime.settings = replace(line.settings, line_push_fallback=False)
    user = webhooks.user_id()
    file_up_to_summary(line, user)
    line.standin.expire_replies = True
    line.send(webhooks.postback(user, "a=confirm"))
    assert line.standin.pushes() == []
    assert counts(line.demo)["line_conversation"] == 1  # only the undelivered receipt
    line.standin.expire_replies = False
    again = line.say(user, "สวัสดี")
    assert any("ส่งให้อีกครั้ง" in text for text in again.texts)
    code, _number = receipt_of(again)
    assert any(code in text for text in again.texts)
    assert counts(line.demo)["line_conversation"] == 0


def test_an_expired_token_for_an_ordinary_answer_is_dropped_quietly(line: Line) -> None:
    line.channel.runtime.settings = replace(line.settings, line_push_fallback=False)
    user = webhooks.user_id()
    line.standin.expire_replies = True
    line.send(webhooks.postback(user, "a=file"))
    assert line.standin.pushes() == []
    assert counts(line.demo)["line_conversation"] == 1  # the draft goes on
    line.standin.expire_replies = False
    assert any("เล่าสั้น ๆ" in t for t in line.tap(user, "a=kind&v=nonsense").texts)
