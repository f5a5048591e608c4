"""Bar charts as SVG, drawn on the server: no JavaScript, no chart library, no inline styles.

Colours come from classes (``chart-bar-<series>``) in ``static/css/reports.css``; each bar has
a ``<title>`` with its figure, and the chart has a title and a description for screen readers.
The tables beside the charts carry the same figures.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from ..text import figure

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 80, 8, 16, 44


@dataclass(frozen=True)
class Series:
    key: str  # CSS class suffix: issued, deducted, redeemed, outstanding, ...
    label: str
    values: Sequence[int]


def _nice_top(value: int) -> int:
    """A round number at or above ``value`` for the axis (1, 2 or 5 times a power of ten)."""
    if value <= 0:
        return 0
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


def monthly_bars(
    chart_id: str, title: str, months: Sequence[Mapping], columns: Mapping[str, str]
) -> Markup:
    """Bars of months: a group per month (its ``period``), a bar per column of ``columns``
    ({key in each month: label})."""
    labels = [month["period"] for month in months]
    series = [Series(key, label, [m[key] for m in months]) for key, label in columns.items()]
    return bar_chart(chart_id, title, labels, series)


def bar_chart(chart_id: str, title: str, labels: Sequence[str], series: Sequence[Series]) -> Markup:
    """Grouped bars, one group per label; negative values hang below the zero line."""
    values = [v for s in series for v in s.values]
    top = _nice_top(max([0, *values]))
    bottom = -_nice_top(-min([0, *values]))
    span = (top - bottom) or 1
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def y(value: int) -> float:
        return TOP + (top - value) * plot_h / span

    group_w = plot_w / max(len(labels), 1)
    bar_w = group_w * 0.8 / max(len(series), 1)
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{chart_id}-t" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
    ]
    for tick in sorted({bottom, 0, top}):
        parts.append(
            f'<line class="chart-axis" x1="{LEFT}" x2="{WIDTH - RIGHT}" '
            f'y1="{y(tick):.1f}" y2="{y(tick):.1f}"/>'
            f'<text class="chart-tick" x="{LEFT - 8}" y="{y(tick) + 8:.1f}" '
            f'text-anchor="end">{figure(tick)}</text>'
        )
    for index, label in enumerate(labels):
        x0 = LEFT + index * group_w + group_w * 0.1
        for number, one in enumerate(series):
            value = one.values[index]
            y_top, y_bottom = sorted((y(value), y(0)))
            parts.append(
                f'<rect class="chart-bar chart-bar-{escape(one.key)}" '
                f'x="{x0 + number * bar_w:.1f}" y="{y_top:.1f}" width="{bar_w:.1f}" '
                f'height="{max(y_bottom - y_top, 0.5):.1f}">'
                f"<title>{escape(label)} {escape(one.label)}: {figure(value)}</title></rect>"
            )
        parts.append(
            f'<text class="chart-label" x="{x0 + group_w * 0.4:.1f}" y="{HEIGHT - BOTTOM + 28}" '
            f'text-anchor="middle">{escape(label[-2:] if len(labels) > 6 else label)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text and label above is escaped
