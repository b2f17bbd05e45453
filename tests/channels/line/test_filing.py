"""Filing through the LINE chat: welcome, the questions, photos, summary, confirm, edit, cancel."""

import io
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import select

from rongrian.intake.attachments import list_attachments, open_attachment
from rongrian.intake.casework import open_case
from rongrian.intake.models import Channel, Complaint, Kind, LineConversation
from tests.channels.line import webhooks
from tests.channels.line.conftest import Line
from tests.channels.line.helpers import (
    CAMERA,
    counts,
    file_complaint_by_line,
    file_up_to_summary,
    jpeg_with_exif,
    receipt_of,
    send_photo,
)
from tests.intake.helpers import unlock

EMPTY = {"line_conversation": 0, "line_draft_photo": 0}


def _line_rows(line: Line) -> dict[str, int]:
    found = counts(line.demo)
    return {name: found[name] for name in EMPTY}


def test_follow_gets_a_welcome_and_an_honest_privacy_note_and_nothing_is_kept(line: Line
                                                                               ) -> None:
    user = webhooks.user_id()
    event = webhooks.follow(user)
    line.send(event)
    texts = "\n".join(line.standin.reply_to(event["replyToken"]).texts)
    assert "เทศบาลตำบลร่มเย็น" in texts
    assert "LINE เองมองเห็นทุกข้อความ" in texts
    assert "https://report.example.go.th/report" in texts
    assert "ลบเมื่อส่ง ยกเลิก หรือไม่มีการใช้งาน 24 ชั่วโมง" in texts
    assert _line_rows(line) == EMPTY


def test_a_greeting_that_says_it_wants_to_file_starts_filing_after_the_privacy_note(
        line: Line) -> None:
    reply = line.say(webhooks.user_id(), "สวัสดีครับ มีเรื่องจะแจ้ง")
    assert "LINE มองเห็นข้อความในแชทนี้" in reply.texts[0]
    assert "https://report.example.go.th/report" in reply.texts[0]
    assert any("เล่าสั้น ๆ ว่าเกิดอะไรขึ้น" in text for text in reply.texts[1:])
    types = [item["action"]["type"] for item in
             reply.json()["messages"][-1]["quickReply"]["items"]]
    assert types[:3] == ["location", "camera", "cameraRoll"]
    assert _line_rows(line)["line_conversation"] == 1
    with line.demo.sessions() as session:  # the greeting is not taken as the description
        assert session.scalars(select(LineConversation)).one()


def test_a_bare_greeting_gets_the_welcome_and_nothing_is_kept(line: Line) -> None:
    reply = line.say(webhooks.user_id(), "สวัสดี")
    assert any("LINE เองมองเห็น" in text for text in reply.texts)
    assert _line_rows(line) == EMPTY


def test_a_user_whose_line_is_in_english_is_answered_in_english(line: Line) -> None:
    user = webhooks.user_id()
    line.standin.languages[user] = "en"
    reply = line.tap(user, "a=file")
    assert any("Tell us in a few words what happened" in text for text in reply.texts)
    assert any("LINE sees what is typed" in text for text in reply.texts)


def test_whole_filing_with_two_photos_and_a_location(line: Line) -> None:
    user = webhooks.user_id()
    asked = line.tap(user, "a=file")
    assert any("เล่าสั้น ๆ ว่าเกิดอะไรขึ้น" in text for text in asked.texts)
    where = line.say(user, "ท่อระบายน้ำหน้าโรงเรียนอุดตัน")
    assert any(item["action"]["type"] == "location"
               for item in where.json()["messages"][-1]["quickReply"]["items"])
    located = webhooks.location(user, title="โรงเรียนบ้านร่มเย็น", address="หมู่ 4 ต.ร่มเย็น")
    line.send(located)
    category = line.standin.reply_to(located["replyToken"])
    assert any("ดูเหมือนเรื่อง" in t or "เกี่ยวกับอะไร" in t for t in category.texts)
    second = line.say(user, "น้ำท่วมขังสามวันแล้ว")
    assert any("เพิ่มข้อความนี้ในรายละเอียดแล้ว" in text for text in second.texts)
    for colour in ((200, 0, 0), (0, 0, 200)):
        send_photo(line, user, jpeg_with_exif(colour))
    assert _line_rows(line)["line_draft_photo"] == 2
    line.tap(user, "a=cat&v=general")
    line.tap(user, "a=edit")
    line.tap(user, "a=field&v=unit")
    summary = line.tap(user, "a=unit&v=WORKS")
    flex = summary.json()["messages"][0]
    assert flex["type"] == "flex"
    shown = summary.texts
    assert "กองช่าง" in shown
    assert "2 รูป" in shown
    assert "ไม่ระบุตัวตน" in shown  # anonymous unless the citizen chooses otherwise
    assert any("โรงเรียนบ้านร่มเย็น" in text for text in shown)
    assert [b["action"]["data"] for b in flex["contents"]["footer"]["contents"]] == [
        "a=confirm", "a=named", "a=edit", "a=cancel"]

    receipt = line.tap(user, "a=confirm")
    code, number = receipt_of(receipt)
    assert any(f"https://report.example.go.th/track#{code}" in text for text in receipt.texts)
    assert code in receipt.texts  # the bare code, easy to copy
    assert _line_rows(line) == EMPTY
    with line.demo.sessions() as session:
        complaint = session.scalars(select(Complaint).where(Complaint.case_number == number)
                                    ).one()
        assert (complaint.channel, complaint.kind) == (Channel.LINE, Kind.GRIEVANCE)
        works = unlock(session, "works")
        detail = open_case(session, works, complaint.id)
        assert detail.what_happened == "ท่อระบายน้ำหน้าโรงเรียนอุดตัน\n\nน้ำท่วมขังสามวันแล้ว"
        assert "โรงเรียนบ้านร่มเย็น" in detail.where_happened
        assert "13.756300, 100.501800" in detail.where_happened
        files = list_attachments(session, works, complaint.id)
        assert [f.media_type for f in files] == ["image/jpeg", "image/jpeg"]
        for info in files:
            opened = open_attachment(session, works, complaint.id, info.id,
                                     line.settings.attachments_dir)
            data = b"".join(opened.chunks())
            assert CAMERA.encode() not in data
            assert not Image.open(io.BytesIO(data)).getexif()


def test_typed_answers_work_like_the_buttons(line: Line) -> None:
    user = webhooks.user_id()
    line.say(user, "แจ้งเบาะแส")
    line.say(user, "เก็บค่าขยะเกินอัตรา")
    line.say(user, "ตลาดสด")
    line.say(user, "การใช้อำนาจโดยมิชอบและเรื่องบุคลากร")
    line.say(user, "ระบุชื่อและเบอร์ติดต่อ")
    line.say(user, "สมศรี มีสุข")
    line.say(user, "081-234-5678")
    summary = line.say(user, "ยืนยัน")
    _code, number = receipt_of(summary)
    with line.demo.sessions() as session:
        complaint = session.scalars(select(Complaint).where(Complaint.case_number == number)
                                    ).one()
        assert complaint.kind == Kind.TIP
        assert complaint.unit.code == "AUDIT"


def test_a_wrong_typed_answer_asks_again_with_the_buttons(line: Line) -> None:
    user = webhooks.user_id()
    file_up_to_summary(line, user, unit="")
    line.tap(user, "a=edit")
    line.tap(user, "a=field&v=unit")
    reply = line.say(user, "ไม่รู้จะเลือกอะไร")
    assert any("ไม่เข้าใจคำตอบ" in text for text in reply.texts)
    assert "quickReply" in reply.json()["messages"][-1]


def test_a_bad_phone_number_is_asked_again(line: Line) -> None:
    user = webhooks.user_id()
    file_up_to_summary(line, user, what="เรื่องทดสอบ", unit="")
    line.tap(user, "a=named")
    line.say(user, "สมชาย")
    reply = line.say(user, "โทรหาได้ตอนเย็น")
    assert any("เบอร์โทรศัพท์ไม่ถูกต้อง" in text for text in reply.texts)
    summary = line.say(user, "0812345678")
    assert "สมชาย 0812345678" in summary.texts


CANCEL_AFTER = [
    ["a=file"],
    ["photo"],
    ["text"],
    ["a=file", "text", "a=skip"],
    ["a=file", "text", "photo", "a=skip", "a=tip"],
    ["text", "a=skip", "photo", "a=tip", "a=cat&v=corruption", "a=named"],
]


@pytest.mark.parametrize("steps", CANCEL_AFTER)
@pytest.mark.parametrize("how", ["typed", "button"])
def test_cancel_at_any_step_deletes_the_draft_and_its_photos(line: Line, steps: list[str],
                                                            how: str) -> None:
    user = webhooks.user_id()
    for step in steps:
        if step == "text":
            line.say(user, "หัวหน้ากองเรียกรับเงิน")
        elif step == "photo":
            send_photo(line, user, jpeg_with_exif())
        else:
            line.tap(user, step)
    assert _line_rows(line)["line_conversation"] == 1
    reply = line.say(user, "ยกเลิก") if how == "typed" else line.tap(user, "a=cancel")
    assert any("ยกเลิกแล้ว" in text for text in reply.texts)
    assert _line_rows(line) == EMPTY
    assert counts(line.demo)["complaint"] == 0


def test_edit_from_the_summary_changes_one_field_and_comes_back(line: Line) -> None:
    user = webhooks.user_id()
    file_up_to_summary(line, user, unit="WORKS")
    edit = line.tap(user, "a=edit")
    assert [i["action"]["data"] for i in edit.json()["messages"][0]["quickReply"]["items"]][
        :3] == ["a=field&v=category", "a=field&v=unit", "a=field&v=what"]
    line.tap(user, "a=field&v=unit")
    summary = line.tap(user, "a=unit&v=FINANCE")
    assert "กองคลัง" in summary.texts
    _code, number = receipt_of(line.tap(user, "a=confirm"))
    with line.demo.sessions() as session:
        complaint = session.scalars(select(Complaint).where(Complaint.case_number == number)
                                    ).one()
        assert complaint.unit.code == "FINANCE"


def test_editing_the_description_starts_it_again(line: Line) -> None:
    user = webhooks.user_id()
    file_up_to_summary(line, user, what="ข้อความเดิมที่พิมพ์ผิด")
    line.tap(user, "a=edit")
    asked = line.tap(user, "a=field&v=what")
    assert any("รายละเอียดเดิมถูกล้างแล้ว" in text for text in asked.texts)
    summary = line.say(user, "ข้อความใหม่ที่ถูกต้อง")
    assert "ข้อความใหม่ที่ถูกต้อง" in summary.texts
    assert not any("ข้อความเดิม" in text for text in summary.texts)


def test_tapping_confirm_twice_files_once(line: Line) -> None:
    user = webhooks.user_id()
    file_up_to_summary(line, user)
    first, second = webhooks.postback(user, "a=confirm"), webhooks.postback(user, "a=confirm")
    line.send(first, second)
    receipt_of(line.standin.reply_to(first["replyToken"]))
    assert any("ไม่มีเรื่องที่รอยืนยัน" in text
               for text in line.standin.reply_to(second["replyToken"]).texts)
    assert counts(line.demo)["complaint"] == 1


def test_a_redelivered_event_never_files_twice(line: Line) -> None:
    user = webhooks.user_id()
    file_up_to_summary(line, user)
    confirm = webhooks.postback(user, "a=confirm")
    line.send(confirm)
    again = dict(confirm, deliveryContext={"isRedelivery": True},
                 replyToken="f" * 32)
    line.send(again)
    line.send(again)
    assert counts(line.demo)["complaint"] == 1
    assert [c.json()["replyToken"] for c in line.standin.replies()].count("f" * 32) == 0


@pytest.mark.parametrize("make", [webhooks.sticker, webhooks.video, webhooks.audio,
                                  webhooks.file])
def test_stickers_videos_audio_and_files_get_a_polite_reply_and_nothing_is_kept(
        line: Line, make: object) -> None:
    assert callable(make)
    user = webhooks.user_id()
    event = make(user)
    line.send(event)
    reply = line.standin.reply_to(event["replyToken"])
    assert any("รับได้เฉพาะข้อความ ตำแหน่ง และรูปภาพ" in text for text in reply.texts)
    assert _line_rows(line) == EMPTY
    assert line.standin.recorded("/v2/bot/message/") == [reply]  # no content fetched


def test_an_unsupported_message_mid_draft_leaves_the_draft_as_it_was(line: Line) -> None:
    user = webhooks.user_id()
    line.tap(user, "a=file")
    line.say(user, "มีคนเผาขยะทุกเย็น")
    line.tap(user, "a=skip")
    event = webhooks.sticker(user)
    line.send(event)
    reply = line.standin.reply_to(event["replyToken"])
    assert any("รับได้เฉพาะข้อความ" in text for text in reply.texts)
    assert any("ดูเหมือนเรื่อง" in t or "เกี่ยวกับอะไร" in t for t in reply.texts)
    assert "มีคนเผาขยะทุกเย็น" in line.tap(user, "a=cat&v=general").texts


def test_a_text_over_5000_characters_is_refused_and_not_kept(line: Line) -> None:
    user = webhooks.user_id()
    line.tap(user, "a=file")
    reply = line.say(user, "ก" * 5001)
    assert any("ยาวเกิน 5,000 ตัวอักษร" in text for text in reply.texts)
    assert any("เล่าสั้น ๆ ว่าเกิดอะไรขึ้น" in text for text in reply.texts)  # asked again
    later = line.say(user, "ข้อความสั้น")
    assert any("เกิดขึ้นที่ไหน" in text for text in later.texts)


@pytest.mark.parametrize("fault", ["missing", "server-error", "not-an-image", "html"])
def test_a_photo_that_cannot_be_fetched_or_is_not_an_image_is_refused(line: Line,
                                                                      fault: str) -> None:
    user = webhooks.user_id()
    line.tap(user, "a=file")
    event = webhooks.image(user)
    message = webhooks.message_id(event)
    if fault == "server-error":
        line.standin.content[message] = jpeg_with_exif()
        line.standin.fail_next(f"/v2/bot/message/{message}/content", 500, times=10)
    elif fault == "not-an-image":
        line.standin.content[message] = b"%PDF-1.4 not really\n" + b"x" * 200
    elif fault == "html":
        line.standin.content[message] = b"<html><script>alert(1)</script></html>"
    line.send(event)
    reply = line.standin.reply_to(event["replyToken"])
    assert any("รับรูปนี้ไม่ได้" in text for text in reply.texts)
    assert _line_rows(line)["line_draft_photo"] == 0


def test_a_photo_fetch_answered_500_once_is_retried_and_kept(line: Line) -> None:
    user = webhooks.user_id()
    line.tap(user, "a=file")
    event = webhooks.image(user)
    message = webhooks.message_id(event)
    line.standin.content[message] = jpeg_with_exif()
    line.standin.fail_next(f"/v2/bot/message/{message}/content", 500, times=2)
    line.send(event)
    assert any("รับรูปแล้ว (1/5)" in t for t in line.standin.reply_to(event["replyToken"]).texts)
    assert len(line.standin.recorded(f"/v2/bot/message/{message}/content")) == 3


def test_photos_beyond_the_limit_are_not_kept(line: Line) -> None:
    user = webhooks.user_id()
    line.tap(user, "a=file")
    for _ in range(5):
        send_photo(line, user, jpeg_with_exif())
    event = send_photo(line, user, jpeg_with_exif())
    assert any("ไม่เกิน 5 รูป" in t
               for t in line.standin.reply_to(str(event["replyToken"])).texts)
    assert _line_rows(line)["line_draft_photo"] == 5


def test_an_image_set_is_answered_once(line: Line) -> None:
    user = webhooks.user_id()
    line.tap(user, "a=file")
    first = webhooks.image(user, index=1, total=2)
    second = webhooks.image(user, index=2, total=2)
    for event in (first, second):
        line.standin.content[webhooks.message_id(event)] = jpeg_with_exif()
    line.send(first, second)
    tokens = {c.json()["replyToken"] for c in line.standin.replies()}
    assert second["replyToken"] in tokens
    assert first["replyToken"] not in tokens
    assert _line_rows(line)["line_draft_photo"] == 2


@pytest.mark.parametrize("source", ["group", "room"])
def test_in_a_group_or_room_nothing_is_filed_and_the_bot_asks_for_a_private_chat(
        line: Line, source: str) -> None:
    user = webhooks.user_id()
    command = webhooks.text(user, "ร้องเรียน", source=source)
    button = webhooks.postback(user, "a=file", source=source)
    chatter = webhooks.text(user, "กินข้าวกันไหม", source=source)
    photo = webhooks.image(user, source=source)
    line.send(command, button, chatter, photo)
    for event in (command, button):
        assert any("ส่งข้อความถึงบัญชีนี้แบบส่วนตัว" in text
                   for text in line.standin.reply_to(event["replyToken"]).texts)
    assert len(line.standin.replies()) == 2
    assert line.standin.recorded("/v2/bot/profile/") == []
    assert line.standin.recorded("/v2/bot/message/" + webhooks.message_id(photo)) == []
    assert counts(line.demo) == {"complaint": 0, "line_conversation": 0, "line_draft_photo": 0,
                                 "line_seen_event": 0, "attachment": 0}


def test_joining_a_group_says_it_takes_no_reports_there(line: Line) -> None:
    event = webhooks.join()
    line.send(event)
    assert any("ไม่รับเรื่องในกลุ่มแชท" in t for t in line.standin.reply_to(event["replyToken"]
                                                                        ).texts)


def test_a_draft_untouched_for_24_hours_is_deleted(line: Line) -> None:
    user = webhooks.user_id()
    line.tap(user, "a=file")
    send_photo(line, user, jpeg_with_exif())
    runtime = line.channel.runtime
    start = runtime.clock()
    runtime.clock = lambda: start + timedelta(hours=25)  # type: ignore[method-assign]
    reply = line.say(user, "สวัสดี")
    assert any("LINE เองมองเห็น" in text for text in reply.texts)  # a fresh start: welcome
    assert _line_rows(line) == EMPTY


def test_a_user_coming_back_to_an_expired_draft_is_told(line: Line) -> None:
    user = webhooks.user_id()
    line.tap(user, "a=file")
    runtime = line.channel.runtime
    runtime.purge_every = timedelta(days=3)  # no purge in between: the draft is found expired
    start = runtime.clock()
    runtime.clock = lambda: start + timedelta(hours=23, minutes=59)  # type: ignore[method-assign]
    assert any("เกิดขึ้นที่ไหน" in t for t in line.say(user, "ขอเล่าต่อ").texts)
    # 24 hours after that last message (plus the rounding up to the hour) it is gone.
    runtime.clock = lambda: start + timedelta(hours=49)  # type: ignore[method-assign]
    reply = line.say(user, "ร้องเรียน")
    assert any("หมดอายุและถูกลบแล้ว" in text for text in reply.texts), reply.texts


def test_purge_deletes_expired_drafts_of_users_who_never_came_back(line: Line) -> None:
    for _ in range(3):
        user = webhooks.user_id()
        line.tap(user, "a=file")
        send_photo(line, user, jpeg_with_exif())
    assert _line_rows(line) == {"line_conversation": 3, "line_draft_photo": 3}
    runtime = line.channel.runtime
    start = runtime.clock()
    runtime.clock = lambda: start + timedelta(hours=23)  # type: ignore[method-assign]
    runtime._last_purge = None
    runtime.maybe_purge()
    assert _line_rows(line)["line_conversation"] == 3
    runtime.clock = lambda: start + timedelta(hours=25, minutes=1)  # type: ignore[method-assign]
    runtime._last_purge = None
    runtime.maybe_purge()
    assert _line_rows(line) == EMPTY


def test_unfollow_forgets_the_draft(line: Line) -> None:
    user = webhooks.user_id()
    line.tap(user, "a=file")
    send_photo(line, user, jpeg_with_exif())
    line.send(webhooks.unfollow(user))
    assert _line_rows(line) == EMPTY


def test_a_second_complaint_of_the_same_user_starts_afresh(line: Line) -> None:
    user = webhooks.user_id()
    first = file_complaint_by_line(line, user, what="เรื่องแรก")
    second = file_complaint_by_line(line, user, what="เรื่องที่สอง")
    assert first != second
    assert counts(line.demo)["complaint"] == 2


def test_an_unreadable_draft_is_dropped_and_the_user_starts_afresh(line: Line) -> None:
    user = webhooks.user_id()
    line.tap(user, "a=file")
    with line.demo.sessions() as session:
        row = session.scalars(select(LineConversation)).one()
        row.state = bytes(len(row.state))  # e.g. after the pepper was replaced
        session.commit()
    reply = line.say(user, "สวัสดี")
    assert any("หมดอายุและถูกลบแล้ว" in text for text in reply.texts)
    assert not any("ระบบขัดข้อง" in text for text in reply.texts)
    assert _line_rows(line) == EMPTY
