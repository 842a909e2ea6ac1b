"""The collection engine: what to do today for one customer. A pure function.

    decide(customer=CustomerFacts, scenario=ScenarioRules, calendar=BusinessCalendar, today=date)
        -> CustomerOutcome(decisions=[Decision...], notes=[...])

The rules, in the order they apply:

1. Nothing for a customer in litigation or paused (until a date, inclusive), nothing on a
   non-working day.
2. An item is left out while it is paid, disputed, or under a promise whose date (plus grace)
   has not passed. Reasons are kept ("F-1050 skipped: disputed").
3. A step is *due* for an item when the first working day on or after `due date + offset` is
   today or earlier. Only the **latest** due step counts (after days of downtime the missed
   steps are never sent in a burst); nothing happens when that step, or a later one, was done.
   A step whose eligibility conditions (tags, account amounts) fail is passed over in favour of
   the step before it; a step waiting for "days since last contact" just waits.
4. Items are merged per customer and family: at most one outbound message (e-mail or letter),
   one call and one task a day. The most advanced step of the family wins and its action covers
   every item of that family, each recorded with its own step (so each item gets a step once).
5. A broken promise not yet followed up fires the scenario's broken-promise step at once; it
   takes precedence in its family, and the promised items' own due step in that family waits for
   the next working day (an immediate-payment e-mail today, the formal notice letter tomorrow).

Priority (for the collectors' task list) is the sum of open amount x days overdue of the items
covered, in major units, doubled after a broken promise.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections import defaultdict

from relance.collection.domain.calendar import BusinessCalendar
from relance.collection.domain.model import (
    CustomerFacts,
    CustomerOutcome,
    Decision,
    Family,
    ItemFacts,
    ScenarioRules,
    StepRule,
)
from relance.core.money import Money, currency_exponent

FAMILY_ORDER = {family: index for index, family in enumerate(Family)}
ONE_DAY = dt.timedelta(days=1)


def _money(minor: int, currency: str) -> str:
    return f"{Money(minor, currency).amount} {currency}"


class _Account:
    """Overdue and open totals per currency, for the amount conditions of steps (computed only
    when a step with such a condition is met: most customers never need them)."""

    def __init__(self, customer: CustomerFacts, today: dt.date) -> None:
        self._customer = customer
        self._today = today
        self._ready = False
        self._overdue: dict[str, int] = defaultdict(int)
        self._open: dict[str, int] = defaultdict(int)

    @property
    def overdue(self) -> dict[str, int]:
        self._compute()
        return self._overdue

    @property
    def open(self) -> dict[str, int]:
        self._compute()
        return self._open

    def _compute(self) -> None:
        if self._ready:
            return
        self._ready = True
        customer, today = self._customer, self._today
        if customer.open_by_currency is not None:
            self._open.update(customer.open_by_currency)
            self._overdue.update(customer.overdue_by_currency or {})
            return
        for item in customer.items:
            if item.open_minor > 0:
                self._open[item.currency] += item.open_minor
                if item.due_date < today:
                    self._overdue[item.currency] += item.open_minor


def _ineligible(step: StepRule, customer: CustomerFacts, account: _Account, currency: str) -> str | None:
    if (step.min_overdue_minor or step.min_open_minor) and not customer.totals_known:
        raise RuntimeError(f"account totals of customer {customer.code} are needed for step {step.label}")
    if step.tags and not (step.tags & customer.tags):
        return f"step {step.label} is for customers tagged {', '.join(sorted(step.tags))}"
    if step.min_overdue_minor and account.overdue[currency] < step.min_overdue_minor:
        return (
            f"step {step.label} needs {_money(step.min_overdue_minor, currency)} overdue, "
            f"the account has {_money(account.overdue[currency], currency)}"
        )
    if step.min_open_minor and account.open[currency] < step.min_open_minor:
        return (
            f"step {step.label} needs an account of {_money(step.min_open_minor, currency)}, "
            f"it is {_money(account.open[currency], currency)}"
        )
    return None


def _unit(currency: str) -> int:
    """Minor units per major unit (100 for EUR), memoised: asked for every item of every decision."""
    unit = _UNITS.get(currency)
    if unit is None:
        unit = _UNITS[currency] = 10 ** currency_exponent(currency)
    return unit


_UNITS: dict[str, int] = {}


def _priority(items: list[ItemFacts], today: dt.date) -> int:
    total = 0
    for item in items:
        days = (today - item.due_date).days
        if days > 0:
            total += item.open_minor * days // _unit(item.currency)
    return total


def decide(
    *, customer: CustomerFacts, scenario: ScenarioRules, calendar: BusinessCalendar, today: dt.date
) -> CustomerOutcome:
    outcome = CustomerOutcome(customer_id=customer.id)
    notes = outcome.notes
    if customer.status == "litigation":
        notes.append("customer in litigation: no collection action")
        return outcome
    if customer.status == "paused" and (customer.paused_until is None or today <= customer.paused_until):
        until = f" until {customer.paused_until.isoformat()}" if customer.paused_until else ""
        notes.append(f"customer paused{until}")
        return outcome
    if not calendar.is_business_day(today):
        notes.append(f"{today.isoformat()} is not a working day ({calendar.why_closed(today)})")
        return outcome

    account: _Account | None = None  # built when a step's condition needs the account's amounts
    steps, offsets, conditioned = scenario.due_steps, scenario.due_offsets, scenario.due_conditioned
    by_family: dict[Family, list[tuple[ItemFacts, StepRule]]] = {}
    for item in customer.items:
        if item.open_minor <= 0:
            continue
        if item.disputed:
            notes.append(f"{item.number} skipped: disputed")
            continue
        if item.promised_until is not None and today <= item.promised_until:
            notes.append(f"{item.number} skipped: payment promised, waiting until {item.promised_until.isoformat()}")
            continue
        # The latest due step. Steps are sorted by offset and their working days never go
        # backwards, so the due steps are a prefix of `steps`. Walking it from the latest, a step
        # already done ends the search: neither it nor an earlier one may be given again; a step
        # whose conditions fail gives way to the one before it.
        done = item.done_step_ids
        index = bisect_right(calendar.schedule(item.due_date, offsets), today) - 1
        while index >= 0:
            step = steps[index]
            if step.id in done:
                break  # given already (or a later one was): nothing new for this item
            if conditioned[index]:
                if account is None:
                    account = _Account(customer, today)
                reason = _ineligible(step, customer, account, item.currency)
                if reason is not None:
                    notes.append(f"{item.number}: {reason}")
                    index -= 1
                    continue
            pairs = by_family.get(step.family)
            if pairs is None:
                by_family[step.family] = [(item, step)]
            else:
                pairs.append((item, step))
            break

    broken_step = scenario.broken_promise_step
    promise_family: Family | None = None
    if customer.broken_promises:
        if broken_step is None:
            notes.append("a promise was broken but the scenario has no broken-promise step")
        else:
            # The promised items get the immediate-payment request now; a due step they reached in
            # the same family stays pending (e.g. the formal notice follows on the next working day).
            promise_family = broken_step.family
            items_by_id = {i.id: i for i in customer.items}
            promised = {
                item_id
                for promise in customer.broken_promises
                for item_id in promise.item_ids
                if item_id in items_by_id and items_by_id[item_id].open_minor > 0 and not items_by_id[item_id].disputed
            }
            pairs = [pair for pair in by_family.get(promise_family, ()) if pair[0].id not in promised]
            pairs.extend((items_by_id[item_id], broken_step) for item_id in sorted(promised))
            by_family[promise_family] = pairs

    for family, pairs in by_family.items():
        if family == promise_family and broken_step is not None:
            chosen = broken_step
        elif len(pairs) == 1:
            chosen = pairs[0][1]
        else:
            chosen = max((step for _item, step in pairs), key=lambda s: (s.offset_days, s.order))
        if chosen.min_days_since_contact and customer.last_contact is not None:
            waited = (today - customer.last_contact).days
            if waited < chosen.min_days_since_contact:
                outcome.deferred = True
                notes.append(
                    f"step {chosen.label} waits: last contact {waited} day(s) ago, "
                    f"{chosen.min_days_since_contact} required"
                )
                continue
        if len(pairs) > 1:
            pairs.sort(key=lambda pair: (pair[0].due_date, pair[0].number))
        reasons = []
        for item, step in pairs:
            if step is broken_step and family == promise_family:
                reasons.append(f"{item.number}: promise broken, immediate payment requested")
            else:
                reasons.append(f"{item.number} reached step {step.label} ({step.name})")
        promise_ids = tuple(p.id for p in customer.broken_promises) if family == promise_family else ()
        priority = _priority([item for item, _ in pairs], today) * (2 if promise_ids else 1)
        outcome.decisions.append(
            Decision(
                customer_id=customer.id,
                date=today,
                family=family,
                step=chosen,
                item_steps=tuple((item.id, step.id) for item, step in pairs),
                reasons=tuple(reasons),
                priority=priority,
                promise_ids=promise_ids,
            )
        )
    if len(outcome.decisions) > 1:
        outcome.decisions.sort(key=lambda d: FAMILY_ORDER[d.family])
    return outcome


def next_review(
    *,
    customer: CustomerFacts,
    item: ItemFacts,
    scenario: ScenarioRules,
    calendar: BusinessCalendar,
    today: dt.date,
    given_today: frozenset[int] = frozenset(),
) -> dt.date:
    """The first day after today on which this item may need something; dt.date.max for never.

    Used by the daily run to read only the invoices that may act: the scheduled day of the next
    step, the day after a promise (and its grace) or a pause ends. Events that change an item
    (a dispute resolved, a promise cancelled, a customer resumed, an import, a scenario edited)
    reset the date so the item is looked at again.
    """
    never = dt.date.max
    if item.open_minor <= 0 or item.disputed or customer.status == "litigation":
        return never
    if customer.status == "paused":
        if customer.paused_until is None:
            return never
        if today <= customer.paused_until:
            return customer.paused_until + ONE_DAY
    if item.promised_until is not None and today <= item.promised_until:
        return item.promised_until + ONE_DAY
    schedule = calendar.schedule(item.due_date, scenario.due_offsets)
    due_count = bisect_right(schedule, today)
    if due_count:
        latest_due = scenario.due_steps[due_count - 1].id
        if latest_due not in item.done_step_ids and latest_due not in given_today:
            return today + ONE_DAY  # a due step is still pending (waiting for its family)
    return schedule[due_count] if due_count < len(schedule) else never
