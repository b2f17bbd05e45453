"""Issue 12 in the chat: filing starts from whatever the citizen sends, only what is missing is
asked, one category question with a suggestion to confirm, anonymous by default; the street
light with a photo and a place takes at most 5 actions from adding the friend to the receipt."""

import pytest
from sqlalchemy import select

from rongrian.channels.line.conversation import filing_wish
from rongrian.intake.casework import open_case
from rongrian.intake.models import Category, Channel, Complaint, Kind, Sensitivity, Unit
from tests.channels.line.chat import Chat
from tests.channels.line.conftest import Line
from tests.channels.line.helpers import counts, jpeg_with_exif, receipt_of, send_photo
from tests.intake.helpers import unlock

#: The chat before issue 12: photo, place and text each "not kept" (3), then file, kind,
#: category, unit, text, done, location, photo, done, anonymous, confirm (11).
ACTIONS_BEFORE = 14
MOST_ACTIONS = 5


def street_lights(line: Line) -> str:
    """The demo's street-light category (seeded, with its keywords, if the demo has none):
    its code. Its default unit is the works division."""
    with line.demo.sessions() as session:
        works = session.scalars(select(Unit).where(Unit.code == "WORKS")).one()
        found = session.scalars(select(Category).where(
            Category.default_unit_id == works.id, Category.keywords.contains("ไฟถนน"))).first()
        if found is None:
            found = Category(code="street_lights", name_th="ไฟฟ้าสาธารณะ ไฟถนนชำรุด",
                             name_en="Street lights", sensitivity=Sensitivity.NORMAL,
                             default_unit_id=works.id, sla_days=7, position=1,
                             kind=Kind.COMPLAINT, keywords="ไฟถนน\nไฟทาง\nไฟดับ\nเสาไฟ")
            session.add(found)
            session.commit()
        return found.code


def test_street_light_with_photo_and_place_takes_at_most_five_actions(
        line: Line, capsys: pytest.CaptureFixture[str]) -> None:
    code = street_lights(line)
    chat = Chat(line)
    chat.add_friend()
    chat.photo()
    chat.location("หน้าบ้านเลขที่ 12", "หมู่ 3 ต.ร่มเย็น")
    asked = chat.say("ไฟถนนดับหน้าบ้าน")
    assert any("ดูเหมือนเรื่อง" in text and "ใช่ไหม" in text for text in asked.texts)
    summary = chat.tap(f"a=cat&v={code}")
    assert any("ไม่ระบุตัวตน" in text for text in summary.texts)
    assert "กองช่าง" in summary.texts
    receipt = chat.tap("a=confirm")
    _tracking, number = receipt_of(receipt)
    with capsys.disabled():
        print(f"\n--- LINE transcript ({chat.actions} actions; before: {ACTIONS_BEFORE}) ---")
        print(chat.text())
    assert chat.actions <= MOST_ACTIONS
    with line.demo.sessions() as session:
        complaint = session.scalars(select(Complaint).where(Complaint.case_number == number)
                                    ).one()
        assert (complaint.channel, complaint.unit.code, complaint.category.code) == (
            Channel.LINE, "WORKS", code)
        detail = open_case(session, unlock(session, "works"), complaint.id)
        assert detail.what_happened == "ไฟถนนดับหน้าบ้าน"
        assert "หน้าบ้านเลขที่ 12" in detail.where_happened
        assert "13.756300, 100.501800" in detail.where_happened
    assert counts(line.demo)["attachment"] == 1


def test_text_first_is_kept_and_only_the_place_and_the_category_are_asked(line: Line) -> None:
    code = street_lights(line)
    chat = Chat(line)
    chat.add_friend()
    first = chat.say("ไฟถนนดับหน้าบ้าน")
    assert not any("LINE เองมองเห็น" in text for text in first.texts)  # the welcome came once
    assert "LINE มองเห็นข้อความในแชทนี้" in first.texts[0]
    assert any("เกิดขึ้นที่ไหน" in text for text in first.texts)
    chat.tap("a=skip")
    chat.tap(f"a=cat&v={code}")
    _tracking, number = receipt_of(chat.tap("a=confirm"))
    assert chat.actions == 4
    with line.demo.sessions() as session:
        complaint = session.scalars(select(Complaint).where(Complaint.case_number == number)
                                    ).one()
        assert complaint.unit.code == "WORKS"
        assert open_case(session, unlock(session, "works"), complaint.id
                         ).what_happened == "ไฟถนนดับหน้าบ้าน"


def test_location_first_starts_a_draft_and_is_kept(line: Line) -> None:
    chat = Chat(line)
    located = chat.location("ตลาดสด", "หมู่ 1")
    assert any("ได้รับตำแหน่งแล้ว" in text for text in located.texts)
    asked = chat.say("ขยะไม่มีคนมาเก็บสามวัน")
    assert any("เรื่องนี้เกี่ยวกับอะไร" in t or "ดูเหมือนเรื่อง" in t for t in asked.texts)
    summary = chat.choose("general")
    assert any("ตลาดสด" in text for text in summary.texts)


@pytest.mark.parametrize("wish", ["แจ้ง", "ร้องเรียน", "ร้องทุกข์", "แจ้งเรื่อง",
                                  "อยากร้องเรียนครับ", "สวัสดีค่ะ มีเรื่องจะแจ้ง"])
def test_words_of_a_wish_to_file_start_filing_and_are_not_the_description(
        line: Line, wish: str) -> None:
    chat = Chat(line)
    reply = chat.say(wish)
    assert any("พิมพ์เล่าสั้น ๆ ว่าเกิดอะไรขึ้น" in text for text in reply.texts)
    chat.say("ถนนเป็นหลุมใหญ่")
    summary_ready = chat.tap("a=skip")
    assert any("เรื่องนี้เกี่ยวกับอะไร" in t or "ดูเหมือนเรื่อง" in t
               for t in summary_ready.texts)
    summary = chat.choose("general")
    shown = summary.texts
    assert shown[shown.index("รายละเอียด") + 1] == "ถนนเป็นหลุมใหญ่"  # the wish is not in it


def test_a_tip_is_offered_apart_and_goes_to_the_integrity_unit(line: Line) -> None:
    chat = Chat(line)
    chat.say("แจ้งเบาะแส")
    chat.say("หัวหน้ากองเรียกรับเงินจากผู้รับเหมา")
    listed = chat.tap("a=skip")
    assert any("ผู้รับผิดชอบด้านคุณธรรม" in text for text in listed.texts)
    summary = chat.tap("a=cat&v=corruption")
    assert any("หน่วยตรวจสอบภายใน" in text for text in summary.texts)
    _code, number = receipt_of(chat.tap("a=confirm"))
    with line.demo.sessions() as session:
        complaint = session.scalars(select(Complaint).where(Complaint.case_number == number)
                                    ).one()
        assert (complaint.kind, complaint.unit.code) == (Kind.TIP, "AUDIT")


def test_the_tip_button_is_there_beside_the_commonest_matters(line: Line) -> None:
    chat = Chat(line)
    chat.say("ไฟถนนดับหน้าบ้าน")
    asked = chat.tap("a=skip")
    labels = [i["action"]["label"] for i in asked.json()["messages"][-1]["quickReply"]["items"]]
    assert labels[-3:] == ["อื่น ๆ", "แจ้งเบาะแสการทุจริต", "ยกเลิก"]
    assert len(labels) <= 13
    listed = chat.tap("a=tip")
    assert any("ผู้รับผิดชอบด้านคุณธรรม" in text for text in listed.texts)
    more = chat.tap("a=more")
    assert "คำชมเชย" in " ".join(more.texts)


def test_a_guess_is_never_filed_without_the_citizen_choosing(line: Line) -> None:
    code = street_lights(line)
    chat = Chat(line)
    chat.say("ไฟถนนดับหน้าบ้าน")
    asked = chat.tap("a=skip")
    assert any("ดูเหมือนเรื่อง" in text for text in asked.texts)
    reply = chat.say("ส่ง")  # "send" typed at the category question is not a yes
    assert not any("ส่งเรื่องเรียบร้อยแล้ว" in text for text in reply.texts)
    again = line.tap(chat.user, "a=confirm")
    assert any("ไม่มีเรื่องที่รอยืนยัน" in text for text in again.texts)
    assert counts(line.demo)["complaint"] == 0
    summary = line.say(chat.user, "ใช่")
    assert any("ไฟ" in text for text in summary.texts)
    assert code


def test_more_text_needs_no_done_tap_and_is_added_to_the_description(line: Line) -> None:
    chat = Chat(line)
    chat.say("ท่อระบายน้ำอุดตัน")
    chat.tap("a=skip")
    added = chat.say("น้ำท่วมขังสามวันแล้ว")
    assert any("เพิ่มข้อความนี้ในรายละเอียดแล้ว" in text for text in added.texts)
    summary = line.tap(chat.user, "a=cat&v=general")
    assert "ท่อระบายน้ำอุดตัน\nน้ำท่วมขังสามวันแล้ว" in summary.texts


def test_named_is_an_option_of_the_summary_and_the_identifier_warning_stays(line: Line
                                                                            ) -> None:
    chat = Chat(line)
    chat.say("มีคนทิ้งขยะ โทรหาผมได้ที่ 081-234-5678")
    chat.tap("a=skip")
    summary = chat.choose("general")
    assert any("อาจระบุตัวคุณได้" in text and "081-234-5678" in text for text in summary.texts)
    footer = [b["action"]["label"] for b in
              summary.json()["messages"][-1]["contents"]["footer"]["contents"]]
    assert footer == ["ยืนยันส่ง", "ระบุชื่อและเบอร์ติดต่อ", "แก้ไข", "ยกเลิก"]
    chat.tap("a=named")
    chat.say("สมศรี มีสุข")
    named = chat.say("0812345678")
    assert "สมศรี มีสุข 0812345678" in named.texts
    assert not any("อาจระบุตัวคุณได้" in text for text in named.texts)  # named: no warning
    receipt_of(chat.tap("a=confirm"))


def test_photos_in_any_order_and_several_are_all_kept(line: Line) -> None:
    chat = Chat(line)
    chat.photo()
    chat.say("กิ่งไม้หักพาดสายไฟ")
    send_photo(line, chat.user, jpeg_with_exif((0, 0, 200)))
    chat.location("ซอย 5", "")
    summary = line.tap(chat.user, "a=cat&v=general")
    assert "2 รูป" in summary.texts


@pytest.mark.parametrize(("text", "wish"), [
    ("แจ้ง", "file"), ("ร้องทุกข์ค่ะ", "file"), ("สวัสดีครับ มีเรื่องจะร้องเรียน", "file"),
    ("แจ้งเบาะแส", "tip"), ("ขอแจ้งเบาะแสการทุจริตครับ", "tip"),
    ("แจ้งไฟถนนดับ", ""), ("ไฟถนนดับหน้าบ้าน", ""), ("ร้องเรียนเรื่องถนนพัง", ""), ("สวัสดี", ""),
])
def test_only_a_bare_wish_to_file_is_not_kept_as_the_description(text: str, wish: str) -> None:
    assert filing_wish(text) == wish


def test_a_text_that_says_what_happened_is_kept_even_with_a_filing_word(line: Line) -> None:
    chat = Chat(line)
    reply = chat.say("แจ้งไฟถนนดับหน้าวัด")
    assert any("เกิดขึ้นที่ไหน" in text for text in reply.texts)
    summary = line.tap(chat.user, "a=skip")
    chat.last = summary
    shown = chat.choose("general").texts
    assert shown[shown.index("รายละเอียด") + 1] == "แจ้งไฟถนนดับหน้าวัด"
