"""Server-side charts as inline SVG: no JavaScript library, no network, readable without colour.

Each chart is a :class:`Chart`: the SVG (``role="img"`` with ``<title>`` and ``<desc>`` named by
``aria-labelledby``) and the same numbers as table rows, which the page shows in a ``<details>``
fallback for screen readers, keyboard users and anyone who wants the exact values. Colours and
fonts come from the page's CSS classes, so the charts follow the site's theme and print well.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from markupsafe import Markup, escape


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    desc: str
    svg: Markup
    columns: tuple[str, str]
    rows: list[tuple[str, str]]


def _text_width(text: str, size: float) -> float:
    """Rough rendered width: CJK and full-width characters one em, others about 0.6 em."""
    return sum(size if ord(ch) > 0x2E80 else size * 0.6 for ch in text)


def _clip(text: str, size: float, room: float) -> str:
    if _text_width(text, size) <= room:
        return text
    out = ""
    for ch in text:
        if _text_width(out + ch + "…", size) > room:
            break
        out += ch
    return out + "…"


def _num(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def _open(chart_id: str, title: str, desc: str, width: int, height: int) -> list[str]:
    cid = escape(chart_id)
    return [
        f'<svg class="chart" id="{cid}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{cid}-t {cid}-d" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{cid}-t">{escape(title)}</title>',
        f'<desc id="{cid}-d">{escape(desc)}</desc>',
    ]


def _nice_max(value: float) -> float:
    if value <= 5:
        return 5
    for step in (1, 2, 2.5, 5):
        magnitude = 10 ** (len(str(int(value))) - 1)
        candidate = step * magnitude
        if candidate >= value:
            return candidate
    return 10 ** len(str(int(value)))


def _ticks(top: float, count: int = 5) -> list[float]:
    step = top / count
    return [step * i for i in range(count + 1)]


def line_chart(
    series: Sequence[tuple[date, float]],
    *,
    chart_id: str,
    title: str,
    desc: str,
    columns: tuple[str, str],
    y_min: float = 0,
    y_max: float = 100,
    width: int = 560,
    height: int = 240,
) -> Chart:
    """A step line over days (a score holds its value until the next change).

    ``series`` is one point per day or only the days the value changes; the table lists the
    changes (the first day and every day the value differs from the day before).
    """
    points = sorted(series)
    left, right, top, bottom = 40, 12, 14, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    parts = _open(chart_id, title, desc, width, height)
    changes: list[tuple[date, float]] = []
    for day, value in points:
        if not changes or changes[-1][1] != value:
            changes.append((day, value))
    rows = [(d.isoformat(), _num(v)) for d, v in changes]
    if not points:
        parts.append(
            f'<text class="chart-empty" x="{width / 2}" y="{height / 2}" text-anchor="middle">—</text>'
        )
        parts.append("</svg>")
        return Chart(chart_id, title, desc, Markup("".join(parts)), columns, rows)
    first, last = points[0][0], points[-1][0]
    span = max((last - first).days, 1)

    def x(day: date) -> float:
        return left + plot_w * (day - first).days / span

    def y(value: float) -> float:
        return top + plot_h * (1 - (value - y_min) / ((y_max - y_min) or 1))

    for tick in _ticks(y_max - y_min):
        value = y_min + tick
        parts.append(
            f'<line class="grid" x1="{left}" x2="{left + plot_w}" y1="{y(value):.1f}" y2="{y(value):.1f}"/>'
        )
        parts.append(
            f'<text class="axis" x="{left - 6}" y="{y(value) + 4:.1f}" text-anchor="end">{_num(value)}</text>'
        )
    month = date(first.year, first.month, 1)
    months: list[date] = []
    while month <= last:
        if month >= first:
            months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    every = max(1, -(-len(months) // 7))
    for i, m in enumerate(months):
        base = top + plot_h
        parts.append(f'<line class="tick" x1="{x(m):.1f}" x2="{x(m):.1f}" y1="{base}" y2="{base + 4}"/>')
        if i % every == 0:
            at = f'x="{x(m):.1f}" y="{base + 18}"'
            parts.append(f'<text class="axis" {at} text-anchor="middle">{m:%Y-%m}</text>')
    path = [f"M{x(changes[0][0]):.1f},{y(changes[0][1]):.1f}"]
    for day, value in changes[1:]:
        path.append(f"H{x(day):.1f}V{y(value):.1f}")
    path.append(f"H{x(last):.1f}")
    parts.append(f'<path class="line" d="{"".join(path)}" fill="none"/>')
    for day, value in changes:
        parts.append(
            f'<circle class="dot" cx="{x(day):.1f}" cy="{y(value):.1f}" r="3">'
            f"<title>{day.isoformat()}: {_num(value)}</title></circle>"
        )
    parts.append("</svg>")
    return Chart(chart_id, title, desc, Markup("".join(parts)), columns, rows)


def bar_chart(
    bars: Sequence[tuple[str, float]],
    *,
    chart_id: str,
    title: str,
    desc: str,
    columns: tuple[str, str],
    horizontal: bool = True,
    width: int = 560,
) -> Chart:
    """Bars with their values written beside them. Horizontal suits long (Chinese) labels;
    vertical suits a time axis (months)."""
    rows = [(label, _num(value)) for label, value in bars]
    top_value = _nice_max(max((v for _, v in bars), default=0))
    if horizontal:
        return _horizontal(bars, chart_id, title, desc, columns, rows, top_value, width)
    return _vertical(bars, chart_id, title, desc, columns, rows, top_value, width)


def _horizontal(bars, chart_id, title, desc, columns, rows, top_value, width) -> Chart:  # type: ignore[no-untyped-def]
    size, bar_h, gap = 14, 20, 8
    label_w = min(230.0, max((_text_width(label, size) for label, _ in bars), default=40) + 12)
    left, right, top = label_w, 48, 8
    plot_w = width - left - right
    height = top + max(len(bars), 1) * (bar_h + gap) + 8
    parts = _open(chart_id, title, desc, width, height)
    for i, (label, value) in enumerate(bars):
        y = top + i * (bar_h + gap)
        w = plot_w * value / top_value if top_value else 0
        parts.append(
            f'<text class="label" x="{left - 8}" y="{y + bar_h - 5}" text-anchor="end">'
            f"{escape(_clip(label, size, label_w - 12))}</text>"
        )
        parts.append(
            f'<rect class="bar" x="{left}" y="{y}" width="{max(w, 1):.1f}" height="{bar_h}">'
            f"<title>{escape(label)}: {_num(value)}</title></rect>"
        )
        parts.append(f'<text class="value" x="{left + w + 6:.1f}" y="{y + bar_h - 5}">{_num(value)}</text>')
    if not bars:
        parts.append(
            f'<text class="chart-empty" x="{width / 2}" y="{height / 2 + 4}" text-anchor="middle">—</text>'
        )
    parts.append("</svg>")
    return Chart(chart_id, title, desc, Markup("".join(parts)), columns, rows)


def _vertical(bars, chart_id, title, desc, columns, rows, top_value, width) -> Chart:  # type: ignore[no-untyped-def]
    height, left, right, top, bottom = 260, 40, 8, 12, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    parts = _open(chart_id, title, desc, width, height)
    for tick in _ticks(top_value):
        y = top + plot_h * (1 - tick / top_value)
        parts.append(f'<line class="grid" x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}"/>')
        parts.append(
            f'<text class="axis" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{_num(tick)}</text>'
        )
    n = max(len(bars), 1)
    slot = plot_w / n
    widest = max((_text_width(label, 13) for label, _ in bars), default=0)
    every = max(1, math.ceil((widest + 6) / slot))  # label every k-th bar so labels never overlap
    for i, (label, value) in enumerate(bars):
        h = plot_h * value / top_value if top_value else 0
        x = left + i * slot + slot * 0.15
        parts.append(
            f'<rect class="bar" x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{slot * 0.7:.1f}" '
            f'height="{max(h, 0):.1f}">'
            f"<title>{escape(label)}: {_num(value)}</title></rect>"
        )
        if i % every == 0:
            parts.append(
                f'<text class="axis" x="{x + slot * 0.35:.1f}" y="{top + plot_h + 16}" text-anchor="middle">'
                f"{escape(label)}</text>"
            )
    if not bars:
        parts.append(
            f'<text class="chart-empty" x="{width / 2}" y="{height / 2}" text-anchor="middle">—</text>'
        )
    parts.append("</svg>")
    return Chart(chart_id, title, desc, Markup("".join(parts)), columns, rows)
