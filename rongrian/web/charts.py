"""Charts of the statistics pages, drawn on the server as inline SVG (issue 10): no script and
nothing from another host (the pages' Content-Security-Policy allows neither). Each chart is a
``<figure>`` whose numbers are also in the table beside it, and whose ``<title>`` describes it
for screen readers. Counts hidden by suppression are drawn as nothing and marked.
"""

from collections.abc import Sequence

from markupsafe import Markup, escape

from rongrian.intake.thaidate import THAI_MONTHS_SHORT

_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 640, 240, 36, 28, 12


def month_label(code: str, locale: str) -> str:
    """``2568-10`` → ``ต.ค. 68`` (Thai) or ``Oct 2025`` (English)."""
    year, month = int(code[:4]), int(code[5:7])
    if locale == "en":
        return f"{_MONTHS_EN[month - 1]} {year - 543}"
    return f"{THAI_MONTHS_SHORT[month - 1]} {year % 100:02d}"


#: Width in px of one digit or comma of the axis label at 11 px (Sarabun's figures are about
#: 0.55 em; rounded up).
DIGIT_PX = 7


def axis_margin(peak: int) -> int:
    """Left margin in px that holds the axis label ``peak`` (e.g. "23,348") right-aligned,
    never less than :data:`LEFT`: a fixed margin cut a five-digit year's label to "3,348"."""
    return max(LEFT, 8 + DIGIT_PX * len(f"{peak:,}"))


def trend_chart(months: Sequence[str], series: Sequence[tuple[str, Sequence[int | None]]],
                title: str, locale: str) -> Markup:
    """Grouped bars: one group per month of ``months``, one bar per ``(name, counts)`` series
    (``None`` = suppressed: no bar). Returns a ``<figure>`` holding an ``<svg>``."""
    peak = max([1, *(n for _, counts in series for n in counts if n is not None)])
    left = axis_margin(peak)
    plot_w, plot_h = WIDTH - left - 8, HEIGHT - BOTTOM - TOP
    group = plot_w / max(1, len(months))
    bar = group * 0.8 / max(1, len(series))
    colours = ("#1f5f99", "#9db9d6", "#c77c02")
    parts = [f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" role="img" class="chart" '
             f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>',
             f'<line x1="{left}" y1="{TOP + plot_h}" x2="{WIDTH - 8}" y2="{TOP + plot_h}" '
             'stroke="#555"/>',
             f'<text x="{left - 4}" y="{TOP + 4}" text-anchor="end" font-size="11">{peak:,}</text>',
             f'<text x="{left - 4}" y="{TOP + plot_h}" text-anchor="end" font-size="11">0</text>']
    for m, code in enumerate(months):
        x0 = left + m * group + group * 0.1
        for s, (name, counts) in enumerate(series):
            n = counts[m]
            if n is None or n == 0:
                continue
            h = plot_h * n / peak
            parts.append(f'<rect x="{x0 + s * bar:.1f}" y="{TOP + plot_h - h:.1f}" '
                         f'width="{bar * 0.95:.1f}" height="{h:.1f}" '
                         f'fill="{colours[s % len(colours)]}"><title>{escape(name)}: '
                         f'{n:,}</title></rect>')
        parts.append(f'<text x="{left + m * group + group / 2:.1f}" y="{HEIGHT - 10}" '
                     f'text-anchor="middle" font-size="11">'
                     f'{escape(month_label(code, locale))}</text>')
    parts.append("</svg>")
    legend = "\u2003".join(
        f'<span class="legend-item"><svg width="12" height="12" aria-hidden="true">'
        f'<rect width="12" height="12" fill="{colours[s % len(colours)]}"/></svg> '
        f'{escape(name)}</span>'
        for s, (name, _) in enumerate(series))
    return Markup(f'<figure class="chart-figure">{"".join(parts)}'  # noqa: S704 - escaped
                  f'<figcaption>{legend}</figcaption></figure>')


__all__ = ["axis_margin", "month_label", "trend_chart"]
