"""Queue charts drawn on the server as inline SVG, in the conventions of
``motcua.monitoring.svg``: no script, no CDN, readable printed in black and white — each series
has its own fill (solid black, white with a black outline) and every value is printed."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

#: Bar styles: solid black, then white with a black outline.
FILLS = (('fill="#000"', "#fff"), ('fill="#fff" stroke="#000" stroke-width="1.5"', "#000"))


def _number(v: float) -> str:
    text = f"{v:.1f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def bar_chart(
    title: str,
    x_labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    *,
    width: int = 720,
    height: int = 280,
) -> SafeString:
    """Counts per category (e.g. tickets per hour) as grouped bars, one bar per series, each
    value printed above its bar."""
    left, right, top, bottom = 40, 16, 24, 64
    plot_w, plot_h = width - left - right, height - top - bottom
    n = max(len(x_labels), 1)
    slot = plot_w / n
    bar_w = min(28.0, slot * 0.8 / max(len(series), 1))
    peak = max([max(values, default=0) for _name, values in series] + [0]) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" class="chart"><title>{escape(title)}</title>',
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="#fff" '
        'stroke="#000"/>',
    ]
    for frac in (0.5, 1.0):
        y = top + plot_h * (1 - frac)
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#999" '
            'stroke-width="0.5"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">'
            f"{_number(peak * frac)}</text>"
        )
    for i, label in enumerate(x_labels):
        x = left + slot * (i + 0.5)
        parts.append(
            f'<text x="{x:.1f}" y="{top + plot_h + 16}" text-anchor="middle" font-size="11">'
            f"{escape(label)}</text>"
        )
    group_w = bar_w * len(series)
    for s, (_name, values) in enumerate(series):
        style, _text = FILLS[s % len(FILLS)]
        for i, v in enumerate(values):
            h = plot_h * v / peak
            x = left + slot * (i + 0.5) - group_w / 2 + s * bar_w
            y = top + plot_h - h
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" {style}/>'
            )
            if v:
                parts.append(
                    f'<text x="{x + bar_w / 2:.1f}" y="{y - 3:.1f}" text-anchor="middle" '
                    f'font-size="10">{_number(v)}</text>'
                )
    for s, (name, _values) in enumerate(series):
        style, _text = FILLS[s % len(FILLS)]
        lx = left + s * (plot_w / 2)
        ly = top + plot_h + 40
        parts.append(f'<rect x="{lx:.1f}" y="{ly - 10}" width="14" height="12" {style}/>')
        parts.append(f'<text x="{lx + 20:.1f}" y="{ly}" font-size="12">{escape(name)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 — every text is escaped above
