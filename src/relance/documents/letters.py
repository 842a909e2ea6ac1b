"""The formal notice to pay (mise en demeure, letter before action), and what letters share.

The notice carries what a court and the debtor expect to find: the creditor and the debtor
identified (names, addresses, registration and VAT numbers), the place and date, each invoice with
its number, date, amount, open amount, due date and days late; the late-payment interest and the
fixed indemnity with their rate, days and legal basis (from the `penalties` input); unapplied
credits deducted; the total claimed; a deadline (the letter's date + `deadline_days`, 8 by
default); the consequence (legal proceedings, payment order / injonction de payer); for a French
creditor, the reference to article 1344 of the Code civil; and a signature block. It is headed
"Lettre recommandée avec accusé de réception" / "Registered letter with acknowledgement of
receipt": it is meant to be printed and sent that way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer

from relance.core.money import Money
from relance.documents.blocks import Line, Lines, Side
from relance.documents.grid import Row
from relance.documents.inputs import Penalties, legal_basis, penalty_totals
from relance.documents.layout import (
    CONTENT_WIDTH,
    GREY,
    Ctx,
    PdfDocument,
    address_block,
    grid,
    letterhead,
    party_lines,
    render,
)
from relance.documents.payment_qr import customer_rf_reference, format_reference
from relance.ledger.models import Company, Customer
from relance.ledger.selectors import Statement

DEFAULT_DEADLINE_DAYS = 8


def formal_notice_pdf(
    *,
    company: Company,
    customer: Customer,
    statement: Statement,
    language: str | None = None,
    penalties: Penalties | None = None,
    letter_date: dt.date | None = None,
    deadline_days: int = DEFAULT_DEADLINE_DAYS,
    place: str = "",
    signatory: str = "",
    signatory_title: str = "",
    deduct_credits: bool = True,
) -> bytes:
    """The formal notice for the overdue items of `statement`, as PDF bytes (see `formal_notice_document`)."""
    return render(
        [
            formal_notice_document(
                company=company,
                customer=customer,
                statement=statement,
                language=language,
                penalties=penalties,
                letter_date=letter_date,
                deadline_days=deadline_days,
                place=place,
                signatory=signatory,
                signatory_title=signatory_title,
                deduct_credits=deduct_credits,
            )
        ]
    )


def formal_notice_document(
    *,
    company: Company,
    customer: Customer,
    statement: Statement,
    language: str | None = None,
    penalties: Penalties | None = None,
    letter_date: dt.date | None = None,
    deadline_days: int = DEFAULT_DEADLINE_DAYS,
    place: str = "",
    signatory: str = "",
    signatory_title: str = "",
    deduct_credits: bool = True,
) -> PdfDocument:
    """The formal notice as a `PdfDocument`.

    It claims the overdue items of `statement` (the caller leaves disputed items out), their
    `penalties`, less the credits of the statement unless `deduct_credits` is False. The letter
    is dated `letter_date` (default: the statement's date) at `place` (default: the company's
    city); the debtor must pay within `deadline_days` calendar days. Raises ValueError when
    nothing is overdue or nothing remains to claim.
    """
    if customer.company_id != company.pk or statement.customer.pk != customer.pk:
        raise ValueError("the statement, the customer and the company do not belong together")
    if not statement.overdue:
        raise ValueError("a formal notice needs at least one overdue item")
    if deadline_days < 1:
        raise ValueError("deadline_days must be at least 1")
    ctx = Ctx.make(company, language or customer.language)
    date = letter_date or statement.as_of
    deadline = date + dt.timedelta(days=deadline_days)
    numbers = [item.number for item in statement.overdue]
    principal = _sum([item.open_amount for item in statement.overdue])
    owed_penalties = penalty_totals(penalties, numbers)
    credits = _sum([item.open_amount for item in statement.credits]) if deduct_credits else {}
    claimed = {
        currency: amount
        + owed_penalties.get(currency, Money.zero(currency))
        + credits.get(currency, Money.zero(currency))
        for currency, amount in principal.items()
    }
    claimed = {currency: amount for currency, amount in claimed.items() if amount.minor > 0}
    if not claimed:
        raise ValueError("nothing remains to claim once credits are deducted")
    total = " + ".join(ctx.money(claimed[currency]) for currency in sorted(claimed))
    title = ctx.label("notice.title")
    debtor = ctx.text(customer.name)
    creditor = ctx.text(company.legal_name or company.name)

    story: list[Flowable] = [
        letterhead(
            ctx,
            title=title,
            facts=[
                (ctx.label("customer_code"), ctx.text(customer.code)),
                (ctx.label("our_reference"), format_reference(customer_rf_reference(company, customer))),
            ],
        ),
        registered_mail(ctx),
        address_block(ctx, customer),
        place_and_date(ctx, place or company.city, date),
        parties_block(ctx, customer),
        Lines(
            [Line(((ctx.label("notice.subject_label") + " ", True), (ctx.label("notice.subject"), True)), size=10.5)],
            ctx.family,
            CONTENT_WIDTH,
        ),
        Spacer(0, 3 * mm),
        ctx.para(ctx.markup("notice.salutation")),
        ctx.para(ctx.markup("notice.body", creditor=ctx.esc(creditor), debtor=ctx.esc(debtor))),
        _invoices_table(ctx, statement),
    ]
    if penalties and any(penalties.get(number) for number in numbers):
        story += [
            Spacer(0, 3 * mm),
            ctx.para(ctx.markup("notice.penalties")),
            _penalties_table(ctx, statement, penalties),
        ]
    story += [Spacer(0, 3 * mm), _summary_table(ctx, principal, owed_penalties, credits, claimed), Spacer(0, 4 * mm)]
    deadline_text = ctx.esc(ctx.date(deadline, "long"))
    demand = ctx.markup("notice.demand", total=ctx.esc(total), deadline=deadline_text, days=str(deadline_days))
    story.append(ctx.para(f"<b>{demand}</b>"))
    story.append(ctx.para(ctx.markup("notice.consequence")))
    if company.country == "FR":
        story.append(ctx.para(ctx.markup("notice.civil_code")))
    story.append(ctx.para(ctx.markup("notice.already_paid")))
    signature = signature_block(ctx, signatory=signatory, signatory_title=signatory_title)
    story.append(KeepTogether([ctx.para(ctx.markup("notice.closing")), signature]))
    return PdfDocument(ctx=ctx, title=f"{title} {customer.code} {date.isoformat()}", story=story)


# --- parts shared by the letters ---------------------------------------------------------------


def registered_mail(ctx: Ctx) -> Flowable:
    """The registered-mail mention, above the address."""
    width = CONTENT_WIDTH * 0.45
    mention = Lines([Line.of(ctx.label("notice.registered").upper(), bold=True, size=8.5)], ctx.family, width)
    block = Side(Lines([], ctx.family, 1), mention, (CONTENT_WIDTH - width, width))
    block.spaceBefore = 6
    return block


def place_and_date(ctx: Ctx, place: str, date: dt.date) -> Flowable:
    text = ctx.date(date, "long")
    if place:
        text = ctx.label("notice.place_date", place=ctx.text(place), date=text)
    block = Lines([Line.of(text)], ctx.family, CONTENT_WIDTH, align="right")
    block.spaceAfter = 8
    return block


def parties_block(ctx: Ctx, customer: Customer) -> Flowable:
    """Creditor and debtor, side by side, with their registration and VAT numbers."""
    half = CONTENT_WIDTH / 2

    def column(key: str, lines: Sequence[str]) -> Lines:
        block = [Line.of(ctx.label(key).upper(), bold=True, size=7.5, color=GREY)]
        block += [Line.of(line, size=8.5, bold=index == 0) for index, line in enumerate(lines)]
        return Lines(block, ctx.family, half - 10)

    creditor = column("notice.creditor", party_lines(ctx, ctx.company, country_of=customer.country))
    debtor = column("notice.debtor", party_lines(ctx, customer, country_of=ctx.company.country))
    block = Side(creditor, debtor, (half, half))
    block.spaceAfter = 10
    return block


def signature_block(ctx: Ctx, *, signatory: str = "", signatory_title: str = "") -> Flowable:
    lines = [Line.of(ctx.text(ctx.company.legal_name or ctx.company.name), bold=True)]
    lines += [Line.of(ctx.text(text)) for text in (signatory, signatory_title) if text]
    lines.append(Line.of(ctx.label("signature"), size=8, color=GREY, space_before=30))
    width = CONTENT_WIDTH * 0.45
    block = Side(Lines([], ctx.family, 1), Lines(lines, ctx.family, width), (CONTENT_WIDTH - width, width))
    block.spaceBefore = 10
    return block


def _sum(amounts: Sequence[Money]) -> dict[str, Money]:
    totals: dict[str, Money] = {}
    for amount in amounts:
        current = totals.get(amount.currency)
        totals[amount.currency] = amount if current is None else current + amount
    return totals


def _invoices_table(ctx: Ctx, statement: Statement) -> Flowable:
    keys = ("col.number", "col.issue_date", "col.due_date", "col.days_late", "col.amount", "col.open_amount")
    rows = [
        Row(
            [
                ctx.text(item.number),
                ctx.date(item.issue_date),
                ctx.date(item.due_date),
                str(item.days_overdue),
                ctx.money(item.amount),
                ctx.money(item.open_amount),
            ]
        )
        for item in statement.overdue
    ]
    columns = [(0.2, "left"), (0.16, "left"), (0.16, "left"), (0.12, "right"), (0.18, "right"), (0.18, "right")]
    return grid(ctx, columns, [ctx.label(k) for k in keys], rows)


def _penalties_table(ctx: Ctx, statement: Statement, penalties: Penalties) -> Flowable:
    keys = ("col.invoice", "col.penalty", "col.days", "col.rate", "col.legal_basis", "col.penalty_amount")
    rows: list[Row] = []
    for item in statement.overdue:
        for line in penalties.get(item.number, ()):
            rows.append(
                Row(
                    [
                        ctx.text(item.number),
                        ctx.text(line.label),
                        "" if line.days is None else str(line.days),
                        "" if line.rate is None else ctx.rate(line.rate),
                        ctx.text(legal_basis(line)),
                        ctx.money(line.amount),
                    ]
                )
            )
    columns = [(0.14, "left"), (0.28, "left"), (0.07, "right"), (0.12, "right"), (0.23, "left"), (0.16, "right")]
    return grid(ctx, columns, [ctx.label(k) for k in keys], rows)


def _summary_table(
    ctx: Ctx,
    principal: Mapping[str, Money],
    penalties: Mapping[str, Money],
    credits: Mapping[str, Money],
    claimed: Mapping[str, Money],
) -> Flowable:
    currencies = sorted(claimed)
    rows = [Row([ctx.label("notice.principal"), *(ctx.money(principal[c]) for c in currencies)])]
    if any(c in penalties for c in currencies):
        zero = {c: Money.zero(c) for c in currencies}
        rows.append(
            Row([ctx.label("notice.penalties_total"), *(ctx.money(penalties.get(c, zero[c])) for c in currencies)])
        )
    if any(c in credits for c in currencies):
        zero = {c: Money.zero(c) for c in currencies}
        rows.append(Row([ctx.label("notice.credits"), *(ctx.money(credits.get(c, zero[c])) for c in currencies)]))
    rows.append(
        Row([ctx.label("notice.total"), *(ctx.money(claimed[c]) for c in currencies)], bold=True, rule_above=True)
    )
    amount = min(0.2, 0.6 / len(currencies))
    table = grid(ctx, [(0.4, "left"), *[(amount, "right")] * len(currencies)], None, rows)
    table.hAlign = "RIGHT"
    return table
