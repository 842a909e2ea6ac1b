"""The common frame of every document: styles, letterhead, address blocks, footer, rendering.

A document is a `PdfDocument` — a list of ReportLab flowables plus what its footer needs —
built by `statement.py` or `letters.py`. `render` lays one or several of them out in ONE ReportLab
document (A4), each starting on a new page with its own letterhead, footer and "Page x of y"
numbering; that is how several letters become one PDF to print.

All text printed comes from `Ctx`: labels in the reader's language, amounts through
`Money.format(language)`, dates through Babel, every string made printable with the document font
(`fonts.pdf_text`) and escaped before it enters a Paragraph's mini-markup.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache, lru_cache
from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, Image, PageBreak, PageTemplate, Paragraph

from relance.core.money import Money
from relance.documents.amounts import format_money
from relance.documents.blocks import Line, Lines, Side, Stack
from relance.documents.fonts import FontFamily, font_family, pdf_text
from relance.documents.grid import Column, Grid, GridStyle, Row
from relance.documents.labels import label, normalise_language
from relance.ledger.models import Company, Customer

logger = logging.getLogger(__name__)

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN_X = 18 * mm
MARGIN_TOP = 13 * mm
MARGIN_BOTTOM = 20 * mm
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN_X
GREY = HexColor("#5f6368")
LIGHT = HexColor("#eef1f4")
RULE = HexColor("#b8bec6")
ACCENT = HexColor("#1f3a5f")


@dataclass(frozen=True, slots=True)
class Styles:
    """Paragraph styles of the running text (the fixed parts are drawn by `blocks` and `grid`)."""

    body: ParagraphStyle
    small: ParagraphStyle


@cache
def styles_for(family: FontFamily) -> Styles:
    return Styles(
        body=ParagraphStyle("body", fontName=family.regular, fontSize=9.5, leading=12.5, spaceAfter=5),
        small=ParagraphStyle("small", fontName=family.regular, fontSize=8, leading=10, textColor=GREY),
    )


@lru_cache(maxsize=8192)
def _date(value: dt.date, fmt: str, language: str) -> str:
    """Babel's date, cached: the statements of one run share most of their dates."""
    return format_date(value, fmt, locale=language).replace(" ", "\u00a0")


@dataclass(slots=True)
class Ctx:
    """Everything a builder needs to print text for one company in one language."""

    company: Company
    language: str
    family: FontFamily
    styles: Styles

    @classmethod
    def make(cls, company: Company, language: str | None) -> Ctx:
        family = font_family()
        return cls(company=company, language=normalise_language(language), family=family, styles=styles_for(family))

    # plain text (table cells, canvas) --------------------------------------------------------
    def text(self, value: str) -> str:
        return pdf_text(value, self.family)

    def label(self, key: str, **values: object) -> str:
        return self.text(label(self.language, key, **values))

    def money(self, value: Money) -> str:
        """`value.format(language)`, identical but faster (see `amounts`)."""
        return self.text(format_money(value, self.language))

    def date(self, value: dt.date, fmt: str = "medium") -> str:
        """The date in the reader's language, its words joined by no-break spaces (never split over two lines)."""
        return self.text(_date(value, fmt, self.language))

    def rate(self, value: Decimal) -> str:
        number = format_decimal(value, format="#,##0.00##", locale=self.language)
        return self.text(f"{number}\u00a0%" if self.language == "fr" else f"{number}%")

    def country(self, code: str) -> str:
        return self.text(Locale.parse(self.language).territories.get(code.upper(), code))

    # markup (Paragraphs) ---------------------------------------------------------------------
    def esc(self, value: str) -> str:
        return escape(self.text(value))

    def markup(self, key: str, **values: str) -> str:
        """A label as Paragraph markup; `values` must already be markup (escaped)."""
        return (
            escape(self.text(label(self.language, key))).format(**values)
            if values
            else self.esc(label(self.language, key))
        )

    @property
    def colon(self) -> str:
        """What separates a name from its value: ``": "``, ``"\u00a0: "`` in French."""
        return "\u00a0: " if self.language == "fr" else ": "

    def para(self, markup: str, style: str = "body") -> Paragraph:
        """A paragraph of running text; `style` is "body" or "small"."""
        return Paragraph(markup, self.styles.small if style == "small" else self.styles.body)

    def kind(self, item_type: str) -> str:
        return self.label(f"kind.{item_type}")


@dataclass(slots=True)
class PdfDocument:
    """One document ready to render: its flowables and the text of its footer."""

    ctx: Ctx
    title: str
    story: list[Flowable] = field(default_factory=list)

    @property
    def footer(self) -> str:
        return footer_line(self.ctx)


def footer_line(ctx: Ctx) -> str:
    company = ctx.company
    parts = [company.legal_name or company.name]
    address = ", ".join(p for p in (company.address_line1, f"{company.postal_code} {company.city}".strip()) if p)
    if address:
        parts.append(address)
    if company.legal_id:
        parts.append(label(ctx.language, "registration", value=company.legal_id))
    if company.vat_id:
        parts.append(label(ctx.language, "vat", value=company.vat_id))
    return ctx.text(" · ".join(parts))


def _logo(company: Company) -> Flowable | None:
    if not company.logo:
        return None
    try:
        with company.logo.open("rb") as handle:
            data = BytesIO(handle.read())
        width, height = ImageReader(data).getSize()
        data.seek(0)
    except Exception:  # a missing or unreadable logo must not stop a statement run
        logger.warning("documents: logo %s of company %s unreadable, skipped", company.logo.name, company.pk)
        return None
    scale = min(45 * mm / width, 16 * mm / height)
    image = Image(data, width=width * scale, height=height * scale)
    image.hAlign = "LEFT"
    return image


def letterhead(ctx: Ctx, *, title: str, facts: Sequence[tuple[str, str]]) -> Flowable:
    """The company block (left) and the document title with its facts (right: date, references)."""
    company = ctx.company
    lines = [company.legal_name if company.legal_name and company.legal_name != company.name else ""]
    lines += [company.address_line1, company.address_line2, f"{company.postal_code} {company.city}".strip()]
    contacts = [label(ctx.language, "phone", value=company.phone) if company.phone else "", company.email]
    lines += [" · ".join(c for c in contacts if c), company.website]
    left_width, right_width = CONTENT_WIDTH * 0.55, CONTENT_WIDTH * 0.45
    block = [Line.of(ctx.text(company.name), bold=True, size=13, color=ACCENT)]
    block += [Line.of(ctx.text(line), size=8, color=GREY) for line in lines if line]
    left: Flowable = Lines(block, ctx.family, left_width - 6)
    logo = _logo(company)
    if logo is not None:
        left = Stack([logo, left], left_width - 6, gap=4)
    right = [Line.of(ctx.text(title), bold=True, size=15, color=ACCENT)]
    right += [Line.pair(name, value, colon=ctx.colon, size=9) for name, value in facts]
    table = Side(left, Lines(right, ctx.family, right_width, align="right"), (left_width, right_width))
    table.spaceAfter = 4
    return table


def party_lines(ctx: Ctx, party: Company | Customer, *, with_ids: bool = True, country_of: str = "") -> list[str]:
    """A postal address block, name first; the country only when it differs from `country_of`."""
    lines = [party.name]
    if isinstance(party, Company) and party.legal_name and party.legal_name != party.name:
        lines.append(party.legal_name)
    lines += [party.address_line1, party.address_line2, f"{party.postal_code} {party.city}".strip()]
    if party.country and party.country != country_of:
        lines.append(ctx.country(party.country).upper())
    if with_ids and party.legal_id:
        lines.append(label(ctx.language, "registration", value=party.legal_id))
    if with_ids and party.vat_id:
        lines.append(label(ctx.language, "vat", value=party.vat_id))
    return [ctx.text(line) for line in lines if line]


def address_block(ctx: Ctx, customer: Customer, *, extra: Sequence[str] = ()) -> Flowable:
    """The customer's address on the right half, where a window envelope shows it."""
    lines = party_lines(ctx, customer, with_ids=False, country_of=ctx.company.country)
    block = [Line.of(lines[0], bold=True, size=10), *(Line.of(line, size=10) for line in [*lines[1:], *extra])]
    width = CONTENT_WIDTH * 0.45
    flowable = Side(Lines([], ctx.family, 1), Lines(block, ctx.family, width), (CONTENT_WIDTH - width, width))
    flowable.spaceBefore, flowable.spaceAfter = 8, 12
    return flowable


def heading(ctx: Ctx, text: str) -> Flowable:
    flowable = Lines([Line.of(text, bold=True, size=10.5)], ctx.family, CONTENT_WIDTH)
    flowable.spaceBefore, flowable.spaceAfter = 6, 2
    return flowable


def grid(ctx: Ctx, columns: Sequence[tuple[float, str]], header: Sequence[str] | None, rows: Sequence[Row]) -> Grid:
    """An item table: `columns` are (fraction of the content width, "left" or "right")."""
    cols = [Column(CONTENT_WIDTH * fraction, "right" if align == "right" else "left") for fraction, align in columns]
    return Grid(cols, header, rows, grid_style(ctx.family))


@cache
def grid_style(family: FontFamily) -> GridStyle:
    return GridStyle(family=family, header_fill=LIGHT, rule=RULE, muted=GREY)


# --- rendering -------------------------------------------------------------------------------


class _PartStart(Flowable):
    """Zero-size marker at the head of each document: tells the canvas whose pages follow."""

    def __init__(self, index: int, footer: str, ctx: Ctx) -> None:
        super().__init__()
        self.index, self.footer, self.ctx = index, footer, ctx
        self.width = self.height = 0

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        self.canv._relance_part = (self.index, self.footer, self.ctx)  # type: ignore[attr-defined]


class _NumberedCanvas(Canvas):
    """Keeps every page until the end, then draws each page's footer with "Page x of y" of its document."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._relance_part: tuple[int, str, Ctx] | None = None
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        parts = [page["_relance_part"] for page in self._pages]
        counts: dict[int, int] = {}
        for part in parts:
            if part is not None:
                counts[part[0]] = counts.get(part[0], 0) + 1
        seen: dict[int, int] = {}
        for page, part in zip(self._pages, parts, strict=True):
            self.__dict__.update(page)
            if part is not None:
                index, footer, ctx = part
                seen[index] = seen.get(index, 0) + 1
                self._footer(footer, ctx, ctx.label("page", page=seen[index], pages=counts[index]))
            super().showPage()
        super().save()

    def _footer(self, text: str, ctx: Ctx, page: str) -> None:
        self.saveState()
        self.setStrokeColor(RULE)
        self.setLineWidth(0.5)
        y = MARGIN_BOTTOM - 8 * mm
        self.line(MARGIN_X, y + 9, PAGE_WIDTH - MARGIN_X, y + 9)
        self.setFont(ctx.family.regular, 7)
        self.setFillColor(GREY)
        page_width = self.stringWidth(page, ctx.family.regular, 7)
        room = CONTENT_WIDTH - page_width - 6 * mm
        while text and self.stringWidth(text, ctx.family.regular, 7) > room:
            text = text[: int(len(text) * room / self.stringWidth(text, ctx.family.regular, 7)) - 1]
        self.drawString(MARGIN_X, y, text)
        self.drawRightString(PAGE_WIDTH - MARGIN_X, y, page)
        self.restoreState()


def render(documents: Sequence[PdfDocument]) -> bytes:
    """Lay out one or several documents in one A4 PDF; each starts on a new page."""
    if not documents:
        raise ValueError("nothing to render")
    buffer = BytesIO()
    first = documents[0]
    template = BaseDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=first.title if len(documents) == 1 else f"{first.title} (+{len(documents) - 1})",
        author=first.ctx.company.name,
        creator="Relance",
        lang=first.ctx.language,
    )
    frame = Frame(MARGIN_X, MARGIN_BOTTOM, CONTENT_WIDTH, PAGE_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM, id="body")
    template.addPageTemplates([PageTemplate(id="page", frames=[frame])])
    story: list[Flowable] = []
    for index, document in enumerate(documents):
        if index:
            story.append(PageBreak())
        story.append(_PartStart(index, document.footer, document.ctx))
        story.extend(document.story)
    template.build(story, canvasmaker=_NumberedCanvas)
    return buffer.getvalue()
