"""The customers list as one SQL statement: filters, balances, scenario, last and next action.

The user's portfolio (`Workspace.customers()`) and the plain filters (search, collector, status,
tags) are a Django queryset; its SQL becomes the `IN (...)` of one statement that joins, for the
whole company at once:

- the balances, grouped from `ledger.selectors.open_items_sql` (the same definition of "open"
  as the statements, the aging and the dashboard);
- the scenario each customer follows: the one chosen for them, else the first rule that matches
  (tag, country, open amount), else the company's default — the engine's order, as a CASE;
- the date of the last action done and of the next open one.

So the filters on those figures, the sort and the page are all done by the database: a page costs
the same few queries whatever the number of customers. Amounts sorted and filtered are those in
the company's currency; customers who also owe in other currencies show those balances beside.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet

from relance.collection.models import ScenarioRule
from relance.collection.models.actions import ActionStatus
from relance.collection.models.scenarios import Scenario
from relance.core.money import Money
from relance.ledger.models import Company, Contact, Customer
from relance.ledger.selectors import open_items_sql

SORTS = ("name", "code", "open", "overdue", "oldest_due", "last_action", "next_action")
OVERDUE_RANGES = ("none", "any", "1_30", "31_60", "61_90", "over_90")
CREDIT = "('credit_note', 'payment')"


@dataclass(frozen=True)
class Filters:
    q: str = ""
    collector: str = ""  # "", "none" or a user id
    status: str = ""
    scenario: str = ""  # "", "none" or a scenario id
    tags: tuple[int, ...] = ()
    overdue: str = ""  # one of OVERDUE_RANGES, or ""
    sort: str = "overdue"
    desc: bool = True

    @property
    def active(self) -> bool:
        return bool(self.q or self.collector or self.status or self.scenario or self.tags or self.overdue)


@dataclass
class Row:
    customer: Customer
    currency: str
    balance: Money
    overdue: Money
    oldest_due: dt.date | None
    days_overdue: int
    scenario: Scenario | None
    last_action: dt.date | None
    next_action: dt.date | None
    other_balances: list[Money] = field(default_factory=list)


def filtered(customers: QuerySet[Customer], filters: Filters) -> QuerySet[Customer]:
    """The plain filters, in the ORM (the portfolio rule is already in `customers`)."""
    q = filters.q.strip()
    if q:
        emails = Contact.objects.filter(customer_id=OuterRef("pk"), email__icontains=q)
        customers = customers.filter(
            Q(name__icontains=q) | Q(code__icontains=q) | Q(vat_id__icontains=q.replace(" ", "")) | Exists(emails)
        )
    if filters.collector == "none":
        customers = customers.filter(collector__isnull=True)
    elif filters.collector.isdigit():
        customers = customers.filter(collector_id=int(filters.collector))
    if filters.status:
        customers = customers.filter(status=filters.status)
    if filters.tags:
        tagged = Customer.tags.through.objects.filter(customer_id=OuterRef("pk"), tag_id__in=filters.tags)
        customers = customers.filter(Exists(tagged))
    return customers


def _scenario_case(company: Company) -> tuple[str, list[Any]]:
    """SQL of the scenario each customer follows (alias c: customer, cs: chosen, b: balances)."""
    default = Scenario.objects.filter(company=company, is_default=True).values_list("pk", flat=True).first()
    whens, params = ["WHEN cs.scenario_id IS NOT NULL THEN cs.scenario_id"], []
    for rule in ScenarioRule.objects.filter(company=company).order_by("priority", "id"):
        conditions = ["1 = 1"]
        if rule.tag_id is not None:
            conditions.append("EXISTS (SELECT 1 FROM ledger_customer_tags ct WHERE ct.customer_id = c.id"
                              " AND ct.tag_id = %s)")  # fmt: skip
            params.append(rule.tag_id)
        if rule.country:
            conditions.append("c.country = %s")
            params.append(rule.country)
        if rule.min_open_minor is not None:
            conditions.append("COALESCE(b.receivable_all, 0) >= %s")
            params.append(rule.min_open_minor)
        whens.append(f"WHEN {' AND '.join(conditions)} THEN %s")
        params.append(rule.scenario_id)
    return f"(CASE {' '.join(whens)} ELSE %s END)", [*params, default]


def _order(filters: Filters) -> str:
    direction = "DESC" if filters.desc else "ASC"
    nulls_last = {
        "oldest_due": "b.oldest_due",
        "last_action": "la.day",
        "next_action": "na.day",
    }
    if filters.sort in nulls_last:
        column = nulls_last[filters.sort]
        return f"CASE WHEN {column} IS NULL THEN 1 ELSE 0 END, {column} {direction}, c.name, c.id"
    if filters.sort == "open":
        return f"COALESCE(b.balance, 0) {direction}, c.name, c.id"
    if filters.sort == "overdue":
        return f"COALESCE(b.overdue, 0) {direction}, c.name, c.id"
    if filters.sort == "code":
        return f"c.code {direction}, c.id"
    return f"c.name {direction}, c.id"


def _overdue_where(filters: Filters, as_of: dt.date) -> tuple[str, list[Any]]:
    """Ranges of days past due of the oldest overdue item."""
    if filters.overdue == "none":
        return "b.oldest_due IS NULL", []
    if filters.overdue == "any":
        return "b.oldest_due IS NOT NULL", []
    spans = {"1_30": (1, 30), "31_60": (31, 60), "61_90": (61, 90), "over_90": (91, None)}
    if filters.overdue not in spans:
        return "", []
    low, high = spans[filters.overdue]
    latest = as_of - dt.timedelta(days=low)
    if high is None:
        return "b.oldest_due <= %s", [latest]
    return "b.oldest_due <= %s AND b.oldest_due >= %s", [latest, as_of - dt.timedelta(days=high)]


def _statement(
    company: Company, customers: QuerySet[Customer], filters: Filters, as_of: dt.date
) -> tuple[str, list[Any]]:
    """SQL of (id, balance, overdue, oldest due, scenario id, last action, next action), filtered
    and sorted; the caller adds LIMIT/OFFSET or COUNT."""
    ids_sql, ids_params = customers.values("id").query.sql_with_params()
    items_sql, items_params = open_items_sql(company_id=company.pk, as_of=as_of)
    scenario_sql, scenario_params = _scenario_case(company)
    debit = f"t.item_type NOT IN {CREDIT}"
    balances = f"""
        SELECT t.customer_id,
               SUM(CASE WHEN t.currency = %s THEN t.open_amount ELSE 0 END) AS balance,
               SUM(CASE WHEN t.currency = %s AND {debit} AND t.due_date < %s THEN t.open_amount ELSE 0 END)
                   AS overdue,
               MIN(CASE WHEN {debit} AND t.due_date < %s AND t.open_amount > 0 THEN t.due_date END) AS oldest_due,
               SUM(CASE WHEN {debit} AND t.open_amount > 0 THEN t.open_amount ELSE 0 END) AS receivable_all
          FROM ({items_sql}) t
         GROUP BY t.customer_id
    """  # noqa: S608 - constants and placeholders only
    balances_params = [company.currency, company.currency, as_of, as_of, *items_params]
    done, open_statuses = ActionStatus.DONE.value, (ActionStatus.PLANNED.value, ActionStatus.TO_CONFIRM.value)
    where, where_params = ["c.id IN (" + ids_sql + ")"], list(ids_params)
    overdue_sql, overdue_params = _overdue_where(filters, as_of)
    if overdue_sql:
        where.append(overdue_sql)
        where_params += overdue_params
    if filters.scenario == "none":
        where.append(f"{scenario_sql} IS NULL")
        where_params += scenario_params
    elif filters.scenario.isdigit():
        where.append(f"{scenario_sql} = %s")
        where_params += [*scenario_params, int(filters.scenario)]
    sql = f"""
        SELECT c.id, COALESCE(b.balance, 0), COALESCE(b.overdue, 0), b.oldest_due, {scenario_sql},
               la.day, na.day
          FROM ledger_customer c
          LEFT JOIN ({balances}) b ON b.customer_id = c.id
          LEFT JOIN collection_customerscenario cs ON cs.customer_id = c.id
          LEFT JOIN (SELECT customer_id, MAX(date) AS day FROM collection_action
                      WHERE company_id = %s AND status = %s GROUP BY customer_id) la ON la.customer_id = c.id
          LEFT JOIN (SELECT customer_id, MIN(date) AS day FROM collection_action
                      WHERE company_id = %s AND status IN (%s, %s) GROUP BY customer_id) na ON na.customer_id = c.id
         WHERE c.company_id = %s AND {" AND ".join(where)}
         ORDER BY {_order(filters)}
    """  # noqa: S608 - constants and placeholders only
    params = [*scenario_params, *balances_params, company.pk, done, company.pk, *open_statuses, company.pk,
              *where_params]  # fmt: skip
    return sql, params


def _date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def customer_rows(
    *,
    company: Company,
    customers: QuerySet[Customer],
    filters: Filters,
    as_of: dt.date,
    limit: int | None = None,
    offset: int = 0,
) -> tuple[int, list[Row]]:
    """(number of customers matching, the rows of the page asked for). A fixed number of queries."""
    customers = filtered(customers, filters)
    sql, params = _statement(company, customers, filters, as_of)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM ({sql}) n", params)  # noqa: S608
        total = int(cursor.fetchone()[0])
        page_sql = sql + (" LIMIT %s OFFSET %s" if limit is not None else "")
        cursor.execute(page_sql, [*params, limit, offset] if limit is not None else params)
        found = cursor.fetchall()
    if not found:
        return total, []
    ids = [row[0] for row in found]
    by_id = {
        c.pk: c
        for c in Customer.objects.filter(company=company, pk__in=ids)
        .select_related("collector")
        .prefetch_related("tags")
    }
    scenario_ids = {row[4] for row in found if row[4] is not None}
    scenarios = {s.pk: s for s in Scenario.objects.filter(company=company, pk__in=scenario_ids)}
    others = _other_currencies(company, ids, as_of)
    currency = company.currency
    rows = []
    for pk, balance, overdue, oldest, scenario_id, last, following in found:
        oldest_due = _date(oldest)
        rows.append(
            Row(
                customer=by_id[pk],
                currency=currency,
                balance=Money(int(balance), currency),
                overdue=Money(int(overdue), currency),
                oldest_due=oldest_due,
                days_overdue=(as_of - oldest_due).days if oldest_due else 0,
                scenario=scenarios.get(scenario_id) if scenario_id is not None else None,
                last_action=_date(last),
                next_action=_date(following),
                other_balances=others.get(pk, []),
            )
        )
    return total, rows


def _other_currencies(company: Company, ids: list[int], as_of: dt.date) -> dict[int, list[Money]]:
    """Balances in currencies other than the company's, for these customers (one query)."""
    items_sql, items_params = open_items_sql(company_id=company.pk, as_of=as_of, customer_ids=ids)
    found: dict[int, list[Money]] = defaultdict(list)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT customer_id, currency, SUM(open_amount) FROM ({items_sql}) t WHERE currency <> %s"  # noqa: S608
            " GROUP BY customer_id, currency ORDER BY customer_id, currency",
            [*items_params, company.currency],
        )
        for customer_id, code, total in cursor.fetchall():
            if int(total):
                found[customer_id].append(Money(int(total), code))
    return dict(found)
