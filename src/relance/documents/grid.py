"""A fast table flowable for the item and total tables.

ReportLab's `Table` measures, wraps and draws every cell through its general machinery; for the
plain one-string cells of a statement that was most of the rendering time (measured here: a
10-line statement took 12 ms of CPU with `Table`s and Paragraphs, 5.5 ms with `Grid` and the
blocks of `blocks.py`; see benchmarks/bench_statement_pdf.py). `Grid` does only
what these tables need — fixed column widths, left or right alignment, a shaded header repeated
on every page, bold or muted rows, a first cell that may span several columns, and text that
wraps inside its column — and splits between rows when a page is full.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from reportlab.lib.colors import Color, black
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable

from relance.documents.blocks import split_lines
from relance.documents.fonts import FontFamily

Align = Literal["left", "right"]


@dataclass(frozen=True, slots=True)
class Column:
    width: float
    align: Align = "left"


@dataclass(frozen=True, slots=True)
class Row:
    cells: Sequence[str]
    bold: bool = False
    muted: bool = False
    span: int = 1  # the first cell covers this many columns
    indent: float = 0  # extra left padding of the first cell
    rule_above: bool = False


@dataclass(frozen=True, slots=True)
class GridStyle:
    family: FontFamily
    header_fill: Color
    rule: Color
    muted: Color
    size: float = 8.5
    leading: float = 10.2
    pad_x: float = 3
    pad_y: float = 1.8


@dataclass(frozen=True, slots=True)
class _Laid:
    """A row ready to draw: its height and each piece of text at its offset from the row's top left."""

    row: Row
    height: float
    font: str
    texts: tuple[tuple[float, float, str], ...]  # (x, baseline below the top, text)


class Grid(Flowable):
    """Rows of plain strings under an optional header, drawn directly on the canvas."""

    def __init__(
        self, columns: Sequence[Column], header: Sequence[str] | None, rows: Sequence[Row], style: GridStyle
    ) -> None:
        super().__init__()
        self.columns = list(columns)
        self.header = list(header) if header is not None else None
        self.rows = list(rows)
        self.style = style
        self.width = sum(c.width for c in self.columns)
        self._head = self._layout(Row(self.header, bold=True)) if self.header is not None else None
        self._laid = [self._layout(row) for row in self.rows]
        self.height = (self._head.height if self._head else 0) + sum(laid.height for laid in self._laid)

    # layout ----------------------------------------------------------------------------------
    def _layout(self, row: Row) -> _Laid:
        st = self.style
        font = st.family.bold if row.bold else st.family.regular
        texts: list[tuple[float, float, str]] = []
        lines_max = 1
        x = 0.0
        col = 0
        for index, text in enumerate(row.cells):
            if col >= len(self.columns):
                break
            span = row.span if index == 0 else 1
            cell_width = sum(c.width for c in self.columns[col : col + span])
            indent = row.indent if index == 0 else 0
            room = cell_width - 2 * st.pad_x - indent
            right = self.columns[col].align == "right"
            if text:
                width = stringWidth(text, font, st.size)
                lines = [(text, width)]
                if width > room:
                    lines = [
                        (part, stringWidth(part, font, st.size)) for part in split_lines(text, font, st.size, room)
                    ]
                lines_max = max(lines_max, len(lines))
                for number, (line, line_width) in enumerate(lines):
                    left = x + cell_width - st.pad_x - line_width if right else x + st.pad_x + indent
                    texts.append((left, st.pad_y + st.size + number * st.leading, line))
            x += cell_width
            col += span
        return _Laid(row, lines_max * st.leading + 2 * st.pad_y, font, tuple(texts))

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        used = self._head.height if self._head else 0
        count = 0
        for laid in self._laid:
            if used + laid.height > available_height:
                break
            used += laid.height
            count += 1
        if count == 0 or count == len(self.rows):
            return []
        first = Grid(self.columns, self.header, self.rows[:count], self.style)
        rest = Grid(self.columns, self.header, self.rows[count:], self.style)
        for part in (first, rest):
            part.hAlign = self.hAlign
        return [first, rest]

    # drawing ---------------------------------------------------------------------------------
    def draw(self) -> None:
        """Shading and rules first, then all the text in one text object."""
        canvas, st = self.canv, self.style
        rows = [self._head, *self._laid] if self._head is not None else list(self._laid)
        tops = []
        top = self.height
        for laid in rows:
            tops.append(top)
            top -= laid.height
        canvas.setLineWidth(0.5)
        if self._head is not None:
            canvas.setFillColor(st.header_fill)
            canvas.rect(0, tops[0] - self._head.height, self.width, self._head.height, stroke=0, fill=1)
            canvas.setStrokeColor(st.rule)
            below_header = tops[0] - self._head.height
            canvas.line(0, below_header, self.width, below_header)
        canvas.setStrokeColor(st.muted)
        for laid, row_top in zip(rows, tops, strict=True):
            if laid.row.rule_above:
                canvas.line(0, row_top, self.width, row_top)
        canvas.setStrokeColor(st.rule)
        canvas.line(0, 0, self.width, 0)
        text = canvas.beginText()
        for laid, row_top in zip(rows, tops, strict=True):
            text.setFont(laid.font, st.size, st.leading)
            text.setFillColor(st.muted if laid.row.muted else black)
            for x, below, line in laid.texts:
                text.setTextOrigin(x, row_top - below)
                text.textOut(line)
        canvas.drawText(text)
