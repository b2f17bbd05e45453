"""Order statistics of a multiset given as counts (value → how many times it occurs), so a
report can group a million cases by value in SQL and still give the exact median and
percentiles a sorted list of every value would give (issue 10 §5)."""

import math
from collections.abc import Mapping


def nth_smallest(counts: Mapping[int, int], index: int) -> int:
    """The value at 0-based ``index`` of the sorted multiset ``counts``.

    Raises ``IndexError`` when ``index`` is outside 0 .. (total count − 1).
    """
    if index < 0:
        raise IndexError(index)
    seen = 0
    for value in sorted(counts):
        seen += counts[value]
        if index < seen:
            return value
    raise IndexError(index)


def median(counts: Mapping[int, int]) -> float | None:
    """The median (the mean of the two middle values for an even count); ``None`` when
    empty."""
    size = sum(counts.values())
    if not size:
        return None
    middle = size // 2
    if size % 2:
        return float(nth_smallest(counts, middle))
    return (nth_smallest(counts, middle - 1) + nth_smallest(counts, middle)) / 2


def nearest_rank(counts: Mapping[int, int], share: float) -> float | None:
    """The ``share`` percentile by the nearest-rank rule (the ⌈share × n⌉-th smallest value,
    ``share`` in 0..1); ``None`` when empty."""
    size = sum(counts.values())
    if not size:
        return None
    return float(nth_smallest(counts, max(0, math.ceil(share * size) - 1)))
