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
