"""The daily run: evaluate promises, cancel what became pointless, decide, persist the actions.

    result = collection_run(company=c, today=date, actor=Actor.system("daily run"), dry_run=False)

Idempotent: an action is unique per customer, day and family, and an invoice gets a step once
(an active ActionItem), so a second run the same day creates nothing. A dry run goes through
exactly the same code inside a transaction that is rolled back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from relance.collection.domain.calendar import BusinessCalendar
from relance.collection.domain.engine import decide, next_review
from relance.collection.domain.model import Channel, CustomerOutcome, Decision, Mode, Trigger
from relance.collection.facts import (
    CompanyFacts,
    candidate_batches,
    company_setup,
    load_candidate_facts,
)
from relance.collection.models import (
    Action,
    ActionItem,
    ActionStatus,
    CollectionRun,
    CollectionSettings,
    CustomerScenario,
    Dispute,
    DisputeStatus,
    Promise,
    PromiseStatus,
    Scenario,
    ScenarioRule,
)
from relance.collection.models.actions import OPEN_STATUSES
from relance.collection.services.statuses import blocked_reasons, promises_evaluate
from relance.core.audit import Actor
from relance.core.batch import RowInserter, no_cyclic_gc
from relance.core.models import AuditEvent
from relance.ledger.models import REVIEW_NEVER, REVIEW_NOW, Company, Invoice

CUSTOMERS_PER_BATCH = 2000
INVOICES_PER_BATCH = 20_000  # a batch closes at whichever comes first (whole customers)
REVIEW_CHUNK = 900  # invoice ids per UPDATE ... IN (...)


@dataclass
class RunResult:
    company: Company
    date: dt.date
    dry_run: bool
    outcomes: list[CustomerOutcome] = field(default_factory=list)
    created: list[Action] = field(default_factory=list)
    already_done: int = 0
    cancelled: list[tuple[Action, str]] = field(default_factory=list)
    promises_kept: int = 0
    promises_broken: int = 0
    customer_codes: dict[int, str] = field(default_factory=dict)
    created_count: int = 0
    customers_seen: int = 0

    @property
    def decisions(self) -> list[Decision]:
        return [d for outcome in self.outcomes for d in outcome.decisions]


def status_for(decision: Decision) -> str:
    """Automatic e-mails are planned for sending; calls, letters, tasks and confirm steps go to a collector."""
    if decision.step.channel == Channel.EMAIL and decision.mode == Mode.AUTO:
        return ActionStatus.PLANNED
    return ActionStatus.TO_CONFIRM


def _cancel_stale(company: Company, today: dt.date) -> list[tuple[Action, str]]:
    """Open actions whose every invoice is now paid, disputed or promised are cancelled, with the reason.

    Only actions touching such an invoice are read: the paid ones are found by one SQL statement
    over the open actions' items, the disputed and promised ones come from their (small) tables.
    """
    today_db = connection.ops.adapt_datefield_value(today)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT DISTINCT ai.invoice_id
              FROM collection_actionitem ai
              JOIN collection_action a ON a.id = ai.action_id
              JOIN ledger_invoice i ON i.id = ai.invoice_id
             WHERE a.company_id = %s AND a.status IN ('planned', 'to_confirm') AND a.date <= %s
               AND i.amount - COALESCE((SELECT SUM(x.amount) FROM ledger_allocation x
                                         WHERE x.invoice_id = i.id AND x.date <= %s), 0) <= 0
            """,
            [company.pk, today_db, today_db],
        )
        suspects = {row[0] for row in cursor.fetchall()}
    suspects |= set(
        Dispute.invoices.through.objects.filter(
            dispute__company=company, dispute__status=DisputeStatus.OPEN
        ).values_list("invoice_id", flat=True)
    )
    suspects |= set(
        Promise.invoices.through.objects.filter(
            promise__company=company,
            promise__status=PromiseStatus.OPEN,
            promise__promised_date__gte=today - dt.timedelta(days=60),
        ).values_list("invoice_id", flat=True)
    )
    if not suspects:
        return []
    actions: dict[int, Action] = {}
    suspect_list = sorted(suspects)
    for start in range(0, len(suspect_list), 900):
        chunk = suspect_list[start : start + 900]
        for action in Action.objects.filter(
            company=company, status__in=OPEN_STATUSES, date__lte=today, items__invoice_id__in=chunk
        ).prefetch_related("items__invoice"):
            actions[action.pk] = action
    involved = {item.invoice_id for action in actions.values() for item in action.items.all()}
    blocked = blocked_reasons(involved, today) if involved else {}
    cancelled = []
    for action in actions.values():
        items = list(action.items.all())
        if not items or not all(item.invoice_id in blocked for item in items):
            continue
        action.status = ActionStatus.CANCELLED
        action.status_reason = "; ".join(f"{item.invoice.number} {blocked[item.invoice_id]}" for item in items)[:300]
        action.save(update_fields=["status", "status_reason"])
        ActionItem.objects.filter(action=action).update(active=False)
        cancelled.append((action, action.status_reason))
    return cancelled


def _scenario_fingerprint(company: Company) -> str:
    """A digest of everything that decides which step applies when; any edit changes it."""
    digest = hashlib.sha256()
    for scenario in Scenario.objects.filter(company=company).order_by("pk").prefetch_related("steps__tags"):
        digest.update(f"s{scenario.pk}:{scenario.is_default}".encode())
        for step in sorted(scenario.steps.all(), key=lambda s: s.pk):
            tags = ",".join(sorted(str(t.pk) for t in step.tags.all()))
            digest.update(
                f"{step.pk}:{step.trigger}:{step.offset_days}:{step.channel}:{step.mode}:{step.min_overdue_minor}:"
                f"{step.min_open_minor}:{step.min_days_since_contact}:{tags}:{step.order}".encode()
            )
    for row in (
        ScenarioRule.objects.filter(company=company)
        .order_by("pk")
        .values_list("pk", "priority", "scenario_id", "tag_id", "country", "min_open_minor")
    ):
        digest.update(repr(row).encode())
    for assignment in (
        CustomerScenario.objects.filter(customer__company=company)
        .order_by("pk")
        .values_list("customer_id", "scenario_id")
    ):
        digest.update(repr(assignment).encode())
    return digest.hexdigest()


def _write_reviews(reviews: dict[int, dt.date]) -> None:
    """One UPDATE per review date and chunk of invoices: a batch's invoices share a few dates, and
    each statement changes a bounded number of pages."""
    if not reviews:
        return
    by_date: dict[dt.date, list[int]] = defaultdict(list)
    for pk, day in reviews.items():
        by_date[day].append(pk)
    adapt = connection.ops.adapt_datefield_value
    with connection.cursor() as cursor:
        for day, ids in by_date.items():
            ids.sort()
            for start in range(0, len(ids), REVIEW_CHUNK):
                chunk = ids[start : start + REVIEW_CHUNK]
                cursor.execute(
                    f"UPDATE ledger_invoice SET review_on = %s WHERE id IN ({', '.join(['%s'] * len(chunk))})",  # noqa: S608
                    [adapt(day), *chunk],
                )


def _wait_for_issue(company: Company, today: dt.date) -> None:
    """Invoices due for review but not issued yet are not read before their issue date: their review
    date becomes that date (otherwise the review-date range would hold them every day). Written in
    chunks like the other review dates: one statement over the whole range would keep a copy of
    every page it changes (SQLite's statement journal, in memory) until it ends."""
    today_db = connection.ops.adapt_datefield_value(today)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, issue_date FROM ledger_invoice WHERE company_id = %s AND review_on <= %s AND issue_date > %s",
            [company.pk, today_db, today_db],
        )
        _write_reviews({pk: _as_date(issue) for pk, issue in cursor.fetchall()})


def _as_date(value: dt.date | str) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def _step_label(decision: Decision) -> str:
    step = decision.step
    return f"{step.label} {step.name}" if step.trigger == Trigger.DUE else step.name


ACTION_FIELDS = ("company", "customer", "date", "family", "channel", "scenario", "step", "step_label",
                 "template_code", "status", "reasons", "priority", "assigned_to")  # fmt: skip
ITEM_FIELDS = ("action", "invoice", "step")
EVENT_FIELDS = ("company", "customer", "actor_kind", "actor_label", "code", "object_type", "object_id", "data")


def _actions_of_the_day(day: Any, low: int, high: int) -> dict[tuple[int, str], int]:
    """(customer id, family) -> action id of the day, for customer ids in [low, high]: the unique
    key's index (customers of other companies in the range are never looked up)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT customer_id, family, id FROM collection_action WHERE customer_id BETWEEN %s AND %s AND date = %s",
            [low, high, day],
        )
        return {(customer_id, family): pk for customer_id, family, pk in cursor.fetchall()}


def _persist(
    facts: CompanyFacts, decisions: list[Decision], actor: Actor, result: RunResult, *, keep: bool
) -> list[Decision]:
    """Write the decisions not already made today; return those skipped for that reason.

    Actions, their items and their audit events are inserted with one `executemany` each (no
    model instances); the new actions' ids are read back by their unique key (customer, day,
    family)."""
    company, today = facts.company, facts.today
    if not decisions:
        return []
    low = min(d.customer_id for d in decisions)
    high = max(d.customer_id for d in decisions)
    day = connection.ops.adapt_datefield_value(today)
    existing = set(_actions_of_the_day(day, low, high))
    fresh = [d for d in decisions if (d.customer_id, d.family.value) not in existing]
    skipped = [d for d in decisions if (d.customer_id, d.family.value) in existing]
    result.already_done += len(skipped)
    if not fresh:
        return skipped
    actions = RowInserter(Action, ACTION_FIELDS)
    labels = [_step_label(d)[:120] for d in fresh]
    statuses = [status_for(d) for d in fresh]
    actions.insert(
        (
            company.pk,
            d.customer_id,
            day,
            d.family.value,
            d.step.channel.value,
            facts.scenario_of[d.customer_id].id,
            d.step.id if d.step.id in facts.steps else None,
            label,
            d.step.template,
            status,
            actions.prepare("reasons", list(d.reasons)),
            d.priority,
            facts.collector_of[d.customer_id],
        )
        for d, label, status in zip(fresh, labels, statuses, strict=True)
    )
    action_id = _actions_of_the_day(day, low, high)
    ids = [action_id[(d.customer_id, d.family.value)] for d in fresh]
    RowInserter(ActionItem, ITEM_FIELDS).insert(
        (pk, invoice_id, step_id) for pk, d in zip(ids, fresh, strict=True) for invoice_id, step_id in d.item_steps
    )
    events = RowInserter(AuditEvent, EVENT_FIELDS)
    iso_day, actor_label = today.isoformat(), actor.label[:200]
    events.insert(
        (
            company.pk,
            d.customer_id,
            actor.kind,
            actor_label,
            "collection.action.decided",
            "collection.action",
            str(pk),
            events.prepare("data", _event_data(iso_day, d, label, status)),
        )
        for pk, d, label, status in zip(ids, fresh, labels, statuses, strict=True)
    )
    promise_links = [(pk, p) for pk, d in zip(ids, fresh, strict=True) for p in d.promise_ids]
    if promise_links:
        through = Action.promises.through
        through.objects.bulk_create([through(action_id=a, promise_id=p) for a, p in promise_links])
        Promise.objects.filter(pk__in={p for _a, p in promise_links}).update(followed_up_on=today)
    result.created_count += len(ids)
    if keep:
        created = Action.objects.in_bulk(ids)
        result.created.extend(created[pk] for pk in ids)
    return skipped


def _event_data(day: str, decision: Decision, label: str, status: str) -> dict[str, object]:
    return {"date": day, "channel": decision.step.channel.value, "step": label, "status": status,
            "reasons": list(decision.reasons)}  # fmt: skip


def decide_batch(
    facts: CompanyFacts, *, outcomes: list[CustomerOutcome] | None = None
) -> tuple[list[Decision], dict[int, dt.date]]:
    """The decisions for a batch of customers and the next review date of every invoice read:
    everything the run computes before writing. With `outcomes`, the customers' outcomes that
    decided or noted something are appended to it."""
    today, calendar = facts.today, facts.calendar
    tomorrow = today + dt.timedelta(days=1)
    reviews: dict[int, dt.date] = dict.fromkeys(facts.closed_invoice_ids, REVIEW_NEVER)
    decisions: list[Decision] = []
    no_steps: frozenset[int] = frozenset()
    for customer in facts.customers:
        scenario = facts.scenario_of[customer.id]
        outcome = decide(customer=customer, scenario=scenario, calendar=calendar, today=today)
        if outcomes is not None and (outcome.decisions or outcome.notes):
            outcomes.append(outcome)
        if outcome.deferred:
            reviews.update(dict.fromkeys((item.id for item in customer.items), tomorrow))
            decisions.extend(outcome.decisions)
            continue
        given: dict[int, frozenset[int]] = {}
        for decision in outcome.decisions:
            decisions.append(decision)
            for item_id, step_id in decision.item_steps:
                given[item_id] = given.get(item_id, no_steps) | {step_id}
        for item in customer.items:
            reviews[item.id] = next_review(
                customer=customer, item=item, scenario=scenario, calendar=calendar, today=today,
                given_today=given.get(item.id, no_steps),
            )  # fmt: skip
    return decisions, reviews


def _decide_batch(facts: CompanyFacts, *, actor: Actor, result: RunResult, keep: bool) -> None:
    """Decide for a batch of customers, persist the actions and the next review dates."""
    decisions, reviews = decide_batch(facts, outcomes=result.outcomes if keep else None)
    if keep:
        result.customer_codes.update((customer.id, customer.code) for customer in facts.customers)
    skipped = _persist(facts, decisions, actor, result, keep=keep)
    tomorrow = facts.today + dt.timedelta(days=1)
    for decision in skipped:  # a same-family action exists today: try again tomorrow
        reviews.update(dict.fromkeys(decision.item_ids, tomorrow))
    _write_reviews(reviews)


def _run_batches(company: Company, today: dt.date, *, actor: Actor, result: RunResult, keep: bool) -> None:
    _wait_for_issue(company, today)
    setup = company_setup(company)
    for batch in candidate_batches(
        company=company, today=today, customers=CUSTOMERS_PER_BATCH, invoices=INVOICES_PER_BATCH
    ):
        facts = load_candidate_facts(
            company=company, today=today, customer_range=batch.customer_range, invoice_ids=batch.invoice_ids,
            setup=setup,
        )  # fmt: skip
        result.customers_seen += len(facts.customers)
        _decide_batch(facts, actor=actor, result=result, keep=keep)
        del facts


def collection_run(
    *, company: Company, today: dt.date, actor: Actor, dry_run: bool = False, keep_outcomes: bool = True
) -> RunResult:
    """The day's run for one company. `keep_outcomes=False` (the scheduled run) keeps counts only."""
    result = RunResult(company=company, date=today, dry_run=dry_run)
    started = timezone.now()
    settings, _ = CollectionSettings.objects.get_or_create(company=company)
    with transaction.atomic():
        result.promises_kept, result.promises_broken = promises_evaluate(
            company_id=company.pk, today=today, actor=actor
        )
        fingerprint = _scenario_fingerprint(company)
        if fingerprint != settings.scenario_fingerprint:
            # Scenarios, rules or assignments changed: every invoice is looked at again.
            Invoice.objects.filter(company=company).update(review_on=REVIEW_NOW)
            settings.scenario_fingerprint = fingerprint
            settings.save(update_fields=["scenario_fingerprint"])
        result.cancelled = _cancel_stale(company, today)
        calendar = BusinessCalendar(company.country)
        if not settings.paused and calendar.is_business_day(today):
            with no_cyclic_gc():
                _run_batches(company, today, actor=actor, result=result, keep=keep_outcomes)
        CollectionRun.objects.create(
            company=company, date=today, dry_run=dry_run, started_at=started, finished_at=timezone.now(),
            customers=result.customers_seen, created=result.created_count, cancelled=len(result.cancelled),
            promises_kept=result.promises_kept, promises_broken=result.promises_broken, actor_label=actor.label,
        )  # fmt: skip
        if dry_run:
            transaction.set_rollback(True)
    return result


def decisions_by_customer(result: RunResult) -> dict[str, list[Decision]]:
    grouped: dict[str, list[Decision]] = defaultdict(list)
    for decision in result.decisions:
        grouped[result.customer_codes.get(decision.customer_id, str(decision.customer_id))].append(decision)
    return dict(grouped)
