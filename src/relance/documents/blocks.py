"""Small, fast flowables for the fixed parts of a page: lines of text, stacks and side-by-side blocks.

The letterhead, the address blocks, the headings and the bank details are short lines whose
layout is known; drawing them with `drawString` instead of ReportLab Paragraphs (a mini-markup
parser and a line breaker per paragraph, run again each time a table re-measures its cells)
halves the time of a statement. Running text (the body of a letter) stays in Paragraphs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from reportlab.lib.colors import Color, black
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable

from relance.documents.fonts import FontFamily


def split_lines(text: str, font: str, size: float, width: float) -> list[str]:
    """`text` broken into lines of at most `width` points, at plain spaces only.

    Unlike ReportLab's `simpleSplit`, a no-break space (in dates and amounts) never breaks. A
    single word wider than `width` stays whole on its line.
    """
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        candidate = f"{current} {word}" if current else word
        if current and stringWidth(candidate, font, size) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    lines.append(current)
    return lines


@dataclass(frozen=True, slots=True)
class Line:
    """One line of text: segments of (text, bold); a one-segment line wraps when too long."""

    segments: tuple[tuple[str, bool], ...]
    size: float = 9
    color: Color = field(default=black)
    space_before: float = 0

    @classmethod
    def of(
        cls, text: str, *, bold: bool = False, size: float = 9, color: Color = black, space_before: float = 0
    ) -> Line:
        return cls(((text, bold),), size=size, color=color, space_before=space_before)

    @classmethod
    def pair(cls, name: str, value: str, *, colon: str = ": ", size: float = 9) -> Line:
        return cls(((f"{name}{colon}", False), (value, True)), size=size)


class Lines(Flowable):
    """Lines of text, left- or right-aligned in `width` points."""

    def __init__(self, lines: Sequence[Line], family: FontFamily, width: float, *, align: str = "left") -> None:
        super().__init__()
        self.width = width
        # every piece of text: (x, baseline below the top, font, size, color, text)
        self.texts: list[tuple[float, float, str, float, Color, str]] = []
        top = 0.0
        for line in lines:
            leading = line.size * 1.28
            fonts = [family.bold if bold else family.regular for _, bold in line.segments]
            pieces = [[(text, font) for (text, _), font in zip(line.segments, fonts, strict=True)]]
            if len(line.segments) == 1 and stringWidth(line.segments[0][0], fonts[0], line.size) > width:
                pieces = [[(part, fonts[0])] for part in split_lines(line.segments[0][0], fonts[0], line.size, width)]
            top += line.space_before
            for piece in pieces:
                top += leading
                baseline = top - (leading - line.size) / 2 - line.size * 0.22
                widths = [stringWidth(text, font, line.size) for text, font in piece]
                x = width - sum(widths) if align == "right" else 0.0
                for (text, font), text_width in zip(piece, widths, strict=True):
                    self.texts.append((x, baseline, font, line.size, line.color, text))
                    x += text_width
        self.height = top

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        if not self.texts:
            return
        text = self.canv.beginText()
        for x, below, font, size, color, content in self.texts:
            text.setFont(font, size)
            text.setFillColor(color)
            text.setTextOrigin(x, self.height - below)
            text.textOut(content)
        self.canv.drawText(text)


class Stack(Flowable):
    """Flowables one under the other, with `gap` points between them."""

    def __init__(self, parts: Sequence[Flowable], width: float, *, gap: float = 2) -> None:
        super().__init__()
        self.parts = list(parts)
        self.width = width
        self.gap = gap
        self.sizes = [part.wrap(width, 10_000) for part in self.parts]
        self.height = sum(h for _, h in self.sizes) + gap * max(len(self.parts) - 1, 0)

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        top = self.height
        for part, (width, height) in zip(self.parts, self.sizes, strict=True):
            top -= height
            x = (self.width - width) if getattr(part, "hAlign", "LEFT") == "RIGHT" else 0
            part.drawOn(self.canv, x, top)
            top -= self.gap


class Side(Flowable):
    """Two flowables side by side, tops aligned, on an optional shaded background."""

    def __init__(
        self,
        left: Flowable,
        right: Flowable | None,
        widths: tuple[float, float],
        *,
        fill: Color | None = None,
        padding: float = 0,
    ) -> None:
        super().__init__()
        self.left, self.right = left, right
        self.widths = widths
        self.fill = fill
        self.padding = padding
        self.width = widths[0] + widths[1]
        inner = 2 * padding
        self.left_size = left.wrap(widths[0] - inner, 10_000)
        self.right_size = right.wrap(widths[1] - inner, 10_000) if right is not None else (0.0, 0.0)
        self.height = max(self.left_size[1], self.right_size[1]) + inner

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        canvas = self.canv
        if self.fill is not None:
            canvas.setFillColor(self.fill)
            canvas.rect(0, 0, self.width, self.height, stroke=0, fill=1)
        top = self.height - self.padding
        self.left.drawOn(canvas, self.padding, top - self.left_size[1])
        if self.right is not None:
            x = self.widths[0] + self.widths[1] - self.padding - self.right_size[0]
            self.right.drawOn(canvas, x, top - self.right_size[1])
