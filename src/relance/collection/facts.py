"""Load what the engine needs, for a whole company, in a fixed number of queries.

The engine is pure; this module turns the database into its inputs: customers with their open
items (from the ledger's open-items SQL), disputes, promises, the steps each invoice already got,
the last contact, the scenario of each customer, and the working-day calendar.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Max

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
    ActionItem,
    ActionStatus,
    CustomerScenario,
    Dispute,
    DisputeStatus,
    Promise,
    PromiseStatus,
    Scenario,
    ScenarioRule,
    Step,
)
from relance.collection.models.actions import Action
from relance.ledger.models import Company, Customer
from relance.ledger.selectors import OpenItem, open_items

CONTACT_CHANNELS = (Channel.EMAIL, Channel.CALL, Channel.LETTER)


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
    customer_models: dict[int, Customer]


def _scenario_assignment(company: Company, customers: dict[int, Customer], open_by_customer: dict[int, int],
                         tags_of: dict[int, set[int]]) -> dict[int, int | None]:  # fmt: skip
    """customer id -> scenario id: explicit assignment, else first matching rule, else the default."""
    explicit = dict(
        CustomerScenario.objects.filter(customer__company=company).values_list("customer_id", "scenario_id")
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


def load_company_facts(*, company: Company, today: dt.date, customer_ids: set[int] | None = None) -> CompanyFacts:
    items_by_customer: dict[int, list[OpenItem]] = defaultdict(list)
    for item in open_items(company=company, as_of=today):
        if item.is_credit:
            continue
        items_by_customer[item.customer_id].append(item)
    if customer_ids is not None:
        items_by_customer = defaultdict(list, {k: v for k, v in items_by_customer.items() if k in customer_ids})

    disputed = set(
        Dispute.invoices.through.objects.filter(
            dispute__company=company, dispute__status=DisputeStatus.OPEN
        ).values_list("invoice_id", flat=True)
    )
    promised_until: dict[int, dt.date] = {}
    broken: dict[int, list[BrokenPromise]] = defaultdict(list)
    promises = (
        Promise.objects.filter(company=company)
        .filter(status__in=[PromiseStatus.OPEN, PromiseStatus.BROKEN])
        .prefetch_related("invoices")
    )
    for promise in promises:
        ids = tuple(inv.pk for inv in promise.invoices.all())
        if promise.status == PromiseStatus.OPEN:
            until = promise.promised_date + dt.timedelta(days=promise.grace_days)
            for invoice_id in ids:
                promised_until[invoice_id] = max(until, promised_until.get(invoice_id, until))
        elif promise.followed_up_on is None:
            broken[promise.customer_id].append(BrokenPromise(promise.pk, promise.promised_date, ids))

    done: dict[int, set[int]] = defaultdict(set)
    for invoice_id, step_id in ActionItem.objects.filter(action__company=company, active=True).values_list(
        "invoice_id", "step_id"
    ):
        done[invoice_id].add(step_id)

    last_contact = dict(
        Action.objects.filter(company=company, status=ActionStatus.DONE, channel__in=CONTACT_CHANNELS)
        .values_list("customer_id")
        .annotate(last=Max("date"))
        .values_list("customer_id", "last")
    )
    wanted = set(items_by_customer) | set(broken)
    customers = {c.pk: c for c in Customer.objects.filter(company=company, pk__in=wanted)}
    tags_of: dict[int, set[int]] = defaultdict(set)
    tag_names: dict[int, set[str]] = defaultdict(set)
    for customer_id, tag_id, tag_name in Customer.tags.through.objects.filter(customer_id__in=wanted).values_list(
        "customer_id", "tag_id", "tag__name"
    ):
        tags_of[customer_id].add(tag_id)
        tag_names[customer_id].add(tag_name)
    open_by_customer = {cid: sum(i.open_amount.minor for i in items) for cid, items in items_by_customer.items()}
    assignment = _scenario_assignment(company, customers, open_by_customer, tags_of)
    scenario_models = Scenario.objects.filter(company=company).prefetch_related("steps__tags")
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
                id=i.item_id,
                number=i.number,
                due_date=i.due_date,
                open_minor=i.open_amount.minor,
                currency=i.open_amount.currency,
                disputed=i.item_id in disputed,
                promised_until=promised_until.get(i.item_id),
                done_step_ids=frozenset(done.get(i.item_id, ())),
            )
            for i in items_by_customer.get(customer_id, [])
        )
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
