"""The pages' inline-SVG trend chart (issue 10): its axis label fits however large the year."""

import re

import pytest

from rongrian.web.charts import DIGIT_PX, trend_chart


@pytest.mark.parametrize("peak", [7, 950, 23_348, 1_234_567])
def test_the_axis_label_is_never_cut_at_the_left_edge(peak: int) -> None:
    svg = str(trend_chart(["2569-10", "2569-11"], [("ปีนี้", [peak, 3]), ("ปีก่อน", [None, 1])],
                          "แนวโน้ม", "th"))
    label = f"{peak:,}"
    found = re.search(rf'<text x="([0-9.]+)" y="[0-9.]+" text-anchor="end" '
                      rf'font-size="11">{re.escape(label)}</text>', svg)
    assert found, "no axis label with the peak"
    assert float(found.group(1)) >= DIGIT_PX * len(label)  # right-aligned: room on its left
    bars = [float(x) for x in re.findall(r'<rect x="([0-9.]+)"', svg)]
    assert min(bars) > float(found.group(1))  # the bars start right of the label
