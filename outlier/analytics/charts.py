"""Charts as inline SVG, drawn on the server: no script, no library, no network. Every value
and label is escaped; each point carries a <title> that browsers show on hover."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 720, 220
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 12, 28
PALETTE = ("#3b5bdb", "#e67700", "#2b8a3e", "#c92a2a", "#7048e8", "#0b7285", "#868e96")


@dataclass
class Series:
    name: str
    values: Sequence[float | None]  # None: no data that day (a gap in the line)
    dashed: bool = False
    color: str = ""


def nice_ceiling(value: float) -> float:
    """1, 2, 2.5 or 5 times a power of ten, at least `value` (and at least 1)."""
    if value <= 1:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


def _number(value: float) -> str:
    if abs(value) >= 1_000_000:
        return f"{value / 1_000_000:.1f}M".replace(".0M", "M")
    if abs(value) >= 10_000:
        return f"{value / 1000:.0f}k"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def line_chart(series: Sequence[Series], labels: Sequence[str], title: str,
               floor_zero: bool = True) -> SafeString:  # fmt: skip
    """Lines over shared x labels (days); `title` is the accessible name."""
    count = max((len(s.values) for s in series), default=0)
    values = [v for s in series for v in s.values if v is not None]
    if not count or not values:
        return format_html('<p class="muted chart-empty">{}: no data in this period.</p>', title)
    low = 0.0 if floor_zero else min(values)
    high = nice_ceiling(max(values) - low) + low if max(values) > low else low + 1
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(i: int) -> float:
        return LEFT + (plot_w * i / (count - 1) if count > 1 else plot_w / 2)

    def y(v: float) -> float:
        return TOP + plot_h * (1 - (v - low) / (high - low))

    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for fraction in (0, 0.5, 1):
        value = low + (high - low) * fraction
        py = y(value)
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{py:.1f}" y2="{py:.1f}" '
                     'class="grid"/>')  # fmt: skip
        parts.append(f'<text x="{LEFT - 6}" y="{py + 4:.1f}" text-anchor="end" class="axis">'
                     f"{escape(_number(value))}</text>")  # fmt: skip
    ticks = sorted({0, count // 2, count - 1}) if count > 2 else list(range(count))
    for i in ticks:
        if i < len(labels):
            anchor = "start" if i == 0 else "end" if i == count - 1 else "middle"
            parts.append(f'<text x="{x(i):.1f}" y="{HEIGHT - 8}" text-anchor="{anchor}" '
                         f'class="axis">{escape(labels[i])}</text>')  # fmt: skip
    for n, s in enumerate(series):
        color = s.color or PALETTE[n % len(PALETTE)]
        dash = ' stroke-dasharray="5 4"' if s.dashed else ""
        run: list[str] = []
        runs: list[list[str]] = []
        for i, v in enumerate(s.values):
            if v is None:
                if run:
                    runs.append(run)
                run = []
                continue
            run.append(f"{x(i):.1f},{y(v):.1f}")
        if run:
            runs.append(run)
        for points in runs:
            if len(points) == 1:
                cx, cy = points[0].split(",")
                parts.append(f'<circle cx="{cx}" cy="{cy}" r="2.5" fill="{color}"/>')
            else:
                parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="2"{dash} '
                             f'points="{" ".join(points)}"/>')  # fmt: skip
        if count <= 120:  # hover titles; beyond that the line says enough
            for i, v in enumerate(s.values):
                if v is None:
                    continue
                label = labels[i] if i < len(labels) else str(i)
                parts.append(
                    f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="6" class="hit">'
                    f"<title>{escape(s.name)}, {escape(label)}: {escape(_number(v))}</title>"
                    "</circle>"
                )
    parts.append("</svg>")
    legend = "".join(
        f'<li><span class="swatch{" dashed" if s.dashed else ""}" '
        f'style="border-color:{s.color or PALETTE[n % len(PALETTE)]}"></span>{escape(s.name)}</li>'
        for n, s in enumerate(series)
    )
    return mark_safe(f'<figure class="chart-box">{"".join(parts)}'  # noqa: S308 (all escaped)
                     f'<figcaption><ul class="legend">{legend}</ul></figcaption></figure>')  # fmt: skip


def bar_chart(items: Sequence[tuple[str, float]], title: str, unit: str = "") -> SafeString:
    """Horizontal bars, longest first as given."""
    if not items or not any(v for _, v in items):
        return format_html('<p class="muted chart-empty">{}: no data in this period.</p>', title)
    high = max(v for _, v in items) or 1
    row_h, label_w, width = 26, 220, WIDTH
    height = row_h * len(items) + 8
    parts = [
        f'<svg class="chart bars" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for n, (label, value) in enumerate(items):
        top = 4 + n * row_h
        bar = (width - label_w - 80) * (value / high)
        short = label if len(label) <= 32 else label[:31] + "…"
        parts.append(
            f'<text x="{label_w - 8}" y="{top + 16}" text-anchor="end" class="axis">'
            f"{escape(short)}</text>"
            f'<rect x="{label_w}" y="{top + 4}" width="{max(bar, 1):.1f}" height="{row_h - 8}" '
            f'rx="3" fill="{PALETTE[0]}"><title>{escape(label)}: {escape(_number(value))}'
            f"{escape(unit)}</title></rect>"
            f'<text x="{label_w + bar + 6:.1f}" y="{top + 16}" class="axis">'
            f"{escape(_number(value))}{escape(unit)}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every value above is escaped)
