"""The written promise to pay: an acknowledgement of debt generated when a promise is recorded.

It names the creditor and the debtor (with their registration and VAT numbers), lists the
invoices concerned, states that the debtor acknowledges owing them ("certain, liquid and
payable"), the promised amount, date and means of payment, that the promise does not novate the
debt, when and through which channel the promise was made, the place and date, a line for the
amount in words written by the debtor, and signature lines for both parties ("read and approved").
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from babel.dates import format_time
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from relance.core.money import Money
from relance.documents.blocks import Line, Lines, Side
from relance.documents.grid import Row
from relance.documents.inputs import PromiseInput
from relance.documents.labels import LABELS
from relance.documents.layout import CONTENT_WIDTH, GREY, Ctx, PdfDocument, grid, letterhead, render
from relance.documents.letters import parties_block
from relance.ledger.models import Company, Customer
from relance.ledger.selectors import OpenItem, Statement


def promise_pdf(
    *,
    company: Company,
    customer: Customer,
    promise: PromiseInput,
    language: str | None = None,
    statement: Statement | None = None,
) -> bytes:
    """The acknowledgement of debt and promise to pay, as PDF bytes (see `promise_document`)."""
    return render(
        [promise_document(company=company, customer=customer, promise=promise, language=language, statement=statement)]
    )


def promise_document(
    *,
    company: Company,
    customer: Customer,
    promise: PromiseInput,
    language: str | None = None,
    statement: Statement | None = None,
) -> PdfDocument:
    """The promise as a `PdfDocument`.

    The invoices' dates and open amounts come from `statement` when given (matched by number),
    else from `promise.invoice_amounts`; an invoice found in neither is listed by number only.
    """
    if customer.company_id != company.pk:
        raise ValueError("customer does not belong to this company")
    if statement is not None and statement.customer.pk != customer.pk:
        raise ValueError("the statement is another customer's")
    if not promise.invoice_numbers:
        raise ValueError("a promise covers at least one invoice")
    if promise.amount.minor <= 0:
        raise ValueError("the promised amount must be above zero")
    ctx = Ctx.make(company, language or customer.language)
    items = {item.number: item for item in statement.items} if statement is not None else {}
    made_on = promise.made_at.date() if isinstance(promise.made_at, dt.datetime) else promise.made_at
    title = ctx.label("promise.title")
    debtor = ctx.esc(customer.name)
    creditor = ctx.esc(company.legal_name or company.name)
    invoices, owed = _invoices(ctx, promise, items)

    story: list[Flowable] = [
        letterhead(
            ctx,
            title=title,
            facts=[
                (ctx.label("date"), ctx.date(made_on, "long")),
                (ctx.label("customer_code"), ctx.text(customer.code)),
            ],
        ),
        Spacer(0, 6 * mm),
        parties_block(ctx, customer),
        ctx.para(
            ctx.markup("promise.undersigned", person=ctx.esc(promise.promised_by), debtor=debtor, creditor=creditor)
        ),
        invoices,
        Spacer(0, 4 * mm),
        ctx.para(
            "<b>"
            + ctx.markup(
                "promise.commitment",
                debtor=debtor,
                amount=ctx.esc(ctx.money(promise.amount)),
                date=ctx.esc(ctx.date(promise.payment_date, "long")),
                means=ctx.esc(_means(ctx, promise.means)),
            )
            + "</b>"
        ),
    ]
    if owed is not None and owed.currency == promise.amount.currency and owed > promise.amount:
        story.append(ctx.para(ctx.markup("promise.partial", rest=ctx.esc(ctx.money(owed - promise.amount)))))
    channel = ctx.markup("promise.channel", value=ctx.esc(promise.channel)) if promise.channel else ""
    story += [
        ctx.para(ctx.markup("promise.no_waiver")),
        ctx.para(ctx.markup("promise.recorded", when=ctx.esc(_when(ctx, promise.made_at)), channel=channel), "small"),
        Spacer(0, 4 * mm),
        ctx.para(
            ctx.markup(
                "promise.done_at",
                place=ctx.esc(promise.place or customer.city or "…"),
                date=ctx.esc(ctx.date(made_on, "long")),
            )
        ),
        Lines(
            [Line.of(ctx.label("promise.in_words"), size=8.5), Line.of("_" * 95, color=GREY, space_before=10)],
            ctx.family,
            CONTENT_WIDTH,
        ),
        _signatures(ctx),
    ]
    return PdfDocument(ctx=ctx, title=f"{title} {customer.code} {made_on.isoformat()}", story=story)


def _invoices(ctx: Ctx, promise: PromiseInput, items: dict[str, OpenItem]) -> tuple[Flowable, Money | None]:
    """The table of the invoices concerned, and their total open amount when every one is known."""
    rows: list[Row] = []
    total: Money | None = Money.zero(promise.amount.currency)
    for number in promise.invoice_numbers:
        item = items.get(number)
        amount = item.open_amount if item is not None else promise.invoice_amounts.get(number)
        if amount is None or total is None or amount.currency != total.currency:
            total = None
        else:
            total += amount
        rows.append(
            Row(
                [
                    ctx.text(number),
                    ctx.date(item.issue_date) if item else "",
                    ctx.date(item.due_date) if item else "",
                    ctx.money(amount) if amount is not None else "",
                ]
            )
        )
    if total is not None and len(rows) > 1:
        rows.append(Row([ctx.label("promise.total_invoices"), ctx.money(total)], bold=True, span=3, rule_above=True))
    keys = ("col.invoice", "col.issue_date", "col.due_date", "col.open_amount")
    columns = [(0.34, "left"), (0.22, "left"), (0.22, "left"), (0.22, "right")]
    return grid(ctx, columns, [ctx.label(k) for k in keys], rows), total


def _means(ctx: Ctx, means: str) -> str:
    key = f"means.{means}"
    return ctx.label(key) if key in LABELS else ctx.text(means)


def _when(ctx: Ctx, made_at: dt.datetime | dt.date) -> str:
    if not isinstance(made_at, dt.datetime):
        return ctx.date(made_at, "long")
    if made_at.tzinfo is not None:
        made_at = made_at.astimezone(ZoneInfo(ctx.company.timezone))
    time = format_time(made_at, "short", locale=ctx.language)
    return f"{ctx.date(made_at.date(), 'long')}, {ctx.text(time)}"


def _signatures(ctx: Ctx) -> Flowable:
    half = CONTENT_WIDTH / 2

    def column(key: str, note: str) -> Lines:
        lines = [Line.of(ctx.label(key), bold=True, size=9)]
        if note:
            lines.append(Line.of(note, size=7.5, color=GREY))
        lines.append(Line.of("_" * 40, color=GREY, space_before=36))
        return Lines(lines, ctx.family, half - 12)

    block = Side(
        column("promise.signature_debtor", ctx.label("promise.read_approved")),
        column("promise.signature_creditor", ctx.text(ctx.company.legal_name or ctx.company.name)),
        (half, half),
    )
    block.spaceBefore = 14
    return block
