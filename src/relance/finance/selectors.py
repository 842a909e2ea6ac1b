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
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import BigIntegerField, Case, F, Q, QuerySet, Sum, Value, When

from relance.core.money import Money
from relance.finance.kpis import Period, calendar_months
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
from relance.ledger.models import Allocation, Company, Customer, Invoice, InvoiceKind
from relance.ledger.selectors import Statement, open_items_sql


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


# --- inputs of the receivables KPIs (docs/kpis.md) ------------------------------------------


@dataclass(frozen=True, slots=True)
class Balances:
    """What was open at the end of one day, in one currency, aged by days past due that day.

    The buckets hold invoices and debit notes (positive); `credits` the credit notes and payments
    not yet allocated (negative or zero).
    """

    date: dt.date
    not_due: Money
    days_1_30: Money
    days_31_60: Money
    days_61_90: Money
    days_over_90: Money
    credits: Money

    @property
    def overdue(self) -> Money:
        return self.days_1_30 + self.days_31_60 + self.days_61_90 + self.days_over_90

    @property
    def receivable(self) -> Money:
        """Open invoices and debit notes, before credits."""
        return self.not_due + self.overdue

    @property
    def balance(self) -> Money:
        """Net receivables: what the DSO counts (open debits minus unapplied credits)."""
        return self.receivable + self.credits

    def buckets(self) -> dict[str, Money]:
        """The debit buckets, for `aging_shares`."""
        return {
            "not_due": self.not_due,
            "days_1_30": self.days_1_30,
            "days_31_60": self.days_31_60,
            "days_61_90": self.days_61_90,
            "days_over_90": self.days_over_90,
        }


@dataclass(frozen=True, slots=True)
class MonthInputs:
    period: Period
    credit_sales: Money  # invoices + debit notes issued in the period - credit notes issued in it
    closing: Balances  # at the period's last day


@dataclass(frozen=True, slots=True)
class KpiInputs:
    """The ledger figures the KPIs of one currency are computed from (plain values only)."""

    currency: str
    opening: Balances  # the day before the first month
    months: tuple[MonthInputs, ...]  # oldest first; the last one ends on `end`

    @property
    def end(self) -> dt.date:
        return self.months[-1].period.end

    @property
    def at_end(self) -> Balances:
        return self.months[-1].closing

    @property
    def credit_sales(self) -> Money:
        return sum((m.credit_sales for m in self.months), Money.zero(self.currency))

    @property
    def days(self) -> int:
        return sum(m.period.days for m in self.months)

    def sales_recent_first(self) -> list[Money]:
        return [m.credit_sales for m in reversed(self.months)]

    def days_recent_first(self) -> list[int]:
        return [m.period.days for m in reversed(self.months)]


def _customers_sql(company: Company, customers: QuerySet[Customer] | None) -> tuple[str, list[Any]]:
    """` AND customer_id IN (SELECT ...)` for a customer queryset, restricted to the company."""
    if customers is None:
        return "", []
    sql, params = customers.filter(company_id=company.pk).order_by().values("pk").query.sql_with_params()
    return f" AND customer_id IN ({sql})", list(params)


def _balances_at(
    *,
    company: Company,
    dates: Sequence[dt.date],
    customer_ids: Sequence[int] | None,
    currency: str | None,
    customers: QuerySet[Customer] | None = None,
) -> dict[tuple[int, str], tuple[int, ...]]:
    """(date index, currency) -> (not due, 1-30, 31-60, 61-90, over 90, credits), one SQL statement.

    The open items of each date come from the ledger's own definition (`open_items_sql`), so
    these figures agree with the statements and the aging to the cent.
    """
    parts: list[str] = []
    params: list[Any] = []
    debit = "item_type NOT IN ('credit_note', 'payment')"
    in_customers, customers_params = _customers_sql(company, customers)
    for index, day in enumerate(dates):
        sql, item_params = open_items_sql(company_id=company.pk, as_of=day, customer_ids=customer_ids)
        limits = [day - dt.timedelta(days=n) for n in (0, 30, 60, 90)]
        where = " WHERE 1 = 1" + (" AND currency = %s" if currency else "") + in_customers
        parts.append(
            f"""SELECT {index} AS k, currency,
                   SUM(CASE WHEN {debit} AND due_date >= %s THEN open_amount ELSE 0 END),
                   SUM(CASE WHEN {debit} AND due_date < %s AND due_date >= %s THEN open_amount ELSE 0 END),
                   SUM(CASE WHEN {debit} AND due_date < %s AND due_date >= %s THEN open_amount ELSE 0 END),
                   SUM(CASE WHEN {debit} AND due_date < %s AND due_date >= %s THEN open_amount ELSE 0 END),
                   SUM(CASE WHEN {debit} AND due_date < %s THEN open_amount ELSE 0 END),
                   SUM(CASE WHEN {debit} THEN 0 ELSE open_amount END)
              FROM ({sql}) t{where}
             GROUP BY currency"""  # noqa: S608 - built from constants; every value is a parameter
        )
        bucket_params = [limits[0], limits[0], limits[1], limits[1], limits[2], limits[2], limits[3], limits[3]]
        params += [*bucket_params, *item_params, *([currency] if currency else []), *customers_params]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        rows = cursor.fetchall()
    return {(int(row[0]), row[1]): tuple(int(v or 0) for v in row[2:]) for row in rows}


def _credit_sales(
    *,
    company: Company,
    periods: Sequence[Period],
    customer_ids: Sequence[int] | None,
    currency: str | None,
    customers: QuerySet[Customer] | None = None,
) -> dict[str, list[int]]:
    """Currency -> net credit sales of each period in minor units, one SQL statement."""
    invoices = Invoice.objects.filter(company=company, issue_date__range=(periods[0].start, periods[-1].end))
    if customer_ids is not None:
        invoices = invoices.filter(customer_id__in=list(customer_ids))
    if customers is not None:
        invoices = invoices.filter(customer_id__in=customers.filter(company_id=company.pk).order_by().values("pk"))
    if currency:
        invoices = invoices.filter(currency=currency)
    sums = {
        f"p{index}": Sum(
            Case(
                When(
                    Q(issue_date__range=(period.start, period.end), kind=InvoiceKind.CREDIT_NOTE),
                    then=-F("amount"),
                ),
                When(issue_date__range=(period.start, period.end), then=F("amount")),
                default=Value(0),
                output_field=BigIntegerField(),
            )
        )
        for index, period in enumerate(periods)
    }
    names = list(sums)
    rows = invoices.order_by().values("currency").annotate(**sums).values_list("currency", *names)
    return {row[0]: [int(v or 0) for v in row[1:]] for row in rows}


def kpi_inputs(
    company: Company,
    *,
    end: dt.date,
    months: int = 12,
    customer_ids: Sequence[int] | None = None,
    currency: str | None = None,
    customers: QuerySet[Customer] | None = None,
) -> dict[str, KpiInputs]:
    """The figures behind the receivables KPIs, per currency, read from the ledger in two queries.

    For the `months` calendar months ending with `end`'s month (the last one running to `end`):

    - each month's net credit sales: invoices and debit notes issued in it minus credit notes
      issued in it (payments are not sales);
    - the open items at the end of each month and on the day before the first one, aged by days
      past due that day: invoices and debit notes minus their allocations dated up to that day,
      credit notes and payments not yet allocated as negative credits (the ledger's statement rules).

    `customer_ids` restricts everything to those customers; `customers`, a queryset (a collector's
    portfolio, the customers of a tag), does the same inside the SQL as a subquery, so the
    statements stay two and their size fixed whatever the number of customers (only the
    company's customers of the queryset count). `currency` to one currency, which is then returned
    even when it has no figure. Currencies are never mixed: each has its own `KpiInputs`.
    """
    periods = calendar_months(end, months)
    dates = [periods[0].start - dt.timedelta(days=1), *(p.end for p in periods)]
    ids = list(customer_ids) if customer_ids is not None else None
    if ids == []:
        balances: dict[tuple[int, str], tuple[int, ...]] = {}
        sales: dict[str, list[int]] = {}
    else:
        balances = _balances_at(company=company, dates=dates, customer_ids=ids, currency=currency, customers=customers)
        sales = _credit_sales(
            company=company, periods=periods, customer_ids=ids, currency=currency, customers=customers
        )
    currencies = {c for _, c in balances} | set(sales)
    if currency:
        currencies = {currency}

    def at(index: int, code: str) -> Balances:
        values = balances.get((index, code), (0, 0, 0, 0, 0, 0))
        return Balances(dates[index], *(Money(v, code) for v in values))

    result = {}
    for code in sorted(currencies):
        month_sales = sales.get(code, [0] * len(periods))
        result[code] = KpiInputs(
            currency=code,
            opening=at(0, code),
            months=tuple(
                MonthInputs(period=period, credit_sales=Money(month_sales[i], code), closing=at(i + 1, code))
                for i, period in enumerate(periods)
            ),
        )
    return result
