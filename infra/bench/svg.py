"""Line charts as a small, dependency-free SVG.

The soak needs one picture (memory over calls); matplotlib would be a large test dependency for it,
and a few polylines with labelled axes say everything the picture has to say.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

_WIDTH = 760
_PANEL_HEIGHT = 300
_LEFT, _RIGHT, _TOP, _BOTTOM = 64, 180, 34, 44
_TICKS = 5
"""Tick steps wanted per axis, give or take one."""
_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")


@dataclass(frozen=True)
class Series:
    """One line; ``mark`` is a point on it drawn as a dot (the soak's first warm reading)."""

    label: str
    points: tuple[tuple[float, float], ...]
    mark: tuple[float, float] | None = None


@dataclass(frozen=True)
class Panel:
    """One chart: its lines share both axes, which start at zero; ``note`` is said beside the title."""

    title: str
    series: tuple[Series, ...]
    x_label: str
    y_label: str
    note: str = ""


def _axis(top: float) -> tuple[float, int]:
    """A tick step of 1, 2 or 5 times a power of ten (round labels) and how many steps reach ``top``."""
    if top <= 0:
        return 1.0, 1
    rough = top / (_TICKS + 1)
    power = 10 ** math.floor(math.log10(rough))
    step = next(step * power for step in (1, 2, 5, 10) if step * power >= rough)
    return step, math.ceil(top / step - 1e-9)


def _number(value: float) -> str:
    if value >= 1_000_000:
        return f"{value / 1_000_000:g}M"
    if value >= 1_000:
        return f"{value / 1_000:g}k"
    return f"{value:g}"


@dataclass(frozen=True)
class _Frame:
    """A panel's plotting area, ``top`` pixels down the picture, and the data-to-pixel scales."""

    top: float
    x_step: float
    x_ticks: int
    y_step: float
    y_ticks: int
    width: float = _WIDTH - _LEFT - _RIGHT
    height: float = _PANEL_HEIGHT - _TOP - _BOTTOM

    def x(self, value: float) -> str:
        return f"{_LEFT + value / (self.x_step * self.x_ticks) * self.width:.1f}"

    def y(self, value: float) -> str:
        return f"{self.top + self.height - value / (self.y_step * self.y_ticks) * self.height:.1f}"


def _frame(panel: Panel, top: float) -> _Frame:
    points = [point for series in panel.series for point in series.points]
    x_step, x_ticks = _axis(max((x for x, _ in points), default=1.0))
    y_step, y_ticks = _axis(max((y for _, y in points), default=1.0) * 1.05)
    return _Frame(top, x_step, x_ticks, y_step, y_ticks)


def _axes(panel: Panel, frame: _Frame) -> list[str]:
    """Title, note, grid, tick labels and axis labels."""
    top, bottom, right = frame.top, frame.top + frame.height, _LEFT + frame.width
    parts = [f'<text x="{_LEFT}" y="{top - 12}" font-weight="bold">{escape(panel.title)}</text>']
    if panel.note:
        parts.append(f'<text x="{right}" y="{top - 12}" text-anchor="end" fill="#555">{escape(panel.note)}</text>')
    for tick in range(frame.y_ticks + 1):
        y, label = frame.y(frame.y_step * tick), _number(frame.y_step * tick)
        parts.append(f'<line x1="{_LEFT}" y1="{y}" x2="{right}" y2="{y}" stroke="#ddd"/>')
        parts.append(f'<text x="{_LEFT - 6}" y="{y}" text-anchor="end" dy="4">{label}</text>')
    for tick in range(frame.x_ticks + 1):
        x, label = frame.x(frame.x_step * tick), _number(frame.x_step * tick)
        parts.append(f'<text x="{x}" y="{bottom + 16}" text-anchor="middle">{label}</text>')
    parts += [
        f'<rect x="{_LEFT}" y="{top}" width="{frame.width}" height="{frame.height}" fill="none" stroke="#888"/>',
        f'<text x="{_LEFT + frame.width / 2}" y="{bottom + 34}" text-anchor="middle">{escape(panel.x_label)}</text>',
        f'<text transform="translate(16,{top + frame.height / 2}) rotate(-90)" text-anchor="middle">'
        f"{escape(panel.y_label)}</text>",
    ]
    return parts


def _lines(panel: Panel, frame: _Frame, colours: dict[str, str]) -> list[str]:
    """Each series as a polyline with its dot, and its legend entry right of the plot."""
    parts = []
    for n, series in enumerate(panel.series):
        colour = colours.setdefault(series.label, _COLOURS[len(colours) % len(_COLOURS)])
        line = " ".join(f"{frame.x(x)},{frame.y(y)}" for x, y in series.points)
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="1.6" points="{line}"/>')
        if series.mark is not None:
            parts.append(
                f'<circle cx="{frame.x(series.mark[0])}" cy="{frame.y(series.mark[1])}" r="3.5" fill="{colour}"/>'
            )
        legend = frame.top + 10 + 16 * n
        parts.append(f'<rect x="{_WIDTH - _RIGHT + 14}" y="{legend - 8}" width="12" height="3" fill="{colour}"/>')
        parts.append(f'<text x="{_WIDTH - _RIGHT + 32}" y="{legend}">{escape(series.label)}</text>')
    return parts


def chart(panels: Sequence[Panel]) -> str:
    """Panels stacked top to bottom; a series keeps its colour in every panel (by its label)."""
    colours: dict[str, str] = {}
    height = _PANEL_HEIGHT * len(panels)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_WIDTH}" height="{height}" '
        f'font-family="sans-serif" font-size="11">',
        f'<rect width="{_WIDTH}" height="{height}" fill="white"/>',
    ]
    for index, panel in enumerate(panels):
        frame = _frame(panel, index * _PANEL_HEIGHT + _TOP)
        parts += _axes(panel, frame) + _lines(panel, frame, colours)
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
