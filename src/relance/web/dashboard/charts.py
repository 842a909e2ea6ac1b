"""Charts as inline SVG computed on the server: no script, no library loaded at run time.

The geometry is computed here (pixels; amounts stay integer minor units until they are scaled),
the template draws it with escaped text. Each chart carries a title and a description for
screen readers, and the page shows the same figures in a table beside it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from babel.numbers import format_compact_currency

from relance.core.money import currency_exponent

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 64, 12, 16, 44
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM


@dataclass(frozen=True)
class Rect:
    x: str
    y: str
    width: str
    height: str
    css: str
    tip: str  # the <title> of the shape: label and amount


@dataclass(frozen=True)
class Label:
    x: str
    y: str
    text: str


@dataclass
class Chart:
    title: str
    desc: str
    width: int = WIDTH
    height: int = HEIGHT
    rects: list[Rect] = field(default_factory=list)
    grid: list[Label] = field(default_factory=list)  # y of a grid line, its amount
    xlabels: list[Label] = field(default_factory=list)
    values: list[Label] = field(default_factory=list)  # amounts above the bars
    legend: list[tuple[str, str]] = field(default_factory=list)  # (css class, label)
    left: int = LEFT
    right_edge: int = WIDTH - RIGHT
    baseline: str = str(TOP + PLOT_H)


def _px(value: Fraction | int) -> str:
    """A coordinate with one decimal, written without float arithmetic on money."""
    tenths = round(Fraction(value) * 10)
    return f"{tenths // 10}.{tenths % 10}" if tenths >= 0 else f"-{(-tenths) // 10}.{(-tenths) % 10}"


def nice_top(largest: int) -> tuple[int, int]:
    """(top of the axis, step) in minor units: four steps of 1, 2 or 5 times a power of ten."""
    if largest <= 0:
        return 4, 1
    raw = -(-largest // 4)  # ceil(largest / 4)
    magnitude = 10 ** (len(str(raw)) - 1)
    for factor in (1, 2, 5, 10):
        if factor * magnitude >= raw:
            step = factor * magnitude
            return step * 4, step
    return raw * 4, raw  # pragma: no cover - factor 10 always fits


def compact(minor: int, currency: str, locale: str) -> str:
    """A short axis label: 12 k€, €1.2M."""
    amount = Decimal(minor).scaleb(-currency_exponent(currency))
    return format_compact_currency(amount, currency, locale=locale, fraction_digits=1)


def _grid(top: int, step: int, currency: str, locale: str) -> list[Label]:
    return [
        Label(_px(LEFT - 6), _px(TOP + PLOT_H - Fraction(value * PLOT_H, top)), compact(value, currency, locale))
        for value in range(0, top + 1, step)
    ]


def bar_chart(
    *,
    title: str,
    desc: str,
    bars: list[tuple[str, int, str, str]],
    currency: str,
    locale: str,
) -> Chart:
    """One bar per (label, amount in minor units, css class, formatted amount); negatives drawn as 0."""
    top, step = nice_top(max((max(amount, 0) for _l, amount, _c, _t in bars), default=0))
    chart = Chart(title=title, desc=desc, grid=_grid(top, step, currency, locale))
    slot = Fraction(PLOT_W, max(len(bars), 1))
    width = slot * Fraction(3, 5)
    for index, (label, amount, css, text) in enumerate(bars):
        height = Fraction(max(amount, 0) * PLOT_H, top)
        x = LEFT + slot * index + (slot - width) / 2
        y = TOP + PLOT_H - height
        chart.rects.append(Rect(_px(x), _px(y), _px(width), _px(height), css, f"{label}: {text}"))
        chart.xlabels.append(Label(_px(x + width / 2), str(HEIGHT - BOTTOM + 18), label))
        chart.values.append(Label(_px(x + width / 2), _px(y - 4), text))
    return chart


def stacked_chart(
    *,
    title: str,
    desc: str,
    columns: list[tuple[str, list[tuple[int, str, str]], str]],
    legend: list[tuple[str, str]],
    currency: str,
    locale: str,
) -> Chart:
    """One column per (label, [(amount, css class, tip)], total text), the parts stacked bottom-up."""
    totals = [sum(max(amount, 0) for amount, _c, _t in parts) for _label, parts, _text in columns]
    top, step = nice_top(max(totals, default=0))
    chart = Chart(title=title, desc=desc, grid=_grid(top, step, currency, locale), legend=legend)
    slot = Fraction(PLOT_W, max(len(columns), 1))
    width = slot * Fraction(3, 5)
    for index, (label, parts, text) in enumerate(columns):
        x = LEFT + slot * index + (slot - width) / 2
        y = Fraction(TOP + PLOT_H)
        for amount, css, tip in parts:
            height = Fraction(max(amount, 0) * PLOT_H, top)
            if height == 0:
                continue
            y -= height
            chart.rects.append(Rect(_px(x), _px(y), _px(width), _px(height), css, f"{label} - {tip}"))
        chart.xlabels.append(Label(_px(x + width / 2), str(HEIGHT - BOTTOM + 18), label))
        chart.values.append(Label(_px(x + width / 2), _px(y - 4), text))
    return chart
