"""Penalties on a customer's statement: the bridge between the ledger and the pure penalty engine.

    penalties = statement_penalties(company=c, customer=k, statement=s, excluded_invoice_ids=disputed)

For each overdue invoice of the statement it computes interest and fixed indemnities with the
rule of the customer (or the company), from the invoice's dated allocations. Disputed invoices
are passed in as excluded by the caller (disputes belong to `collection`, above this layer) and
get no penalty. A missing reference rate is reported per invoice, never turned into zero.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from relance.core.money import Money
from relance.finance.penalties import (
    InvoiceFacts,
    MissingRateError,
    PaymentFact,
    PenaltyError,
    PenaltyResult,
    PenaltyRule,
    RateBook,
    compute_penalties,
    get_rule,
)
from relance.finance.rates_store import load_rate_book
from relance.ledger.models import Allocation, Company, Customer
from relance.ledger.selectors import Statement


def penalties_enabled(company: Company, customer: Customer) -> bool:
    return company.penalties_enabled if customer.penalties_enabled is None else bool(customer.penalties_enabled)


def penalty_rule_for(company: Company, customer: Customer) -> PenaltyRule:
    code = customer.penalty_rule or company.penalty_rule
    if code == "contract":
        fee = Money(company.penalty_contract_fee, company.currency) if company.penalty_contract_fee else None
        return get_rule("contract", rate=company.penalty_contract_rate or Decimal(0), fee=fee)
    if code == "fr":
        return get_rule(
            "fr", contract_rate=company.penalty_contract_rate, rate_of_delay_start=company.penalty_rate_of_delay_start
        )
    return get_rule(code)


@dataclass
class StatementPenalties:
    enabled: bool
    by_invoice: dict[int, PenaltyResult] = field(default_factory=dict)
    problems: dict[int, str] = field(default_factory=dict)  # invoice id -> why no figure (missing rate...)
    totals: dict[str, Money] = field(default_factory=dict)  # currency -> interest + indemnities

    def total(self, currency: str) -> Money:
        return self.totals.get(currency, Money.zero(currency))

    def overdue_with_penalties(self, statement: Statement, currency: str) -> Money:
        overdue = statement.totals[currency].overdue if currency in statement.totals else Money.zero(currency)
        return overdue + self.total(currency)


def invoice_allocations(invoice_ids: list[int]) -> dict[int, list[tuple[dt.date, int]]]:
    """What was paid on each invoice and when (payments, credit notes, settlements)."""
    found: dict[int, list[tuple[dt.date, int]]] = defaultdict(list)
    rows = Allocation.objects.filter(invoice_id__in=invoice_ids).values_list("invoice_id", "date", "amount")
    for invoice_id, date, amount in rows:
        found[invoice_id].append((date, int(amount)))
    return found


def statement_penalties(
    *,
    company: Company,
    customer: Customer,
    statement: Statement,
    excluded_invoice_ids: frozenset[int] = frozenset(),
    rates: RateBook | None = None,
    force: bool = False,
    allocations: dict[int, list[tuple[dt.date, int]]] | None = None,
) -> StatementPenalties:
    """Penalties of every overdue invoice of the statement (nothing when disabled, unless `force`)."""
    enabled = force or penalties_enabled(company, customer)
    result = StatementPenalties(enabled=enabled)
    overdue = [item for item in statement.overdue if item.item_id not in excluded_invoice_ids]
    if not enabled or not overdue:
        return result
    rule = penalty_rule_for(company, customer)
    rates = rates or load_rate_book()
    paid: dict[int, list[tuple[int, dt.date, int]]] = defaultdict(list)
    if allocations is None:
        allocations = invoice_allocations([i.item_id for i in overdue])
    for invoice_id in (i.item_id for i in overdue):
        paid[invoice_id] = [(invoice_id, date, amount) for date, amount in allocations.get(invoice_id, ())]
    totals: dict[str, Money] = {}
    for item in overdue:
        currency = item.amount.currency
        payments = [
            PaymentFact(date=date, amount=Money(int(amount), currency)) for _i, date, amount in paid[item.item_id]
        ]
        try:
            penalty = compute_penalties(
                invoice=InvoiceFacts(
                    amount=item.amount, due_date=item.due_date, issue_date=item.issue_date, reference=item.number
                ),
                payments=payments,
                as_of=statement.as_of,
                rule=rule,
                rates=rates,
            )
        except (MissingRateError, PenaltyError) as exc:
            result.problems[item.item_id] = str(exc)
            continue
        result.by_invoice[item.item_id] = penalty
        totals[currency] = totals.get(currency, Money.zero(currency)) + penalty.total
    result.totals = totals
    return result
