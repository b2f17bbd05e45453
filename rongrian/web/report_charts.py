"""The period report's two charts as PNG pictures for its Word and PDF documents, and the
outcome chart as SVG for the pages (issue 10 §2).

- :func:`monthly_trend_png`: complaints received in each month of the report's fiscal year,
  beside the same month of the previous fiscal year (grouped bars);
- :func:`outcome_by_type_png`: per type of complaint, its cases split over the five outcomes of
  :data:`rongrian.intake.period_report.OUTCOMES` (stacked horizontal bars).

Drawn with matplotlib's object API on the Agg canvas (no display, no ``pyplot`` state) in
Sarabun (PyPI's ``fontpkg-sarabun``, the same font files the PDFs embed), with the text language
set to Thai so that matplotlib's libraqm layout (matplotlib ≥ 3.11) shapes Thai: vowels and tone
marks sit on their consonant instead of overlapping. The PNG carries no metadata (no software
name, no time): the same report gives the same bytes with the same matplotlib and font.
Counts only; the numbers are also in the documents' tables.
"""

import base64
import io
from functools import cache
from typing import Any, Literal

from matplotlib import font_manager, rc_context
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from rongrian.intake.period_report import OUTCOME_NAMES, OUTCOMES, Report
from rongrian.web.charts import month_label
from rongrian.web.thai_pdf import FONT, FONT_DIR

#: Width of a chart in inches: the 16 cm text column of an A4 memo (3 cm + 2 cm margins).
WIDTH_IN = 6.3
#: Bar colours: this fiscal year, the previous one.
TREND_COLOURS = ("#1f5f99", "#9db9d6")
#: Colour of each outcome (green done in time, amber late, blue open, red overdue, grey refused).
OUTCOME_COLOURS = {"within": "#2e7d32", "late": "#f0a202", "open_in_time": "#1f5f99",
                   "open_overdue": "#c62828", "rejected": "#8c8c8c"}
#: matplotlib settings of the charts (the stubs type rc keys as literals; this is a plain dict).
_RC: dict[Any, Any] = {"font.family": FONT, "font.size": 10.0, "text.language": "th",
       "axes.spines.top": False, "axes.spines.right": False, "svg.hashsalt": "rongrian"}


@cache
def register_fonts() -> str:
    """Add Sarabun regular and bold to matplotlib's font manager (once per process); returns
    the family name to use (:data:`rongrian.web.thai_pdf.FONT`)."""
    for name in ("Sarabun-Regular.ttf", "Sarabun-Bold.ttf"):
        font_manager.fontManager.addfont(str(FONT_DIR / name))
    return FONT


def _png(figure: Figure, dpi: int) -> bytes:
    out = io.BytesIO()
    FigureCanvasAgg(figure)
    figure.savefig(out, format="png", dpi=dpi, metadata={"Software": None})
    return out.getvalue()


def _year_name(fiscal_year: int) -> str:
    return f"ปีงบประมาณ พ.ศ. {fiscal_year}"


def monthly_trend_png(report: Report, *, dpi: int = 200) -> bytes:
    """Complaints received per month of ``report``'s fiscal year (October first) beside the same
    months of the previous fiscal year, as PNG bytes ``dpi`` dots per inch, 6.3 × 2.9 inches.

    The figures are ``report.trend`` (:func:`rongrian.intake.period_report.build_report`)."""
    register_fonts()
    year = report.period.fiscal_year
    labels = [month_label(line.code, "th").replace(" ", "\n") for line in report.trend]
    this = [line.counts["this"] for line in report.trend]
    previous = [line.counts["previous"] for line in report.trend]
    with rc_context(_RC):
        figure = Figure(figsize=(WIDTH_IN, 2.9), layout="constrained")
        axes = figure.add_subplot()
        positions = range(len(labels))
        width = 0.4
        axes.bar([p - width / 2 for p in positions], this, width, color=TREND_COLOURS[0],
                 label=_year_name(year))
        axes.bar([p + width / 2 for p in positions], previous, width, color=TREND_COLOURS[1],
                 label=_year_name(year - 1))
        axes.set_xticks(list(positions), labels)
        _count_axis(axes, "y", max([*this, *previous, 1]))
        axes.set_ylabel("จำนวนเรื่อง")
        axes.set_title("จำนวนเรื่องที่ได้รับรายเดือน เทียบกับปีงบประมาณก่อน", fontweight="bold")
        axes.legend(frameon=False, loc="upper left", ncols=2)
        return _png(figure, dpi)


def _count_axis(axes: Axes, which: Literal["x", "y"], peak: int) -> None:
    """Whole numbers only, with room above the highest bar for the legend."""
    axis = axes.yaxis if which == "y" else axes.xaxis
    axis.set_major_locator(MaxNLocator(nbins=5, integer=True))
    axis.set_major_formatter(FuncFormatter(lambda value, _position: f"{value:,.0f}"))
    if which == "y":
        axes.set_ylim(0, peak * 1.25)
    else:
        axes.set_xlim(0, peak * 1.08)
    axes.grid(axis=which, color="#dddddd", linewidth=0.6)
    axes.set_axisbelow(True)


def outcome_by_type_png(report: Report, *, dpi: int = 200) -> bytes:
    """Per type of ``report`` with cases (``report.types``, in report order, top to bottom),
    one horizontal bar stacked over the five outcomes (finished within the standard, finished
    late, in progress within the standard, in progress overdue, not accepted), as PNG bytes
    ``dpi`` dots per inch, 6.3 inches wide and taller with more types."""
    with rc_context(_RC):
        return _png(_outcome_figure(report), dpi)


def outcome_by_type_svg(report: Report) -> bytes:
    """The chart of :func:`outcome_by_type_png` as SVG bytes for the pages (issue 10 §2): the
    text drawn as paths (the browser needs no Thai font), no script, no metadata, fixed ids
    (``svg.hashsalt``), so the same report gives the same bytes."""
    with rc_context(_RC):
        figure = _outcome_figure(report)
        out = io.BytesIO()
        figure.savefig(out, format="svg", metadata={"Date": None, "Creator": None})
        return out.getvalue()


def svg_data_uri(svg: bytes) -> str:
    """``svg`` as a ``data:image/svg+xml;base64,…`` address for an ``<img>``: the pages'
    Content-Security-Policy allows ``img-src data:``, and a picture so embedded runs no script
    and fetches nothing."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


def _outcome_figure(report: Report) -> Figure:
    register_fonts()
    # Types without a case in the period are left out (the table lists them); matplotlib draws
    # the first bar at the bottom.
    lines = [line for line in reversed(report.types) if line.total]
    height = 1.5 + 0.32 * max(1, len(lines))
    figure = Figure(figsize=(WIDTH_IN, height), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = list(range(len(lines)))
    left = [0] * len(lines)
    for key in OUTCOMES:
        counts = [line.counts[key] for line in lines]
        axes.barh(positions, counts, 0.6, left=left, color=OUTCOME_COLOURS[key],
                  label=OUTCOME_NAMES[key][0])
        left = [a + b for a, b in zip(left, counts, strict=True)]
    axes.set_yticks(positions, [line.name_th for line in lines])
    _count_axis(axes, "x", max([*left, 1]))
    axes.set_xlabel("จำนวนเรื่อง")
    axes.set_title("ผลการดำเนินการจำแนกตามประเภทเรื่อง", fontweight="bold")
    figure.legend(loc="outside lower center", ncols=3, frameon=False, fontsize=8.5)
    return figure


__all__ = ["monthly_trend_png", "outcome_by_type_png", "outcome_by_type_svg", "register_fonts",
           "svg_data_uri"]
