"""Thai calendar conventions: Buddhist Era years, fiscal years, quarters and half-years.

Fiscal year N (ปีงบประมาณ N, in พ.ศ.) runs 1 October of N-544 CE to 30 September of N-543 CE;
quarter 1 is October–December (Budget Procedures Act B.E. 2561, section 4; DESIGN.md).
"""

from datetime import date

BE_OFFSET = 543

THAI_MONTHS = (
    "มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน",
    "กรกฎาคม", "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม",
)
THAI_MONTHS_SHORT = (
    "ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.",
    "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.",
)


def fiscal_year_of(day: date) -> int:
    """Fiscal year (พ.ศ.) that contains ``day``."""
    return day.year + BE_OFFSET + (1 if day.month >= 10 else 0)


def fiscal_year_bounds(fiscal_year: int) -> tuple[date, date]:
    """First and last day (inclusive) of fiscal year ``fiscal_year`` (พ.ศ.)."""
    start_ce = fiscal_year - BE_OFFSET - 1
    return date(start_ce, 10, 1), date(start_ce + 1, 9, 30)
