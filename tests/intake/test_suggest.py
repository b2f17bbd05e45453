"""Category suggestion from the citizen's text (issue 12): PyThaiNLP words against the agency's
keyword table, on the demo municipality's starting categories."""

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from rongrian.intake.models import Category, Kind, Sensitivity
from rongrian.intake.reference import CategoryFacts
from rongrian.intake.suggest import (
    format_keywords,
    parse_keywords,
    rank_categories,
    suggest_categories,
    suggest_category,
)


def _category(id_: int, code: str, position: int, keywords: str) -> CategoryFacts:
    """A category as the suggestion ranks it (only the code, order and keywords matter)."""
    return CategoryFacts(id_, code, code, code, Kind.COMPLAINT, Sensitivity.NORMAL, 1, 15, 3,
                         (keywords,), position)


@pytest.mark.parametrize(("text", "code"), [
    ("ไฟถนนดับหน้าบ้าน", "street_light"),
    ("เสาไฟฟ้าหน้าซอย 5 หลอดไฟไม่ติดมาสามวันแล้ว มืดมาก", "street_light"),
    ("ถนนเป็นหลุมเป็นบ่อ รถจักรยานยนต์ล้มบ่อย", "road"),
    ("ทางเท้าชำรุด", "road"),
    ("ขยะไม่มีคนมาเก็บหลายวันแล้ว ส่งกลิ่น", "rubbish"),
    ("น้ำประปาไม่ไหลตั้งแต่เมื่อวาน", "water_supply"),
    ("ท่อระบายน้ำอุดตัน ฝนตกทีไรน้ำท่วมขัง", "drainage"),
    ("ร้านคาราโอเกะเปิดเพลงเสียงดังถึงตีสอง", "nuisance"),
    ("หมาจรจัดกัดเด็กในหมู่บ้าน", "stray_animal"),
    ("สุนัขจรจัดเยอะมาก", "stray_animal"),
    ("กิ่งไม้หักขวางทาง", "tree"),
    ("ยุงเยอะมาก อยากให้มาพ่นยุง กลัวไข้เลือดออก", "public_health"),
    ("บ้านข้างๆ ต่อเติมอาคารรุกล้ำที่สาธารณะ", "building_permit"),
    ("เจ้าหน้าที่เรียกเงินใต้โต๊ะ", "corruption"),
    ("เจ้าหน้าที่พูดจาไม่สุภาพ", "staff_conduct"),
    ("ขอชมเชยเจ้าหน้าที่ บริการดีมาก ประทับใจ", "compliment"),
])
def test_thai_text_suggests_its_category(session: Session, text: str, code: str) -> None:
    suggested = suggest_category(session, text)
    assert suggested is not None, text
    assert suggested.code == code


@pytest.mark.parametrize("text", [
    "สวัสดีครับ", "วันนี้อากาศดี", "", "   ", "hello", "ตามนั้น",
])
def test_unrelated_text_suggests_nothing(session: Session, text: str) -> None:
    assert suggest_category(session, text) is None


@pytest.mark.parametrize("text", ["ต้นหมากหลังวัด", "หมากพลู", "ใจมืดมน"])
def test_a_short_word_inside_another_is_not_a_match(session: Session, text: str) -> None:
    """``หมา`` (stray animals) is not in ``หมาก`` (betel), nor ``มืด`` (street lights) in
    ``มืดมน``."""
    assert suggest_category(session, text) is None


def test_a_long_keyword_may_end_a_longer_word() -> None:
    """``จรจัด`` ends the single word ``สุนัขจรจัด``, as PyThaiNLP segments it."""
    strays = _category(1, "strays", 0, "จรจัด")
    assert [s.category.code for s in rank_categories([strays], "สุนัขจรจัดเยอะ")] == ["strays"]
    middle = _category(2, "middle", 0, "นัขจร")
    assert rank_categories([middle], "สุนัขจรจัดเยอะ") == []


def test_an_inactive_category_is_never_suggested(session: Session) -> None:
    lights = session.scalars(select(Category).where(Category.code == "street_light")).one()
    lights.active = False
    session.flush()
    suggested = suggest_category(session, "ไฟถนนดับหน้าบ้าน")
    assert suggested is None or suggested.code != "street_light"


def test_the_agencys_own_keywords_count(session: Session) -> None:
    """An agency adds a local word (a village's nickname for its canal) to a category."""
    assert suggest_category(session, "คลองแม่ข่าตื้นเขิน") is None
    drains = session.scalars(select(Category).where(Category.code == "drainage")).one()
    drains.keywords += "\nคลองแม่ข่า"
    session.flush()
    suggested = suggest_category(session, "คลองแม่ข่าตื้นเขิน")
    assert suggested is not None
    assert suggested.code == "drainage"


def test_ranked_list_is_best_first_with_the_matched_words(session: Session) -> None:
    ranked = suggest_categories(session, "ไฟถนนดับ แล้วก็มีขยะกองอยู่ใต้เสาไฟ", limit=3)
    assert [s.category.code for s in ranked][:2] == ["street_light", "rubbish"]
    assert set(ranked[0].matched) == {"ไฟถนน", "เสาไฟ"}
    assert ranked[0].score > ranked[1].score


def test_ties_go_to_the_category_listed_first() -> None:
    first = _category(1, "a", 0, "ขยะ")
    second = _category(2, "b", 1, "ขยะ")
    assert [s.category.code for s in rank_categories([second, first], "ขยะเต็ม")] == ["a", "b"]


def test_keywords_are_parsed_one_a_line() -> None:
    assert parse_keywords("ไฟถนน\n  ไฟดับ , เสาไฟ\n\nไฟถนน") == ["ไฟถนน", "ไฟดับ", "เสาไฟ"]
    assert format_keywords(["ไฟถนน", " ไฟดับ ", ""]) == "ไฟถนน\nไฟดับ"


@pytest.mark.parametrize("text", ["ก" * 61, "\n".join(f"คำ{i}" for i in range(101))])
def test_too_long_or_too_many_keywords_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="คำสำคัญ"):
        parse_keywords(text)
