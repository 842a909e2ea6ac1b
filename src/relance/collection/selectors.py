"""Reads for the collectors: the task list, the plan ahead, and each customer's scenario."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from django.db.models import QuerySet

from relance.accounts.models import User
from relance.collection.domain.engine import decide
from relance.collection.domain.model import BrokenPromise, CustomerFacts, Decision
from relance.collection.facts import load_company_facts, scenario_rules
from relance.collection.models import Action, Scenario
from relance.collection.models.actions import OPEN_STATUSES
from relance.ledger.models import Company, Customer


def tasks_for(*, company: Company, user: User | None = None, as_of: dt.date) -> QuerySet[Action]:
    """Open calls, letters, tasks and e-mails to confirm up to `as_of`, highest priority first.

    With a user, only the actions assigned to them (their portfolio); without, all of the company's.
    """
    queryset = Action.objects.filter(company=company, status__in=OPEN_STATUSES, date__lte=as_of).exclude(
        channel="email", status="planned"
    )
    if user is not None:
        queryset = queryset.filter(assigned_to=user)
    return queryset.select_related("customer", "assigned_to").order_by("-priority", "date", "id")


@dataclass(frozen=True)
class PlannedAction:
    date: dt.date
    customer_id: int
    customer_code: str
    decision: Decision


def plan_ahead(
    *,
    company: Company,
    start: dt.date,
    days: int,
    customer: Customer | None = None,
    scenario: Scenario | None = None,
) -> list[PlannedAction]:
    """What the engine would do each day from `start` for `days` days if nothing changed (nobody pays).

    The engine's own decisions feed the next days (a step given is not given again), promises whose
    date and grace pass unpaid count as broken, exactly as the daily run would see them.

    With `scenario`, every customer follows that scenario (as edited now) instead of their own: the
    scenario editor's preview. Steps are those of that scenario, so the steps the customer got
    under another scenario do not count (as if it were assigned today).
    """
    if scenario is not None and scenario.company_id != company.pk:
        raise ValueError("scenario does not belong to this company")
    facts = load_company_facts(
        company=company, today=start, customer_ids={customer.pk} if customer is not None else None, customer=customer
    )
    override = scenario_rules(scenario) if scenario is not None else None
    planned: list[PlannedAction] = []
    state: dict[int, CustomerFacts] = {c.id: c for c in facts.customers}
    for offset in range(days):
        day = start + dt.timedelta(days=offset)
        for customer_id, cust in list(state.items()):
            cust = _break_promises(cust, day)
            rules = override if override is not None else facts.scenario_of[customer_id]
            outcome = decide(customer=cust, scenario=rules, calendar=facts.calendar, today=day)
            for decision in outcome.decisions:
                planned.append(PlannedAction(day, customer_id, cust.code, decision))
            state[customer_id] = _apply(cust, outcome.decisions, day)
    return planned


def _break_promises(customer: CustomerFacts, day: dt.date) -> CustomerFacts:
    expired = [i for i in customer.items if i.promised_until is not None and day > i.promised_until]
    if not expired:
        return customer
    broken = BrokenPromise(id=-day.toordinal(), promised_date=day, item_ids=tuple(i.id for i in expired))
    items = tuple(replace(i, promised_until=None) if i in expired else i for i in customer.items)
    return replace(customer, items=items, broken_promises=(*customer.broken_promises, broken))


def _apply(customer: CustomerFacts, decisions: list[Decision], day: dt.date) -> CustomerFacts:
    if not decisions:
        return customer
    given: dict[int, set[int]] = {}
    for decision in decisions:
        for item_id, step_id in decision.item_steps:
            given.setdefault(item_id, set()).add(step_id)
    items = tuple(
        replace(i, done_step_ids=i.done_step_ids | given[i.id]) if i.id in given else i for i in customer.items
    )
    followed = {p for d in decisions for p in d.promise_ids}
    promises = tuple(p for p in customer.broken_promises if p.id not in followed)
    return replace(customer, items=items, broken_promises=promises, last_contact=day)
