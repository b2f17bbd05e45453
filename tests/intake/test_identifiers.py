"""What could identify an anonymous complainant is found in their text, and what cannot is not."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rongrian.intake.identifiers import (
    IdentifierKind,
    identifiers_in,
    identifiers_in_fields,
    national_id_is_valid,
)


def with_check_digit(first12: str) -> str:
    total = sum(int(digit) * (13 - index) for index, digit in enumerate(first12))
    return first12 + str((11 - total % 11) % 10)


VALID_ID = with_check_digit("110170020345")  # 1101700203450


def kinds(text: str) -> list[tuple[IdentifierKind, str]]:
    return [(finding.kind, finding.text) for finding in identifiers_in("what_happened", text)]


@given(st.text(alphabet="0123456789", min_size=12, max_size=12))
def test_every_id_with_its_check_digit_is_found(first12: str) -> None:
    national_id = with_check_digit(first12)
    assert national_id_is_valid(national_id)
    assert kinds(f"เลขบัตรประชาชนของผม {national_id} ครับ") == [
        (IdentifierKind.NATIONAL_ID, national_id)]


@given(st.text(alphabet="0123456789", min_size=12, max_size=12), st.integers(1, 9))
def test_a_wrong_check_digit_is_not_an_id(first12: str, shift: int) -> None:
    right = with_check_digit(first12)
    wrong = right[:12] + str((int(right[12]) + shift) % 10)
    assert not national_id_is_valid(wrong)
    assert IdentifierKind.NATIONAL_ID not in {kind for kind, _ in kinds(f"เลข {wrong}")}


@pytest.mark.parametrize("written", [
    VALID_ID,
    "1-1017-00203-45-0",
    "1 1017 00203 45 0",
    "๑๑๐๑๗๐๐๒๐๓๔๕๐",
])
def test_ids_are_found_however_they_are_written(written: str) -> None:
    assert kinds(f"บัตร {written}.") == [(IdentifierKind.NATIONAL_ID, written)]


@pytest.mark.parametrize("written", [
    "081-234-5678", "0812345678", "081 234 5678", "06.1234.5678", "02-123-4567", "053 123 456",
    "+66 81 234 5678", "+66812345678", "๐๘๑-๒๓๔-๕๖๗๘",
])
def test_phone_numbers_are_found(written: str) -> None:
    assert kinds(f"ติดต่อได้ที่ {written} ตลอดวัน") == [(IdentifierKind.PHONE, written)]


@pytest.mark.parametrize("written", ["somchai.j@example.co.th", "a+b@mail.example.com"])
def test_email_addresses_are_found(written: str) -> None:
    assert kinds(f"อีเมล {written} นะ") == [(IdentifierKind.EMAIL, written)]


@pytest.mark.parametrize("text", [
    "เรื่องเลขที่ 2570/000123 ยังไม่คืบหน้า",
    "งบประมาณ 1500000 บาท ปี 2568",
    "ถนนหมายเลข 1095 กม. 12",
    "บัญชี 1234567890123",  # 13 digits with a wrong check digit
    "ทุจริตประมาณ 12,345,678 บาท",
    "ไฟดับตั้งแต่ 18.00 ถึง 06.30 น.",
])
def test_ordinary_numbers_are_not_reported(text: str) -> None:
    assert kinds(text) == []


def test_national_id_is_not_also_reported_as_a_phone() -> None:
    assert kinds(f"{VALID_ID} และ 0812345678") == [
        (IdentifierKind.NATIONAL_ID, VALID_ID), (IdentifierKind.PHONE, "0812345678")]


def test_findings_name_their_field() -> None:
    found = identifiers_in_fields({"what_happened": "โทร 0812345678",
                                   "where_happened": "",
                                   "who_involved": "x@example.com"})
    assert [(finding.field, finding.kind) for finding in found] == [
        ("what_happened", IdentifierKind.PHONE), ("who_involved", IdentifierKind.EMAIL)]


@pytest.mark.parametrize("bad", ["", "123", "12345678901234", "abcdefghijklm", "๑๑๐๑๗๐๐๒๐๓๔๕๐"])
def test_validity_check_refuses_what_is_not_13_ascii_digits(bad: str) -> None:
    with pytest.raises(ValueError, match="13 digits"):
        national_id_is_valid(bad)
