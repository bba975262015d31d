"""Charts drawn on the server as inline SVG: no script, no CDN, readable printed in black and
white — every series has its own dash pattern and marker shape, and every value is printed as a
number (the heat map writes the rate in each cell, grey levels only add emphasis)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

DASHES = ("", "8 4", "2 3", "10 3 2 3")
MARKERS = ("circle", "square", "triangle", "diamond")


def _marker(kind: str, x: float, y: float) -> str:
    if kind == "circle":
        return (
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="#fff" stroke="#000" stroke-width="2"/>'
        )
    if kind == "square":
        return f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="#000"/>'
    if kind == "triangle":
        return (
            f'<polygon points="{x:.1f},{y - 5:.1f} {x + 5:.1f},{y + 4:.1f} {x - 5:.1f},{y + 4:.1f}"'
            ' fill="#fff" stroke="#000" stroke-width="2"/>'
        )
    return (
        f'<polygon points="{x:.1f},{y - 5:.1f} {x + 5:.1f},{y:.1f} {x:.1f},{y + 5:.1f} '
        f'{x - 5:.1f},{y:.1f}" fill="#000"/>'
    )


def line_chart(
    title: str,
    x_labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[Decimal | None]]],
    *,
    width: int = 720,
    height: int = 300,
    scale: int = 0,
    value_labels: bool = False,
) -> SafeString:
    """Rates (fractions 0–1) per period as lines; a ``None`` value (N/A) breaks the line.
    With ``scale`` (e.g. 100 points) the values are on 0…scale and the axis shows points."""
    left, right, top, bottom = 48, 16, 16, 84
    plot_w, plot_h = width - left - right, height - top - bottom
    n = max(len(x_labels), 1)
    step = plot_w / max(n - 1, 1)

    def xy(i: int, v: Decimal) -> tuple[float, float]:
        f = v / scale if scale else v
        return left + i * step, top + plot_h * (1 - float(min(max(f, Decimal(0)), Decimal(1))))

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" class="chart"><title>{escape(title)}</title>',
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="#fff" '
        'stroke="#000"/>',
    ]
    for pct in (0, 25, 50, 75, 100):
        y = top + plot_h * (1 - pct / 100)
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#999" '
            'stroke-width="0.5"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">'
            + (f"{pct * scale // 100}" if scale else f"{pct}%")
            + "</text>"
        )
    for i, label in enumerate(x_labels):
        x = left + i * step
        parts.append(
            f'<text x="{x:.1f}" y="{top + plot_h + 16}" text-anchor="middle" font-size="11">'
            f"{escape(label)}</text>"
        )
    for s, (name, values) in enumerate(series):
        dash, marker = DASHES[s % len(DASHES)], MARKERS[s % len(MARKERS)]
        segment: list[str] = []
        segments: list[list[str]] = []
        for i, v in enumerate(values):
            if v is None:
                if segment:
                    segments.append(segment)
                segment = []
                continue
            x, y = xy(i, v)
            segment.append(f"{x:.1f},{y:.1f}")
        if segment:
            segments.append(segment)
        for seg in segments:
            parts.append(
                f'<polyline points="{" ".join(seg)}" fill="none" stroke="#000" stroke-width="2"'
                + (f' stroke-dasharray="{dash}"' if dash else "")
                + "/>"
            )
        for i, v in enumerate(values):
            if v is not None:
                x, y = xy(i, v)
                parts.append(_marker(marker, x, y))
                if value_labels:
                    text = f"{v:.1f}" if scale else f"{v * 100:.0f}%"
                    parts.append(
                        f'<text x="{x:.1f}" y="{y - 9:.1f}" text-anchor="middle" '
                        f'font-size="11">{text.replace(".", ",")}</text>'
                    )
        # Legend below the plot.
        lx = left + (s % 2) * (plot_w / 2)
        ly = top + plot_h + 36 + (s // 2) * 18
        parts.append(
            f'<line x1="{lx:.1f}" x2="{lx + 30:.1f}" y1="{ly - 4}" y2="{ly - 4}" stroke="#000" '
            f'stroke-width="2"' + (f' stroke-dasharray="{dash}"' if dash else "") + "/>"
        )
        parts.append(_marker(marker, lx + 15, ly - 4))
        parts.append(f'<text x="{lx + 38:.1f}" y="{ly}" font-size="12">{escape(name)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 — every text is escaped above


def _level(v: Decimal) -> int:
    # Light grey for high rates, dark for low: the worst agencies stand out even in print.
    return int(255 - (1 - float(min(max(v, Decimal(0)), Decimal(1)))) * 230)


def heat_map(
    title: str,
    row_labels: Sequence[str],
    col_labels: Sequence[str],
    values: Sequence[Sequence[Decimal | None]],
    *,
    label_width: int = 260,
    cell_w: int = 78,
    cell_h: int = 28,
) -> SafeString:
    """Rows × columns of rates; each cell prints its value ("–" for N/A)."""
    width = label_width + cell_w * len(col_labels) + 8
    height = 24 + cell_h * len(row_labels) + 4
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" class="chart"><title>{escape(title)}</title>'
    ]
    for j, col in enumerate(col_labels):
        x = label_width + j * cell_w + cell_w / 2
        parts.append(
            f'<text x="{x:.1f}" y="16" text-anchor="middle" font-size="12">{escape(col)}</text>'
        )
    for i, row in enumerate(row_labels):
        y = 24 + i * cell_h
        short = row if len(row) <= 36 else row[:35] + "…"
        parts.append(
            f'<text x="{label_width - 8}" y="{y + cell_h / 2 + 4:.1f}" text-anchor="end" '
            f'font-size="12">{escape(short)}</text>'
        )
        for j, v in enumerate(values[i]):
            x = label_width + j * cell_w
            level = 255 if v is None else _level(v)
            fill = f"#{level:02x}{level:02x}{level:02x}"
            text = "–" if v is None else f"{v * 100:.0f}%"
            dark = level <= 118  # white text keeps a 4.5:1 contrast only on dark grey
            parts.append(
                f'<rect x="{x}" y="{y}" width="{cell_w}" height="{cell_h}" fill="{fill}" '
                'stroke="#000" stroke-width="0.5"/>'
                f'<text x="{x + cell_w / 2:.1f}" y="{y + cell_h / 2 + 4:.1f}" text-anchor="middle" '
                f'font-size="12" font-weight="{"700" if dark else "400"}" '
                f'fill="{"#fff" if dark else "#000"}">{text}</text>'
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 — every text is escaped above
