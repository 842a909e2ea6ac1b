"""Load what the engine needs, for a whole company, in a fixed number of queries.

Two loaders share one builder:

- `load_company_facts` reads every open item (for `relance plan` and for tests of the whole
  account);
- `load_candidate_facts` is the daily run's fast path: it reads only the invoices whose
  `review_on` date has come (an index range on the invoice table), plus the account totals of
  their customers for the amount conditions. Items whose next step is not due cannot produce a
  decision, so leaving them out changes nothing but the time.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection

from relance.collection.domain.calendar import BusinessCalendar
from relance.collection.domain.model import (
    BrokenPromise,
    Channel,
    CustomerFacts,
    ItemFacts,
    Mode,
    ScenarioRules,
    StepRule,
    Trigger,
)
from relance.collection.models import (
    ActionStatus,
    Dispute,
    DisputeStatus,
    Promise,
    PromiseStatus,
    Scenario,
    ScenarioRule,
    Step,
)
from relance.ledger.models import Company
from relance.ledger.selectors import open_items

CONTACT_CHANNELS = (Channel.EMAIL, Channel.CALL, Channel.LETTER)
CHUNK = 900  # ids per IN (...) list, under every database's parameter limit


@dataclass(frozen=True, slots=True)
class CustomerRow:
    """What the run needs of a customer (read without building model instances)."""

    id: int
    code: str
    country: str
    status: str
    paused_until: dt.date | None
    collector_id: int | None


@dataclass(frozen=True, slots=True)
class ItemRow:
    id: int
    customer_id: int
    number: str
    due_date: dt.date
    open_minor: int
    currency: str


def scenario_rules(scenario: Scenario) -> ScenarioRules:
    steps = []
    for step in scenario.steps.all():
        steps.append(
            StepRule(
                id=step.pk,
                name=step.name,
                offset_days=step.offset_days,
                channel=Channel(step.channel),
                mode=Mode(step.mode),
                template=step.template_code,
                trigger=Trigger(step.trigger),
                min_overdue_minor=step.min_overdue_minor,
                min_open_minor=step.min_open_minor,
                min_days_since_contact=step.min_days_since_contact,
                tags=frozenset(t.name for t in step.tags.all()),
                order=step.order,
            )
        )
    return ScenarioRules(id=scenario.pk, name=scenario.name, steps=tuple(steps))


@dataclass
class CompanyFacts:
    company: Company
    today: dt.date
    calendar: BusinessCalendar
    customers: list[CustomerFacts]
    scenario_of: dict[int, ScenarioRules]  # customer id -> rules
    scenarios: dict[int, ScenarioRules]  # scenario id -> rules
    steps: dict[int, Step]
    customer_models: dict[int, CustomerRow]
    closed_invoice_ids: list[int] = field(default_factory=list)  # reviewed and found paid


def _chunks(ids: Sequence[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield list(ids[start : start + CHUNK])


def _date(value: dt.date | str) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def _select_in(
    sql: str, ids: Sequence[int], *, prefix: Sequence[object] = (), id_range: tuple[int, int] | None = None
) -> Iterable[tuple]:
    """Run `sql` (with an `IN ({ids})` slot) over `ids` in chunks; plain cursor, no ORM.

    With `id_range` the slot becomes one `BETWEEN` over the range instead (one query for a batch
    of the daily run, whose ids are a contiguous slice); rows for ids outside `ids` are dropped
    by the caller when it matters."""
    if id_range is not None:
        ranged = sql.replace("IN ({ids})", "BETWEEN %s AND %s")
        with connection.cursor() as cursor:
            range_params: list[Any] = [*prefix, *id_range]
            cursor.execute(ranged, range_params)
            yield from cursor.fetchall()
        return
    for chunk in _chunks(ids):
        with connection.cursor() as cursor:
            params: list[Any] = [*prefix, *chunk]
            cursor.execute(sql.format(ids=",".join(["%s"] * len(chunk))), params)
            yield from cursor.fetchall()


def _scenario_assignment(
    company: Company, customers: dict[int, CustomerRow], open_by_customer: dict[int, int], tags_of: dict[int, set[int]]
) -> dict[int, int | None]:
    """customer id -> scenario id: explicit assignment, else first matching rule, else the default."""
    explicit: dict[int, int] = dict(
        _select_in(
            "SELECT customer_id, scenario_id FROM collection_customerscenario WHERE customer_id IN ({ids})",
            sorted(customers),
        )
    )
    rules = list(ScenarioRule.objects.filter(company=company).order_by("priority", "id"))
    default = Scenario.objects.filter(company=company, is_default=True).values_list("pk", flat=True).first()
    result: dict[int, int | None] = {}
    for customer_id, customer in customers.items():
        if customer_id in explicit:
            result[customer_id] = explicit[customer_id]
            continue
        chosen = default
        for rule in rules:
            if rule.tag_id is not None and rule.tag_id not in tags_of.get(customer_id, set()):
                continue
            if rule.country and rule.country != customer.country:
                continue
            if rule.min_open_minor is not None and open_by_customer.get(customer_id, 0) < rule.min_open_minor:
                continue
            chosen = rule.scenario_id
            break
        result[customer_id] = chosen
    return result


def _account_totals(customer_ids: list[int], today: dt.date) -> dict[int, tuple[dict[str, int], dict[str, int]]]:
    """Open and overdue totals per currency of these customers' invoices and debit notes."""
    totals: dict[int, tuple[dict[str, int], dict[str, int]]] = {}
    today_db = connection.ops.adapt_datefield_value(today)
    for ids in _chunks(customer_ids):
        marks = ",".join(["%s"] * len(ids))
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                SELECT customer_id, currency,
                       SUM(open_amount), SUM(CASE WHEN due_date < %s THEN open_amount ELSE 0 END)
                  FROM (SELECT i.customer_id, i.currency, i.due_date,
                               i.amount - COALESCE((SELECT SUM(a.amount) FROM ledger_allocation a
                                                     WHERE a.invoice_id = i.id AND a.date <= %s), 0) AS open_amount
                          FROM ledger_invoice i
                         WHERE i.customer_id IN ({marks}) AND i.kind IN ('invoice', 'debit_note')
                           AND i.issue_date <= %s) t
                 WHERE open_amount > 0
                 GROUP BY customer_id, currency
                """,  # noqa: S608 - placeholders only
                [today_db, today_db, *ids, today_db],
            )
            for customer_id, currency, open_total, overdue_total in cursor.fetchall():
                entry = totals.setdefault(customer_id, ({}, {}))
                entry[0][currency] = int(open_total)
                entry[1][currency] = int(overdue_total or 0)
    return totals


def candidate_customer_ids(*, company: Company, today: dt.date) -> list[int]:
    """Customers with at least one invoice due for review today, in id order."""
    today_db = connection.ops.adapt_datefield_value(today)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT customer_id FROM ledger_invoice WHERE company_id = %s AND review_on <= %s "
            "AND kind IN ('invoice', 'debit_note') ORDER BY customer_id",
            [company.pk, today_db],
        )
        return [row[0] for row in cursor.fetchall()]


def _candidate_rows(company: Company, today: dt.date, first: int, last: int) -> list[ItemRow]:
    today_db = connection.ops.adapt_datefield_value(today)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.id, i.customer_id, i.number, i.due_date, i.currency,
                   i.amount - COALESCE((SELECT SUM(a.amount) FROM ledger_allocation a
                                         WHERE a.invoice_id = i.id AND a.date <= %s), 0)
              FROM ledger_invoice i
             WHERE i.company_id = %s AND i.review_on <= %s AND i.kind IN ('invoice', 'debit_note')
               AND i.issue_date <= %s AND +i.customer_id BETWEEN %s AND %s
            """,  # the unary + keeps SQLite on the (company, review_on) index: few rows are due for review
            [today_db, company.pk, today_db, today_db, first, last],
        )
        return [
            ItemRow(pk, customer_id, number, _date(due), int(open_minor), currency)
            for pk, customer_id, number, due, currency, open_minor in cursor.fetchall()
        ]


def load_company_facts(*, company: Company, today: dt.date, customer_ids: set[int] | None = None) -> CompanyFacts:
    """Every open item of the company (or of some customers): the whole accounts."""
    rows = [
        ItemRow(i.item_id, i.customer_id, i.number, i.due_date, i.open_amount.minor, i.open_amount.currency)
        for i in open_items(company=company, as_of=today)
        if not i.is_credit and (customer_ids is None or i.customer_id in customer_ids)
    ]
    return _build(company=company, today=today, rows=rows, totals=None)


def load_candidate_facts(
    *, company: Company, today: dt.date, customer_range: tuple[int, int] | None = None
) -> CompanyFacts:
    """Only the invoices due for review today (of customers whose id is in the range), with their
    customers' account totals. The daily run goes through the customers range by range, so its
    memory stays bounded whatever the size of the ledger."""
    first, last = customer_range if customer_range is not None else (0, 2**62)
    candidates = _candidate_rows(company, today, first, last)
    closed = [row.id for row in candidates if row.open_minor <= 0]
    rows = [row for row in candidates if row.open_minor > 0]
    windows = _condition_windows(company)
    calendar = BusinessCalendar(company.country)

    def may_need_totals(row: ItemRow) -> bool:
        for offset, following in windows:
            if row.due_date + dt.timedelta(days=offset) > today:
                continue  # the conditioned step is not due yet
            if following is None or calendar.next_business_day(row.due_date + dt.timedelta(days=following)) > today:
                return True  # ...and the step after it is not due: it may be the latest due step
        return False

    needing = sorted({row.customer_id for row in rows if may_need_totals(row)})
    totals = _account_totals(needing, today) if needing else {}
    facts = _build(
        company=company, today=today, rows=rows, totals=totals, totals_for=set(needing), customer_range=customer_range
    )
    facts.closed_invoice_ids = closed
    return facts


def _condition_windows(company: Company) -> list[tuple[int, int | None]]:
    """(offset, next step's offset) of every step with an amount or tag condition: an item whose
    conditioned step is due and whose next step is not may have it as its latest due step, and
    only then are its customer's account totals needed."""
    windows: list[tuple[int, int | None]] = []
    for scenario in Scenario.objects.filter(company=company).prefetch_related("steps__tags"):
        due_steps = sorted((s for s in scenario.steps.all() if s.trigger == Trigger.DUE), key=lambda s: s.offset_days)
        for index, step in enumerate(due_steps):
            if step.min_overdue_minor or step.min_open_minor or step.tags.all():
                following = due_steps[index + 1].offset_days if index + 1 < len(due_steps) else None
                windows.append((step.offset_days, following))
    return windows


def _build(
    *,
    company: Company,
    today: dt.date,
    rows: list[ItemRow],
    totals: dict[int, tuple[dict[str, int], dict[str, int]]] | None,
    totals_for: set[int] | None = None,
    customer_range: tuple[int, int] | None = None,
) -> CompanyFacts:
    """`totals` None: the rows are whole accounts. Otherwise `totals_for` lists the customers
    whose account totals were loaded; the others' amount conditions cannot be evaluated."""
    items_by_customer: dict[int, list[ItemRow]] = defaultdict(list)
    for row in rows:
        items_by_customer[row.customer_id].append(row)
    invoice_ids = [row.id for row in rows]

    disputed = set(
        Dispute.invoices.through.objects.filter(
            dispute__company=company, dispute__status=DisputeStatus.OPEN
        ).values_list("invoice_id", flat=True)
    )
    promised_until: dict[int, dt.date] = {}
    broken: dict[int, list[BrokenPromise]] = defaultdict(list)
    promises = Promise.objects.filter(company=company, status__in=[PromiseStatus.OPEN, PromiseStatus.BROKEN])
    for promise in promises.filter(followed_up_on__isnull=True).prefetch_related("invoices"):
        ids = tuple(inv.pk for inv in promise.invoices.all())
        if promise.status == PromiseStatus.OPEN:
            until = promise.promised_date + dt.timedelta(days=promise.grace_days)
            for invoice_id in ids:
                promised_until[invoice_id] = max(until, promised_until.get(invoice_id, until))
        else:
            broken[promise.customer_id].append(BrokenPromise(promise.pk, promise.promised_date, ids))

    done: dict[int, set[int]] = defaultdict(set)
    # By invoice id (the foreign-key index): a join driven from the action items would read them all.
    done_rows = _select_in(
        "SELECT invoice_id, step_id FROM collection_actionitem WHERE active = %s AND invoice_id IN ({ids})",
        invoice_ids,
        prefix=[True],
    )
    for invoice_id, step_id in done_rows:
        done[invoice_id].add(step_id)

    # Only customers with open items read here: a broken promise matters for its unpaid invoices,
    # which are due for review (and so read) in their own customer's batch.
    wanted = sorted(items_by_customer)
    wanted_set = set(wanted)
    customers: dict[int, CustomerRow] = {
        row[0]: CustomerRow(row[0], row[1], row[2], row[3], _date(row[4]) if row[4] else None, row[5])
        for row in _select_in(
            "SELECT id, code, country, status, paused_until, collector_id FROM ledger_customer "
            "WHERE company_id = %s AND id IN ({ids})",
            wanted,
            prefix=[company.pk],
            id_range=customer_range,
        )
        if row[0] in wanted_set
    }
    last_contact: dict[int, dt.date] = {
        customer_id: _date(last)
        for customer_id, last in _select_in(
            "SELECT customer_id, MAX(date) FROM collection_action WHERE status = %s AND channel IN (%s, %s, %s) "
            "AND customer_id IN ({ids}) GROUP BY customer_id",
            wanted,
            prefix=[ActionStatus.DONE, *CONTACT_CHANNELS],
            id_range=customer_range,
        )
    }
    tags_of: dict[int, set[int]] = defaultdict(set)
    tag_names: dict[int, set[str]] = defaultdict(set)
    for customer_id, tag_id, tag_name in _select_in(
        "SELECT ct.customer_id, ct.tag_id, t.name FROM ledger_customer_tags ct JOIN ledger_tag t ON t.id = ct.tag_id "
        "WHERE ct.customer_id IN ({ids})",
        wanted,
        id_range=customer_range,
    ):
        tags_of[customer_id].add(tag_id)
        tag_names[customer_id].add(tag_name)
    if totals is not None:
        # Rules by minimum open amount need the totals: fall back to the items read (a lower bound).
        open_by_customer = {cid: sum(r.open_minor for r in items) for cid, items in items_by_customer.items()}
        open_by_customer.update({cid: sum(t[0].values()) for cid, t in totals.items()})
    else:
        open_by_customer = {cid: sum(r.open_minor for r in items) for cid, items in items_by_customer.items()}
    assignment = _scenario_assignment(company, customers, open_by_customer, tags_of)
    scenario_models = list(Scenario.objects.filter(company=company).prefetch_related("steps__tags"))
    scenarios = {s.pk: scenario_rules(s) for s in scenario_models}
    steps = {step.pk: step for s in scenario_models for step in s.steps.all()}

    facts = []
    scenario_of: dict[int, ScenarioRules] = {}
    for customer_id, customer in customers.items():
        scenario_id = assignment.get(customer_id)
        if scenario_id is None:
            continue
        scenario_of[customer_id] = scenarios[scenario_id]
        items = tuple(
            ItemFacts(
                id=r.id,
                number=r.number,
                due_date=r.due_date,
                open_minor=r.open_minor,
                currency=r.currency,
                disputed=r.id in disputed,
                promised_until=promised_until.get(r.id),
                done_step_ids=frozenset(done[r.id]) if r.id in done else frozenset(),
            )
            for r in items_by_customer.get(customer_id, [])
        )
        account = totals.get(customer_id, ({}, {})) if totals is not None else None
        known = totals is None or (totals_for is not None and customer_id in totals_for)
        facts.append(
            CustomerFacts(
                id=customer_id,
                code=customer.code,
                status=customer.status,
                paused_until=customer.paused_until,
                tags=frozenset(tag_names.get(customer_id, ())),
                last_contact=last_contact.get(customer_id),
                items=items,
                broken_promises=tuple(broken.get(customer_id, ())),
                open_by_currency=account[0] if account is not None else None,
                overdue_by_currency=account[1] if account is not None else None,
                totals_known=known,
            )
        )
    return CompanyFacts(
        company=company,
        today=today,
        calendar=BusinessCalendar(company.country),
        customers=facts,
        scenario_of=scenario_of,
        scenarios=scenarios,
        steps=steps,
        customer_models=customers,
    )
