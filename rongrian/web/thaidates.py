"""Dates for people: Thai Buddhist Era with Thai month names (PyThaiNLP), or English."""

from datetime import date, datetime

from pythainlp.util import thai_strftime


def format_date(day: date | None, locale: str, *, thai_digits: bool = False) -> str:
    """``5 ต.ค. 2568`` in Thai (พ.ศ.), ``5 Oct 2025`` in English; ``""`` for ``None``."""
    if day is None:
        return ""
    moment = datetime(day.year, day.month, day.day)
    if locale == "en":
        return f"{day.day} {moment:%b %Y}"
    return str(thai_strftime(moment, "%-d %b %Y", thaidigit=thai_digits))


def long_thai_date(day: date) -> str:
    """``1 ธันวาคม 2569``: day, full Thai month and พ.ศ. year, as letters, memos and reports are
    dated."""
    return str(thai_strftime(datetime(day.year, day.month, day.day), "%-d %B %Y"))
