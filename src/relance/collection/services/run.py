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

from django.db import connection, transaction
from django.utils import timezone

from relance.collection.domain.calendar import BusinessCalendar
from relance.collection.domain.engine import decide, next_review
from relance.collection.domain.model import Channel, CustomerOutcome, Decision, Mode, Trigger
from relance.collection.facts import CompanyFacts, candidate_customer_ids, company_setup, load_candidate_facts
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
from relance.core.batch import no_cyclic_gc
from relance.core.models import AuditEvent
from relance.ledger.models import REVIEW_NEVER, REVIEW_NOW, Company, Invoice

CUSTOMERS_PER_BATCH = 2000


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
    if not reviews:
        return
    adapt = connection.ops.adapt_datefield_value
    with connection.cursor() as cursor:
        cursor.executemany(
            "UPDATE ledger_invoice SET review_on = %s WHERE id = %s", [(adapt(d), pk) for pk, d in reviews.items()]
        )


def _step_label(decision: Decision) -> str:
    step = decision.step
    return f"{step.label} {step.name}" if step.trigger == Trigger.DUE else step.name


def _persist(
    facts: CompanyFacts, decisions: list[Decision], actor: Actor, result: RunResult, *, keep: bool
) -> list[Decision]:
    """Write the decisions not already made today; return those skipped for that reason."""
    company, today = facts.company, facts.today
    if not decisions:
        return []
    low = min(d.customer_id for d in decisions)
    high = max(d.customer_id for d in decisions)
    existing = set(
        Action.objects.filter(company=company, date=today, customer_id__gte=low, customer_id__lte=high).values_list(
            "customer_id", "family"
        )
    )
    fresh = [d for d in decisions if (d.customer_id, d.family.value) not in existing]
    skipped = [d for d in decisions if (d.customer_id, d.family.value) in existing]
    result.already_done += len(skipped)
    actions = []
    for decision in fresh:
        step = facts.steps.get(decision.step.id)
        actions.append(
            Action(
                company=company,
                customer_id=decision.customer_id,
                date=today,
                family=decision.family,
                channel=decision.step.channel,
                scenario_id=facts.scenario_of[decision.customer_id].id,
                step=step,
                step_label=_step_label(decision)[:120],
                template_code=decision.step.template,
                status=status_for(decision),
                reasons=list(decision.reasons),
                priority=decision.priority,
                assigned_to_id=facts.collector_of[decision.customer_id],
            )
        )
    Action.objects.bulk_create(actions, batch_size=2000)
    items: list[ActionItem] = []
    events: list[AuditEvent] = []
    promise_links: list[tuple[int, int]] = []
    for action, decision in zip(actions, fresh, strict=True):
        items.extend(ActionItem(action=action, invoice_id=i, step_id=s) for i, s in decision.item_steps)
        promise_links.extend((action.pk, p) for p in decision.promise_ids)
        events.append(
            AuditEvent(
                company=company,
                customer_id=decision.customer_id,
                actor_kind=actor.kind,
                actor_label=actor.label,
                code="collection.action.decided",
                object_type="collection.action",
                object_id=str(action.pk),
                data={
                    "date": today.isoformat(),
                    "channel": action.channel,
                    "step": action.step_label,
                    "status": action.status,
                    "reasons": list(decision.reasons),
                },
            )
        )
    ActionItem.objects.bulk_create(items, batch_size=5000)
    AuditEvent.objects.bulk_create(events, batch_size=2000)
    if promise_links:
        through = Action.promises.through
        through.objects.bulk_create([through(action_id=a, promise_id=p) for a, p in promise_links])
        Promise.objects.filter(pk__in={p for _a, p in promise_links}).update(followed_up_on=today)
    result.created_count += len(actions)
    if keep:
        result.created.extend(actions)
    return skipped


def _decide_batch(facts: CompanyFacts, *, actor: Actor, result: RunResult, keep: bool) -> None:
    """Decide for a batch of customers, persist the actions and the next review dates."""
    today = facts.today
    tomorrow = today + dt.timedelta(days=1)
    reviews: dict[int, dt.date] = dict.fromkeys(facts.closed_invoice_ids, REVIEW_NEVER)
    decisions: list[Decision] = []
    for customer in facts.customers:
        result.customer_codes[customer.id] = customer.code
        scenario = facts.scenario_of[customer.id]
        outcome = decide(customer=customer, scenario=scenario, calendar=facts.calendar, today=today)
        decisions.extend(outcome.decisions)
        if keep and (outcome.decisions or outcome.notes):
            result.outcomes.append(outcome)
        given: dict[int, set[int]] = defaultdict(set)
        for decision in outcome.decisions:
            for item_id, step_id in decision.item_steps:
                given[item_id].add(step_id)
        for item in customer.items:
            reviews[item.id] = (
                tomorrow
                if outcome.deferred
                else next_review(
                    customer=customer, item=item, scenario=scenario, calendar=facts.calendar, today=today,
                    given_today=frozenset(given.get(item.id, ())),
                )
            )  # fmt: skip
    skipped = _persist(facts, decisions, actor, result, keep=keep)
    for decision in skipped:  # a same-family action exists today: try again tomorrow
        reviews.update(dict.fromkeys(decision.item_ids, tomorrow))
    _write_reviews(reviews)


def _run_batches(company: Company, today: dt.date, *, actor: Actor, result: RunResult, keep: bool) -> None:
    ids = candidate_customer_ids(company=company, today=today)
    setup = company_setup(company)
    for start in range(0, len(ids), CUSTOMERS_PER_BATCH):
        chunk = ids[start : start + CUSTOMERS_PER_BATCH]
        facts = load_candidate_facts(company=company, today=today, customer_range=(chunk[0], chunk[-1]), setup=setup)
        result.customers_seen += len(facts.customers)
        _decide_batch(facts, actor=actor, result=result, keep=keep)


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
