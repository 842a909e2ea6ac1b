"""Load what the engine needs, for a whole company, in a fixed number of queries.

Two loaders share one builder:

- `load_company_facts` reads every open item (for `relance plan` and for tests of the whole
  account);
- `load_candidate_facts` is the daily run's fast path: it reads only the invoices whose
  `review_on` date has come (an index range on the invoice table), plus what their customers need
  for the conditions that may apply today. Items whose next step is not due cannot produce a
  decision, so leaving them out changes nothing but the time.

What the fast path leaves out, and why the decisions stay the same:

- account totals (one more query over the customer's whole account) are read only for customers
  with an item whose amount-conditioned step may be its latest due step, and only when the items
  read do not already reach the step's thresholds: open and overdue amounts only grow with more
  invoices, so a threshold the items read reach is reached by the account (the engine then counts
  the items read, and the condition passes either way);
- the date of the last contact is read only when a step of the company waits for one;
- customers' rows, tags and assignments come from one range query per batch (the run's batches
  are contiguous slices of customer ids).

Rows are read with plain SQL and turned straight into the engine's value objects, per customer.
"""

from __future__ import annotations

import datetime as dt
from array import array
from collections.abc import Iterable, Iterator, Sequence
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
from relance.ledger.models import Company, Customer
from relance.ledger.selectors import open_items

CONTACT_CHANNELS = (Channel.EMAIL, Channel.CALL, Channel.LETTER)
CHUNK = 900  # ids per IN (...) list, under every database's parameter limit
DENSE = 4  # a day is dense when a quarter of the invoices or more are due for review
NO_STEPS: frozenset[int] = frozenset()

# A candidate row: (invoice id, customer id, number, due date, currency, open minor units)
Row = tuple[int, int, str, dt.date, str, int]


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


@dataclass(frozen=True, slots=True)
class ConditionWindow:
    """A due step with an amount or tag condition, and the offset of the step after it: an item
    whose conditioned step is due and whose next step is not may have it as its latest due step."""

    offset: int
    following: int | None
    min_open_minor: int
    min_overdue_minor: int
    has_tags: bool


@dataclass
class CompanySetup:
    """What the run reads once per company: scenarios as engine rules, assignment rules, the
    conditions that decide what else must be read."""

    company: Company
    calendar: BusinessCalendar
    scenarios: dict[int, ScenarioRules]  # scenario id -> rules
    steps: dict[int, Step]
    rules: list[ScenarioRule]
    default_scenario: int | None
    windows: list[ConditionWindow]
    waits_for_contact: bool  # a step has a "days since the last contact" condition

    @property
    def rules_need_totals(self) -> bool:
        return any(rule.min_open_minor is not None for rule in self.rules)


def company_setup(company: Company) -> CompanySetup:
    scenario_models = list(Scenario.objects.filter(company=company).prefetch_related("steps__tags"))
    windows: list[ConditionWindow] = []
    for scenario in scenario_models:
        due_steps = sorted((s for s in scenario.steps.all() if s.trigger == Trigger.DUE), key=lambda s: s.offset_days)
        for index, step in enumerate(due_steps):
            tags = bool(step.tags.all())
            if step.min_overdue_minor or step.min_open_minor or tags:
                following = due_steps[index + 1].offset_days if index + 1 < len(due_steps) else None
                windows.append(
                    ConditionWindow(step.offset_days, following, step.min_open_minor, step.min_overdue_minor, tags)
                )
    return CompanySetup(
        company=company,
        calendar=BusinessCalendar(company.country),
        scenarios={s.pk: scenario_rules(s) for s in scenario_models},
        steps={step.pk: step for s in scenario_models for step in s.steps.all()},
        rules=list(ScenarioRule.objects.filter(company=company).order_by("priority", "id")),
        default_scenario=Scenario.objects.filter(company=company, is_default=True).values_list("pk", flat=True).first(),
        windows=windows,
        waits_for_contact=any(s.min_days_since_contact for sc in scenario_models for s in sc.steps.all()),
    )


@dataclass
class CompanyFacts:
    company: Company
    today: dt.date
    calendar: BusinessCalendar
    customers: list[CustomerFacts]
    scenario_of: dict[int, ScenarioRules]  # customer id -> rules
    scenarios: dict[int, ScenarioRules]  # scenario id -> rules
    steps: dict[int, Step]
    collector_of: dict[int, int | None]  # customer id -> assigned collector (user id)
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


@dataclass(frozen=True, slots=True)
class CandidateBatch:
    customer_range: tuple[int, int]  # first and last customer id
    invoice_ids: list[int]  # the invoices of these customers due for review


def candidate_batches(*, company: Company, today: dt.date, customers: int, invoices: int) -> Iterator[CandidateBatch]:
    """The invoices due for review today, by batches of whole customers (at most `customers`
    customers, and `invoices` invoices unless one customer has more).

    The ids are read once into compact arrays, in customer order: each batch then reads its
    invoices by primary key (a batch that filtered the review-date range by customer would scan
    the whole range again, batch after batch). On a normal day few invoices are due: they come
    from the review-date index and are sorted. When most are (a first run, a scenario changed),
    they come in the order of the customer index, without a sort holding them all in memory."""
    today_db = connection.ops.adapt_datefield_value(today)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM ledger_invoice WHERE company_id = %s AND review_on <= %s", [company.pk, today_db]
        )
        due = cursor.fetchone()[0]
        cursor.execute("SELECT COUNT(*) FROM ledger_invoice WHERE company_id = %s", [company.pk])
        dense = due * DENSE >= cursor.fetchone()[0]
    # A unary + keeps SQLite off an index: the review date's on a dense day, the customer's otherwise
    # (PostgreSQL's planner weighs both by itself, and has no + for dates).
    plus = "+" if connection.vendor == "sqlite" else ""
    where = f"{plus}company_id = %s AND {plus}review_on <= %s" if dense else "company_id = %s AND review_on <= %s"
    order = "customer_id" if dense else f"{plus}customer_id"
    customer_ids, invoice_ids = array("q"), array("q")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT customer_id, id FROM ledger_invoice WHERE {where} AND kind IN ('invoice', 'debit_note') "  # noqa: S608
            f"AND issue_date <= %s ORDER BY {order}",
            [company.pk, today_db, today_db],
        )
        while rows := cursor.fetchmany(10_000):
            for customer_id, invoice_id in rows:
                customer_ids.append(customer_id)
                invoice_ids.append(invoice_id)
    start, count = 0, len(invoice_ids)
    while start < count:
        end, seen, previous = start, 0, None
        while end < count:
            customer_id = customer_ids[end]
            if customer_id != previous:
                if seen == customers or (seen and end - start >= invoices):
                    break
                seen, previous = seen + 1, customer_id
            end += 1
        yield CandidateBatch((customer_ids[start], customer_ids[end - 1]), sorted(invoice_ids[start:end]))
        start = end


def _candidate_rows(
    company: Company, today: dt.date, first: int, last: int, invoice_ids: list[int] | None = None
) -> list[tuple]:
    """(id, customer id, number, due date, currency, open minor units) of the invoices due for review:
    those of the customers in the range, or these invoices (still due for review)."""
    today_db = connection.ops.adapt_datefield_value(today)
    select = """
            SELECT i.id, i.customer_id, i.number, i.due_date, i.currency,
                   i.amount - COALESCE((SELECT SUM(a.amount) FROM ledger_allocation a
                                         WHERE a.invoice_id = i.id AND a.date <= %s), 0)
              FROM ledger_invoice i
             WHERE i.company_id = %s AND i.review_on <= %s AND i.kind IN ('invoice', 'debit_note')
               AND i.issue_date <= %s AND """
    params: list[Any] = [today_db, company.pk, today_db, today_db]
    with connection.cursor() as cursor:
        if invoice_ids is None:
            # the unary + keeps SQLite on the (company, review_on) index: few rows are due for review
            cursor.execute(f"{select} +i.customer_id BETWEEN %s AND %s", [*params, first, last])
            return cursor.fetchall()
        rows: list[tuple] = []
        for chunk in _chunks(invoice_ids):
            cursor.execute(f"{select} i.id IN ({', '.join(['%s'] * len(chunk))})", [*params, *chunk])
            rows.extend(cursor.fetchall())
        return rows


def load_company_facts(
    *, company: Company, today: dt.date, customer_ids: set[int] | None = None, customer: Customer | None = None
) -> CompanyFacts:
    """Every open item of the company (or of some customers): the whole accounts. With `customer`,
    only that customer's items are read (one customer's plan must not read the whole ledger)."""
    by_customer: dict[int, list[Row]] = {}
    if customer is not None:
        customer_ids = {customer.pk}
    for i in open_items(company=company, as_of=today, customer=customer):
        if not i.is_credit and (customer_ids is None or i.customer_id in customer_ids):
            row = (i.item_id, i.customer_id, i.number, i.due_date, i.open_amount.currency, i.open_amount.minor)
            by_customer.setdefault(i.customer_id, []).append(row)
    setup = company_setup(company)
    return _build(setup, today=today, by_customer=by_customer, totals=None, read_last_contact=True)


def load_candidate_facts(
    *,
    company: Company,
    today: dt.date,
    customer_range: tuple[int, int] | None = None,
    invoice_ids: list[int] | None = None,
    setup: CompanySetup | None = None,
) -> CompanyFacts:
    """Only the invoices due for review today (of customers whose id is in the range, or those of
    `invoice_ids`: a `candidate_batches` batch), with what their customers need for today's
    conditions. The daily run goes through the customers batch by batch, so its memory stays
    bounded whatever the size of the ledger; it reads the company's `setup` once for all batches."""
    setup = setup if setup is not None else company_setup(company)
    first, last = customer_range if customer_range is not None else (0, 2**62)
    by_customer: dict[int, list[Row]] = {}
    closed: list[int] = []
    for row in _candidate_rows(company, today, first, last, invoice_ids):
        if row[5] <= 0:
            closed.append(row[0])
            continue
        rows = by_customer.get(row[1])
        if rows is None:
            by_customer[row[1]] = [row]
        else:
            rows.append(row)
    if setup.rules_need_totals:  # rules by minimum open amount: every customer's exact account
        needing, settled = sorted(by_customer), set[int]()
    else:
        needing, settled = _customers_needing_totals(setup, today, by_customer)
    totals = _account_totals(needing, today) if needing else {}
    facts = _build(
        setup,
        today=today,
        by_customer=by_customer,
        totals=totals,
        totals_for=set(needing),
        settled=settled,
        customer_range=customer_range,
        read_last_contact=setup.waits_for_contact,
    )
    facts.closed_invoice_ids = closed
    return facts


def _customers_needing_totals(
    setup: CompanySetup, today: dt.date, by_customer: dict[int, list[Row]]
) -> tuple[list[int], set[int]]:
    """Customers whose amount conditions need their account totals, and those whose conditions the
    items read settle (see the module's docstring)."""
    if not setup.windows:
        return [], set()
    calendar = setup.calendar

    def open_windows(due: dt.date) -> tuple[ConditionWindow, ...]:
        found = []
        for window in setup.windows:
            if due + dt.timedelta(days=window.offset) > today:
                continue  # the conditioned step is not due yet
            following = window.following
            if following is None or calendar.next_business_day(due + dt.timedelta(days=following)) > today:
                found.append(window)  # ...and the step after it is not due: it may be the latest due step
        return tuple(found)

    # Few due dates (thousands of invoices share one): their windows first, then the customers
    # with an item in one of them.
    dues = {row[3] for rows in by_customer.values() for row in rows}
    windows_of = {due: windows for due in dues if (windows := open_windows(due))}
    flagged = sorted({row[1] for rows in by_customer.values() for row in rows if row[3] in windows_of})
    needing: list[int] = []
    settled: set[int] = set()
    for customer_id in flagged:
        rows = by_customer[customer_id]
        met = [(row, window) for row in rows for window in windows_of.get(row[3], ())]
        if any(window.has_tags for _row, window in met):
            needing.append(customer_id)  # a tag condition may fail and let an earlier step be weighed
            continue
        opened: dict[str, int] = {}
        overdue: dict[str, int] = {}
        for _id, _customer, _number, due, currency, open_minor in rows:
            opened[currency] = opened.get(currency, 0) + open_minor
            if due < today:
                overdue[currency] = overdue.get(currency, 0) + open_minor
        if all(
            opened[row[4]] >= window.min_open_minor and overdue.get(row[4], 0) >= window.min_overdue_minor
            for row, window in met
        ):
            settled.add(customer_id)
        else:
            needing.append(customer_id)
    return needing, settled


def _build(
    setup: CompanySetup,
    *,
    today: dt.date,
    by_customer: dict[int, list[Row]],
    totals: dict[int, tuple[dict[str, int], dict[str, int]]] | None,
    totals_for: set[int] | None = None,
    settled: set[int] | None = None,
    customer_range: tuple[int, int] | None = None,
    read_last_contact: bool,
) -> CompanyFacts:
    """`totals` None: the rows are whole accounts. Otherwise `totals_for` lists the customers
    whose account totals were loaded; the amount conditions of the others are settled by their
    items read (see the module's docstring), or cannot be evaluated."""
    company = setup.company
    disputed = set(
        Dispute.invoices.through.objects.filter(
            dispute__company=company, dispute__status=DisputeStatus.OPEN
        ).values_list("invoice_id", flat=True)
    )
    promised_until: dict[int, dt.date] = {}
    broken: dict[int, list[BrokenPromise]] = {}
    promises = Promise.objects.filter(company=company, status__in=[PromiseStatus.OPEN, PromiseStatus.BROKEN])
    for promise in promises.filter(followed_up_on__isnull=True).prefetch_related("invoices"):
        ids = tuple(inv.pk for inv in promise.invoices.all())
        if promise.status == PromiseStatus.OPEN:
            until = promise.promised_date + dt.timedelta(days=promise.grace_days)
            for invoice_id in ids:
                promised_until[invoice_id] = max(until, promised_until.get(invoice_id, until))
        else:
            broken.setdefault(promise.customer_id, []).append(BrokenPromise(promise.pk, promise.promised_date, ids))

    # Steps done, by invoice id (the foreign-key index): a join driven from the action items would read them all.
    done: dict[int, set[int]] = {}
    # In id order: consecutive IN lists then walk the index forward instead of all over it.
    invoice_ids = sorted([row[0] for rows in by_customer.values() for row in rows])
    # `active` as a literal: SQLite's partial index (WHERE "active" = 1) then applies when the statement
    # is prepared; with a parameter, each execution is planned again for the bound value.
    active = "1" if connection.vendor == "sqlite" else "TRUE"
    for invoice_id, step_id in _select_in(
        f"SELECT invoice_id, step_id FROM collection_actionitem WHERE active = {active} AND invoice_id IN ({{ids}})",  # noqa: S608
        invoice_ids,
    ):
        steps = done.get(invoice_id)
        if steps is None:
            done[invoice_id] = {step_id}
        else:
            steps.add(step_id)
    done_steps = {invoice_id: frozenset(steps) for invoice_id, steps in done.items()}

    # Only customers with open items read here: a broken promise matters for its unpaid invoices,
    # which are due for review (and so read) in their own customer's batch.
    wanted = sorted(by_customer)
    # Tags, assignments and contacts: one range query when the customers are dense in their range.
    if customer_range is None and wanted and len(wanted) * DENSE >= wanted[-1] - wanted[0] + 1:
        customer_range = (wanted[0], wanted[-1])
    customers = {
        row[0]: row
        for row in _select_in(
            "SELECT id, code, country, status, paused_until, collector_id FROM ledger_customer "
            "WHERE company_id = %s AND id IN ({ids})",
            wanted,
            prefix=[company.pk],
        )  # by primary key: a range would also read the customers with nothing due
        if row[0] in by_customer
    }
    last_contact: dict[int, dt.date] = {}
    if read_last_contact:
        last_contact = {
            customer_id: _date(last)
            for customer_id, last in _select_in(
                "SELECT customer_id, MAX(date) FROM collection_action WHERE status = %s AND channel IN (%s, %s, %s) "
                "AND customer_id IN ({ids}) GROUP BY customer_id",
                wanted,
                prefix=[ActionStatus.DONE, *CONTACT_CHANNELS],
                id_range=customer_range,
            )
        }
    tags_of: dict[int, set[int]] = {}
    tag_names: dict[int, set[str]] = {}
    for customer_id, tag_id, tag_name in _select_in(
        "SELECT ct.customer_id, ct.tag_id, t.name FROM ledger_customer_tags ct JOIN ledger_tag t ON t.id = ct.tag_id "
        "WHERE ct.customer_id IN ({ids})",
        wanted,
        id_range=customer_range,
    ):
        tags_of.setdefault(customer_id, set()).add(tag_id)
        tag_names.setdefault(customer_id, set()).add(tag_name)
    explicit: dict[int, int] = dict(
        _select_in(
            "SELECT customer_id, scenario_id FROM collection_customerscenario WHERE customer_id IN ({ids})",
            wanted,
            id_range=customer_range,
        )
    )

    scenarios, rules, default = setup.scenarios, setup.rules, setup.default_scenario
    facts: list[CustomerFacts] = []
    scenario_of: dict[int, ScenarioRules] = {}
    collector_of: dict[int, int | None] = {}
    no_tags: frozenset[str] = frozenset()
    for customer_id in wanted:
        customer = customers.get(customer_id)
        if customer is None:
            continue
        rows = by_customer[customer_id]
        account = totals.get(customer_id) if totals is not None else None
        scenario_id = explicit.get(customer_id, default) if not rules else explicit.get(customer_id)
        if scenario_id is None and rules:
            scenario_id = _rule_scenario(rules, default, customer, tags_of.get(customer_id), rows, account)
        if scenario_id is None:
            continue
        scenario_of[customer_id] = scenarios[scenario_id]
        collector_of[customer_id] = customer[5]
        items = tuple(
            [
                ItemFacts(
                    pk,
                    number,
                    due,
                    int(open_minor),
                    currency,
                    pk in disputed,
                    promised_until.get(pk) if promised_until else None,
                    done_steps.get(pk, NO_STEPS),
                )
                for pk, _customer, number, due, currency, open_minor in rows
            ]
        )
        if totals is None:  # whole accounts: the engine sums the items
            opened, overdue, known = None, None, True
        elif totals_for is not None and customer_id in totals_for:
            opened, overdue, known = account[0] if account else {}, account[1] if account else {}, True
        elif settled and customer_id in settled:  # the items read reach the thresholds: the engine sums them
            opened, overdue, known = None, None, True
        else:  # no amount condition may apply today
            opened, overdue, known = None, None, False
        names = tag_names.get(customer_id)
        facts.append(
            CustomerFacts(
                customer_id,
                customer[1],
                customer[3],
                _date(customer[4]) if customer[4] else None,
                frozenset(names) if names else no_tags,
                last_contact.get(customer_id),
                items,
                tuple(broken[customer_id]) if customer_id in broken else (),
                opened,
                overdue,
                known,
            )
        )
    return CompanyFacts(
        company=company,
        today=today,
        calendar=setup.calendar,
        customers=facts,
        scenario_of=scenario_of,
        scenarios=scenarios,
        steps=setup.steps,
        collector_of=collector_of,
    )


def _rule_scenario(
    rules: list[ScenarioRule],
    default: int | None,
    customer: tuple,
    tags: set[int] | None,
    rows: list[Row],
    account: tuple[dict[str, int], dict[str, int]] | None,
) -> int | None:
    """The first matching rule by priority (tag, country, minimum open amount), else the default."""
    open_total: int | None = None
    for rule in rules:
        if rule.tag_id is not None and (tags is None or rule.tag_id not in tags):
            continue
        if rule.country and rule.country != customer[2]:
            continue
        if rule.min_open_minor is not None:
            if open_total is None:
                open_total = sum(account[0].values()) if account is not None else sum(int(r[5]) for r in rows)
            if open_total < rule.min_open_minor:
                continue
        return rule.scenario_id
    return default
