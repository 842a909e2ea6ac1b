"""Reads of the ledger that the rest of Relance uses: open items, statements, aging, balances.

Every figure is computed by the database from integer minor units, so it is exact on SQLite and
PostgreSQL alike. One SQL fragment (`open_items_sql`) defines what is open at a date; the
statement, the aging and the balances are all read from it, so they can never disagree.

An item is open at date D when it was issued on or before D and its amount minus the allocations
dated on or before D is not zero. Invoices and debit notes count positive; credit notes and
payments not yet allocated count negative ("unapplied credits").
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import QuerySet, Sum

from relance.core.dates import today_in
from relance.core.money import Money
from relance.ledger.models import Allocation, Company, Customer, Invoice, InvoiceKind

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

BUCKETS = ("not_due", "days_1_30", "days_31_60", "days_61_90", "days_over_90")
BUCKET_LABELS = {
    "not_due": "Not due",
    "days_1_30": "1-30 days",
    "days_31_60": "31-60 days",
    "days_61_90": "61-90 days",
    "days_over_90": "Over 90 days",
    "credits": "Unapplied credits",
}
CREDIT_TYPES = ("credit_note", "payment")


def company_today(company: Company) -> dt.date:
    return today_in(company.timezone)


def companies_for_user(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[Company]:
    if not user.is_authenticated:
        return Company.objects.none()
    if getattr(user, "is_superuser", False):
        return Company.objects.all()
    return Company.objects.filter(memberships__user_id=user.pk)


def open_items_sql(
    *, company_id: int, as_of: dt.date, customer_id: int | None = None, customer_ids: Sequence[int] | None = None
) -> tuple[str, list[Any]]:
    """SQL of every item open at `as_of`, one row per item, signed open amount.

    Columns: item_type, item_id, customer_id, number, issue_date, due_date, amount, currency,
    open_amount, po_number. With customers given, both the items and the allocations summed are
    restricted to them (else a statement would aggregate the allocations of the whole company).
    """
    ids: list[int] | None = [customer_id] if customer_id is not None else None
    if customer_ids is not None:
        ids = list(customer_ids)
    if ids is None:
        return _open_items_company_sql(company_id, as_of)
    # A few customers: each item sums its own allocations through the (invoice, date), payment and
    # credit-note indexes. (A grouped join restricted by `IN (SELECT ...)` made PostgreSQL scan the
    # allocations once per item when its statistics were stale: seconds per statement.)
    marks = ", ".join(["%s"] * len(ids))

    def allocated(column: str, alias: str) -> str:
        where = f"al.{column} = {alias}.id AND al.date <= %s"
        return "COALESCE((SELECT CAST(SUM(al.amount) AS BIGINT) FROM ledger_allocation al WHERE " + where + "), 0)"  # noqa: S608 - constants only

    sql = f"""
        SELECT * FROM (
        SELECT i.kind AS item_type, i.id AS item_id, i.customer_id, i.number, i.issue_date, i.due_date,
               i.amount, i.currency, i.amount - {allocated("invoice_id", "i")} AS open_amount, i.po_number
          FROM ledger_invoice i
         WHERE i.company_id = %s AND i.issue_date <= %s AND i.kind IN ('invoice', 'debit_note')
           AND i.customer_id IN ({marks})
        UNION ALL
        SELECT c.kind, c.id, c.customer_id, c.number, c.issue_date, c.due_date,
               c.amount, c.currency, -(c.amount - {allocated("credit_note_id", "c")}), c.po_number
          FROM ledger_invoice c
         WHERE c.company_id = %s AND c.issue_date <= %s AND c.kind = 'credit_note' AND c.customer_id IN ({marks})
        UNION ALL
        SELECT 'payment', p.id, p.customer_id, p.external_ref, p.date, p.date,
               p.amount, p.currency, -(p.amount - {allocated("payment_id", "p")}), ''
          FROM ledger_payment p
         WHERE p.company_id = %s AND p.date <= %s AND p.customer_id IN ({marks})
        ) restricted WHERE open_amount <> 0
    """  # noqa: S608 - built from constants; every value is a parameter
    one = [as_of, company_id, as_of, *ids]
    return sql, [*one, *one, *one]


def _open_items_company_sql(company_id: int, as_of: dt.date) -> tuple[str, list[Any]]:
    """Every open item of a company: allocations summed once per item in grouped joins."""
    sql = """
        SELECT i.kind AS item_type, i.id AS item_id, i.customer_id, i.number, i.issue_date, i.due_date,
               i.amount, i.currency, i.amount - COALESCE(a.allocated, 0) AS open_amount, i.po_number
          FROM ledger_invoice i
          LEFT JOIN (SELECT invoice_id, CAST(SUM(amount) AS BIGINT) AS allocated FROM ledger_allocation
                      WHERE company_id = %s AND date <= %s AND invoice_id IS NOT NULL
                      GROUP BY invoice_id) a ON a.invoice_id = i.id
         WHERE i.company_id = %s AND i.issue_date <= %s AND i.kind IN ('invoice', 'debit_note')
           AND i.amount - COALESCE(a.allocated, 0) <> 0
        UNION ALL
        SELECT c.kind, c.id, c.customer_id, c.number, c.issue_date, c.due_date,
               c.amount, c.currency, -(c.amount - COALESCE(a.allocated, 0)), c.po_number
          FROM ledger_invoice c
          LEFT JOIN (SELECT credit_note_id, CAST(SUM(amount) AS BIGINT) AS allocated FROM ledger_allocation
                      WHERE company_id = %s AND date <= %s AND credit_note_id IS NOT NULL
                      GROUP BY credit_note_id) a ON a.credit_note_id = c.id
         WHERE c.company_id = %s AND c.issue_date <= %s AND c.kind = 'credit_note'
           AND c.amount - COALESCE(a.allocated, 0) <> 0
        UNION ALL
        SELECT 'payment', p.id, p.customer_id, p.external_ref, p.date, p.date,
               p.amount, p.currency, -(p.amount - COALESCE(a.allocated, 0)), ''
          FROM ledger_payment p
          LEFT JOIN (SELECT payment_id, CAST(SUM(amount) AS BIGINT) AS allocated FROM ledger_allocation
                      WHERE company_id = %s AND date <= %s AND payment_id IS NOT NULL
                      GROUP BY payment_id) a ON a.payment_id = p.id
         WHERE p.company_id = %s AND p.date <= %s
           AND p.amount - COALESCE(a.allocated, 0) <> 0
    """
    one = [company_id, as_of, company_id, as_of]
    return sql, [*one, *one, *one]


def _as_date(value: dt.date | str) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


# --- statement of account -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OpenItem:
    item_type: str  # invoice, debit_note, credit_note, payment
    item_id: int
    number: str
    issue_date: dt.date
    due_date: dt.date
    amount: Money  # original amount (positive)
    open_amount: Money  # signed: negative for credits
    days_overdue: int  # 0 when not yet due or a credit
    po_number: str = ""
    customer_id: int = 0

    @property
    def is_credit(self) -> bool:
        return self.item_type in CREDIT_TYPES

    @property
    def is_overdue(self) -> bool:
        return not self.is_credit and self.days_overdue > 0


@dataclass(slots=True)
class CurrencyTotals:
    currency: str
    overdue: Money
    not_due: Money
    credits: Money  # negative or zero

    @property
    def balance(self) -> Money:
        return self.overdue + self.not_due + self.credits


@dataclass(slots=True)
class Statement:
    customer: Customer
    as_of: dt.date
    overdue: list[OpenItem] = field(default_factory=list)
    not_due: list[OpenItem] = field(default_factory=list)
    credits: list[OpenItem] = field(default_factory=list)
    totals: dict[str, CurrencyTotals] = field(default_factory=dict)

    @property
    def items(self) -> list[OpenItem]:
        return [*self.overdue, *self.not_due, *self.credits]

    @property
    def oldest_due_date(self) -> dt.date | None:
        return self.overdue[0].due_date if self.overdue else None

    @property
    def max_days_overdue(self) -> int:
        return max((item.days_overdue for item in self.overdue), default=0)


def open_items(*, company: Company, as_of: dt.date, customer: Customer | None = None) -> list[OpenItem]:
    """Every item open at `as_of` for the company (or one of its customers), oldest due first."""
    if customer is not None and customer.company_id != company.pk:
        raise ValueError("customer does not belong to this company")
    sql, params = open_items_sql(company_id=company.pk, as_of=as_of, customer_id=customer.pk if customer else None)
    return _read_items(sql, params, as_of)


def _read_items(sql: str, params: list[Any], as_of: dt.date) -> list[OpenItem]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM ({sql}) t ORDER BY due_date, number, item_id", params)  # noqa: S608 - no user input in SQL
        rows = cursor.fetchall()
    items = []
    for item_type, item_id, customer_id, number, issue, due, amount, currency, open_amount, po in rows:
        due_date = _as_date(due)
        overdue_days = (as_of - due_date).days if item_type not in CREDIT_TYPES else 0
        items.append(
            OpenItem(
                item_type=item_type,
                item_id=item_id,
                number=number,
                issue_date=_as_date(issue),
                due_date=due_date,
                amount=Money(int(amount), currency),
                open_amount=Money(int(open_amount), currency),
                days_overdue=max(overdue_days, 0),
                po_number=po or "",
                customer_id=customer_id,
            )
        )
    return items


def open_item_rows(*, company: Company, as_of: dt.date) -> list[tuple[str, int, str, int]]:
    """Lean form of `open_items` for bulk work: (item type, id, number, signed open minor units)."""
    sql, params = open_items_sql(company_id=company.pk, as_of=as_of)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT item_type, item_id, number, open_amount FROM ({sql}) t", params)  # noqa: S608
        return [(kind, pk, number, int(amount)) for kind, pk, number, amount in cursor.fetchall()]


def customer_statement(*, company: Company, customer: Customer, as_of: dt.date) -> Statement:
    """The customer's statement of account at `as_of`: overdue, not yet due, credits, totals per currency."""
    return _statement(customer, as_of, open_items(company=company, customer=customer, as_of=as_of))


# One line of `statement_lines`: item type, item id, number, issue date, due date, amount (minor
# units, positive), open amount (minor units, signed: negative for credits), currency, days overdue.
StatementLine = tuple[str, int, str, dt.date, dt.date, int, int, str, int]


def statement_lines(
    *, company: Company, customer: Customer, as_of: dt.date
) -> tuple[list[StatementLine], dict[str, tuple[int, int, int]]]:
    """Lean form of `customer_statement` for a page that only prints it: the same items in the
    same order (overdue, not yet due, credits; each oldest due first) as plain tuples of integers
    and dates, and the totals per currency as (overdue, not due, credits) in minor units. No
    `OpenItem` or `Money` is built: a statement of 200 items reads several times faster."""
    if customer.company_id != company.pk:
        raise ValueError("customer does not belong to this company")
    sql, params = open_items_sql(company_id=company.pk, as_of=as_of, customer_id=customer.pk)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM ({sql}) t ORDER BY due_date, number, item_id", params)  # noqa: S608 - no user input in SQL
        rows = cursor.fetchall()
    overdue: list[StatementLine] = []
    not_due: list[StatementLine] = []
    credits: list[StatementLine] = []
    totals: dict[str, list[int]] = {}
    for item_type, item_id, _customer_id, number, issue, due, amount, currency, open_amount, _po in rows:
        issue_date, due_date = _as_date(issue), _as_date(due)
        open_minor = int(open_amount)
        sums = totals.get(currency)
        if sums is None:
            sums = totals[currency] = [0, 0, 0]
        if item_type in CREDIT_TYPES:
            credits.append((item_type, item_id, number, issue_date, due_date, int(amount), open_minor, currency, 0))
            sums[2] += open_minor
            continue
        days = (as_of - due_date).days
        if days > 0:
            overdue.append((item_type, item_id, number, issue_date, due_date, int(amount), open_minor, currency, days))
            sums[0] += open_minor
        else:
            not_due.append((item_type, item_id, number, issue_date, due_date, int(amount), open_minor, currency, 0))
            sums[1] += open_minor
    return [*overdue, *not_due, *credits], {c: (s[0], s[1], s[2]) for c, s in totals.items()}


def customer_statements(*, company: Company, customers: Sequence[Customer], as_of: dt.date) -> dict[int, Statement]:
    """The statements of several customers in one query (customer id -> statement)."""
    if any(customer.company_id != company.pk for customer in customers):
        raise ValueError("customer does not belong to this company")
    if not customers:
        return {}
    sql, params = open_items_sql(company_id=company.pk, as_of=as_of, customer_ids=[c.pk for c in customers])
    items: dict[int, list[OpenItem]] = {c.pk: [] for c in customers}
    for item in _read_items(sql, params, as_of):
        items[item.customer_id].append(item)
    return {c.pk: _statement(c, as_of, items[c.pk]) for c in customers}


def _statement(customer: Customer, as_of: dt.date, items: list[OpenItem]) -> Statement:
    statement = Statement(customer=customer, as_of=as_of)
    for item in items:
        totals = statement.totals.get(item.open_amount.currency)
        if totals is None:
            zero = Money.zero(item.open_amount.currency)
            totals = statement.totals[zero.currency] = CurrencyTotals(zero.currency, zero, zero, zero)
        if item.is_credit:
            statement.credits.append(item)
            totals.credits += item.open_amount
        elif item.is_overdue:
            statement.overdue.append(item)
            totals.overdue += item.open_amount
        else:
            statement.not_due.append(item)
            totals.not_due += item.open_amount
    return statement


# --- aging and balances ---------------------------------------------------------------------


@dataclass(slots=True)
class Aging:
    currency: str
    not_due: Money
    days_1_30: Money
    days_31_60: Money
    days_61_90: Money
    days_over_90: Money
    credits: Money
    customer_id: int | None = None

    @property
    def overdue(self) -> Money:
        return self.days_1_30 + self.days_31_60 + self.days_61_90 + self.days_over_90

    @property
    def receivable(self) -> Money:
        """Invoices and debit notes still open (not due + overdue), before credits."""
        return self.not_due + self.overdue

    @property
    def balance(self) -> Money:
        return self.receivable + self.credits

    def buckets(self) -> list[tuple[str, Money]]:
        return [(name, getattr(self, name)) for name in (*BUCKETS, "credits")]


def _aging_rows(*, company: Company, as_of: dt.date, by_customer: bool) -> list[tuple[Any, ...]]:
    sql, params = open_items_sql(company_id=company.pk, as_of=as_of)
    limits = [as_of - dt.timedelta(days=n) for n in (0, 30, 60, 90)]
    debit = "item_type NOT IN ('credit_note', 'payment')"
    group = "customer_id, currency" if by_customer else "currency"
    query = f"""
        SELECT {group},
               SUM(CASE WHEN {debit} AND due_date >= %s THEN open_amount ELSE 0 END),
               SUM(CASE WHEN {debit} AND due_date < %s AND due_date >= %s THEN open_amount ELSE 0 END),
               SUM(CASE WHEN {debit} AND due_date < %s AND due_date >= %s THEN open_amount ELSE 0 END),
               SUM(CASE WHEN {debit} AND due_date < %s AND due_date >= %s THEN open_amount ELSE 0 END),
               SUM(CASE WHEN {debit} AND due_date < %s THEN open_amount ELSE 0 END),
               SUM(CASE WHEN {debit} THEN 0 ELSE open_amount END)
          FROM ({sql}) t
         GROUP BY {group}
         ORDER BY {group}
    """  # noqa: S608 - the SQL is built from constants only
    bucket_params = [limits[0], limits[0], limits[1], limits[1], limits[2], limits[2], limits[3], limits[3]]
    with connection.cursor() as cursor:
        cursor.execute(query, [*bucket_params, *params])
        return cursor.fetchall()


def _aging_from_row(currency: str, values: tuple[Any, ...], customer_id: int | None = None) -> Aging:
    not_due, d30, d60, d90, over, credits = (Money(int(v or 0), currency) for v in values)
    return Aging(currency, not_due, d30, d60, d90, over, credits, customer_id=customer_id)


def aging_for_company(*, company: Company, as_of: dt.date) -> dict[str, Aging]:
    """Aging buckets of the whole company at `as_of`, per currency, in one SQL statement.

    Buckets by days past due at `as_of`: not due (due today or later), 1-30, 31-60, 61-90, over
    90; unapplied credit notes and payments in `credits`.
    """
    return {
        row[0]: _aging_from_row(row[0], row[1:]) for row in _aging_rows(company=company, as_of=as_of, by_customer=False)
    }


def customer_balances(*, company: Company, as_of: dt.date) -> dict[int, dict[str, Aging]]:
    """Per customer and currency: the aging buckets and balance at `as_of` (customers with an open item)."""
    result: dict[int, dict[str, Aging]] = defaultdict(dict)
    for row in _aging_rows(company=company, as_of=as_of, by_customer=True):
        customer_id, currency = row[0], row[1]
        result[customer_id][currency] = _aging_from_row(currency, row[2:], customer_id=customer_id)
    return dict(result)


def item_open_amount(*, invoice: Invoice, as_of: dt.date) -> Money:
    """The open amount of one invoice or debit note (what is still owed), or of one credit note
    (what is still to be used), at a date. Positive in both cases."""
    allocations = Allocation.objects.filter(date__lte=as_of)
    if invoice.kind == InvoiceKind.CREDIT_NOTE:
        allocations = allocations.filter(credit_note=invoice)
    else:
        allocations = allocations.filter(invoice=invoice)
    used = allocations.aggregate(total=Sum("amount"))["total"] or 0
    return Money(invoice.amount - used, invoice.currency)
