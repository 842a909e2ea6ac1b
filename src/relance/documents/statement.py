"""The statement of account PDF: every open item of a customer at a date, and how to pay.

Sections: the letterhead (title, date, customer account, RF reference), the customer's address,
the items overdue (with days late, and the penalty lines of each invoice when given), the items not
yet due, the credits available (credit notes and payments not yet applied), the totals per
currency (overdue, penalties, overdue including penalties, not yet due, credits, balance), and the
bank details with the SEPA transfer QR code (see `payment_qr` for what it carries).
"""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from relance.core.money import Money
from relance.documents.blocks import Line, Lines, Side
from relance.documents.grid import Row
from relance.documents.inputs import Penalties, PenaltyLineLike, legal_basis, penalty_totals
from relance.documents.layout import (
    CONTENT_WIDTH,
    GREY,
    LIGHT,
    Ctx,
    PdfDocument,
    address_block,
    grid,
    heading,
    letterhead,
    render,
)
from relance.documents.payment_qr import QrCode, customer_rf_reference, format_iban, format_reference, transfer_for
from relance.ledger.models import Company, Customer
from relance.ledger.selectors import OpenItem, Statement

QR_SIZE = 36 * mm


def statement_pdf(
    *,
    company: Company,
    customer: Customer,
    statement: Statement,
    language: str | None = None,
    penalties: Penalties | None = None,
) -> bytes:
    """The statement of account as PDF bytes, in `language` (default: the customer's)."""
    return render(
        [
            statement_document(
                company=company, customer=customer, statement=statement, language=language, penalties=penalties
            )
        ]
    )


def statement_document(
    *,
    company: Company,
    customer: Customer,
    statement: Statement,
    language: str | None = None,
    penalties: Penalties | None = None,
) -> PdfDocument:
    """The statement as a `PdfDocument`, to render alone or merged with letters (`merge_pdfs`)."""
    if customer.company_id != company.pk or statement.customer.pk != customer.pk:
        raise ValueError("the statement, the customer and the company do not belong together")
    ctx = Ctx.make(company, language or customer.language)
    reference = customer_rf_reference(company, customer)
    title = ctx.label("statement.title")
    story: list[Flowable] = [
        letterhead(
            ctx,
            title=title,
            facts=[
                (ctx.label("date"), ctx.date(statement.as_of, "long")),
                (ctx.label("customer_code"), ctx.text(customer.code)),
                (ctx.label("bank.reference"), format_reference(reference)),
            ],
        ),
        address_block(ctx, customer),
        ctx.para(ctx.markup("statement.intro", date=ctx.esc(ctx.date(statement.as_of, "long")))),
    ]
    if not statement.items:
        story.append(ctx.para(ctx.markup("statement.empty")))
    if statement.overdue:
        story += [
            heading(ctx, ctx.label("statement.overdue")),
            _overdue_table(ctx, statement.overdue, penalties),
        ]
    if statement.not_due:
        story += [heading(ctx, ctx.label("statement.not_due")), _not_due_table(ctx, statement.not_due)]
    if statement.credits:
        story += [heading(ctx, ctx.label("statement.credits")), _credits_table(ctx, statement.credits)]
    if statement.totals:
        story += [Spacer(0, 3 * mm), _totals_table(ctx, statement, penalties)]
    bank = _bank_block(ctx, customer, statement, reference)
    if bank is not None:
        story.append(bank)
    contact = ctx.markup("statement.contact", value=ctx.esc(company.email)) if company.email else ""
    story += [Spacer(0, 4 * mm), ctx.para(ctx.markup("statement.closing", contact=contact), "small")]
    return PdfDocument(ctx=ctx, title=f"{title} {customer.code} {statement.as_of.isoformat()}", story=story)


def penalty_text(ctx: Ctx, line: PenaltyLineLike) -> str:
    """One penalty line as markup: label, days and rate, legal basis."""
    text = ctx.esc(line.label)
    if line.days is not None and line.rate is not None:
        text += " — " + ctx.esc(ctx.label("penalty.detail", days=line.days, rate=ctx.rate(line.rate)))
    elif line.days is not None:
        text += " — " + ctx.esc(ctx.label("penalty.days", days=line.days))
    basis = legal_basis(line)
    if basis:
        text += f" ({ctx.esc(basis)})"
    return text


def _widths(*fractions: float) -> list[float]:
    return [CONTENT_WIDTH * f for f in fractions]


def _item_cells(ctx: Ctx, item: OpenItem, *, due: bool = True, days: bool = True) -> list[str]:
    """The seven cells of an item; the due date and days late left blank where they mean nothing."""
    return [
        ctx.text(item.number),
        ctx.kind(item.item_type),
        ctx.date(item.issue_date),
        ctx.date(item.due_date) if due else "",
        str(item.days_overdue) if days else "",
        ctx.money(item.amount),
        ctx.money(item.open_amount),
    ]


ITEM_KEYS = (
    "col.number",
    "col.kind",
    "col.issue_date",
    "col.due_date",
    "col.days_late",
    "col.amount",
    "col.open_amount",
)
ITEM_COLUMNS = [(0.16, "left"), (0.14, "left"), (0.14, "left"), (0.14, "left"), (0.1, "right")]
ITEM_COLUMNS += [(0.16, "right"), (0.16, "right")]


def _overdue_table(ctx: Ctx, items: Sequence[OpenItem], penalties: Penalties | None) -> Flowable:
    rows: list[Row] = []
    for item in items:
        rows.append(Row(_item_cells(ctx, item)))
        for line in (penalties or {}).get(item.number, ()):
            rows.append(Row([penalty_text(ctx, line), ctx.money(line.amount)], muted=True, span=6, indent=8))
    return grid(ctx, ITEM_COLUMNS, [ctx.label(k) for k in ITEM_KEYS], rows)


def _not_due_table(ctx: Ctx, items: Sequence[OpenItem]) -> Flowable:
    rows = [Row(_item_cells(ctx, item, days=False)) for item in items]
    header = [ctx.label(k) for k in ITEM_KEYS]
    header[4] = ""
    return grid(ctx, ITEM_COLUMNS, header, rows)


def _credits_table(ctx: Ctx, items: Sequence[OpenItem]) -> Flowable:
    rows = [Row(_item_cells(ctx, item, due=False, days=False)) for item in items]
    header = [ctx.label(k) for k in ITEM_KEYS]
    header[3] = header[4] = ""
    return grid(ctx, ITEM_COLUMNS, header, rows)


def _totals_table(ctx: Ctx, statement: Statement, penalties: Penalties | None) -> Flowable:
    currencies = sorted(statement.totals)
    totals = [statement.totals[c] for c in currencies]
    rows: list[Row] = []

    def add(key: str, values: Sequence[Money], *, bold: bool = False, rule: bool = False) -> None:
        rows.append(Row([ctx.label(key), *(ctx.money(v) for v in values)], bold=bold, rule_above=rule))

    add("totals.overdue", [t.overdue for t in totals])
    if penalties is not None:
        owed = penalty_totals(penalties, [item.number for item in statement.overdue])
        penalty = [owed.get(c, Money.zero(c)) for c in currencies]
        add("totals.penalties", penalty)
        add("totals.overdue_with_penalties", [t.overdue + p for t, p in zip(totals, penalty, strict=True)], bold=True)
    add("totals.not_due", [t.not_due for t in totals])
    add("totals.credits", [t.credits for t in totals])
    add("totals.balance", [t.balance for t in totals], bold=True, rule=True)
    amount = min(0.2, 0.6 / len(currencies))
    table = grid(
        ctx, [(0.36, "left"), *[(amount, "right")] * len(currencies)], [ctx.label("totals.title"), *currencies], rows
    )
    table.hAlign = "RIGHT"
    return table


def _bank_block(ctx: Ctx, customer: Customer, statement: Statement, reference: str) -> Flowable | None:
    company = ctx.company
    if not company.iban:
        return None
    pairs = [
        (ctx.label("bank.beneficiary"), ctx.text(company.legal_name or company.name)),
        (ctx.label("bank.iban"), format_iban(company.iban)),
    ]
    if company.bic:
        pairs.append((ctx.label("bank.bic"), company.bic))
    pairs.append((ctx.label("bank.reference"), format_reference(reference)))
    lines = [Line.of(ctx.label("bank.title"), bold=True, size=10.5), Line.of(ctx.label("bank.intro"), space_before=2)]
    lines += [Line.pair(name, value, colon=ctx.colon) for name, value in pairs]
    transfer = transfer_for(company, customer, statement.totals.get("EUR"))
    qr: Flowable | None = None
    if transfer is not None:
        caption = ctx.label("bank.qr", amount=ctx.money(transfer.amount))
        lines.append(Line.of(caption, size=7.5, color=GREY, space_before=4))
        qr = QrCode(transfer.qr_matrix(), QR_SIZE)
    right_width = QR_SIZE + 16
    block = Side(
        Lines(lines, ctx.family, CONTENT_WIDTH - right_width - 16),
        qr,
        (CONTENT_WIDTH - right_width, right_width),
        fill=LIGHT,
        padding=8,
    )
    block.spaceBefore = 10
    return block
