"""The daily run: evaluate promises, cancel what became pointless, decide, persist the actions.

    result = collection_run(company=c, today=date, actor=Actor.system("daily run"), dry_run=False)

Idempotent: an action is unique per customer, day and family, and an invoice gets a step once
(an active ActionItem), so a second run the same day creates nothing. A dry run goes through
exactly the same code inside a transaction that is rolled back.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from relance.collection.domain.engine import decide
from relance.collection.domain.model import Channel, CustomerOutcome, Decision, Mode, Trigger
from relance.collection.facts import CompanyFacts, load_company_facts
from relance.collection.models import Action, ActionItem, ActionStatus, CollectionRun, CollectionSettings, Promise
from relance.collection.models.actions import OPEN_STATUSES
from relance.collection.services.statuses import promises_evaluate
from relance.core.audit import Actor
from relance.core.models import AuditEvent
from relance.ledger.models import Company


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

    @property
    def decisions(self) -> list[Decision]:
        return [d for outcome in self.outcomes for d in outcome.decisions]


def status_for(decision: Decision) -> str:
    """Automatic e-mails are planned for sending; calls, letters, tasks and confirm steps go to a collector."""
    if decision.step.channel == Channel.EMAIL and decision.mode == Mode.AUTO:
        return ActionStatus.PLANNED
    return ActionStatus.TO_CONFIRM


def _cancel_stale(facts: CompanyFacts, today: dt.date) -> list[tuple[Action, str]]:
    """Open actions whose every invoice is now paid, disputed or promised are cancelled, with the reason."""
    state: dict[int, str] = {}
    for customer in facts.customers:
        for facts_item in customer.items:
            if facts_item.disputed:
                state[facts_item.id] = "disputed"
            elif facts_item.promised_until is not None and today <= facts_item.promised_until:
                state[facts_item.id] = "payment promised"
            else:
                state[facts_item.id] = "open"
    cancelled = []
    open_actions = Action.objects.filter(company=facts.company, status__in=OPEN_STATUSES, date__lte=today)
    for action in open_actions.prefetch_related("items__invoice"):
        reasons = []
        for item in action.items.all():
            status = state.get(item.invoice_id, "paid")
            if status == "open":
                break
            reasons.append(f"{item.invoice.number} {status}")
        else:
            if not reasons:
                continue
            action.status = ActionStatus.CANCELLED
            action.status_reason = ("; ".join(reasons))[:300]
            action.save(update_fields=["status", "status_reason"])
            ActionItem.objects.filter(action=action).update(active=False)
            cancelled.append((action, action.status_reason))
    return cancelled


def _step_label(decision: Decision) -> str:
    step = decision.step
    return f"{step.label} {step.name}" if step.trigger == Trigger.DUE else step.name


def _persist(facts: CompanyFacts, decisions: list[Decision], actor: Actor, result: RunResult) -> None:
    company, today = facts.company, facts.today
    existing = set(Action.objects.filter(company=company, date=today).values_list("customer_id", "family"))
    fresh = [d for d in decisions if (d.customer_id, d.family.value) not in existing]
    result.already_done = len(decisions) - len(fresh)
    actions = []
    for decision in fresh:
        customer = facts.customer_models[decision.customer_id]
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
                assigned_to_id=customer.collector_id,
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
    result.created = actions


def collection_run(*, company: Company, today: dt.date, actor: Actor, dry_run: bool = False) -> RunResult:
    result = RunResult(company=company, date=today, dry_run=dry_run)
    started = timezone.now()
    settings, _ = CollectionSettings.objects.get_or_create(company=company)
    with transaction.atomic():
        result.promises_kept, result.promises_broken = promises_evaluate(
            company_id=company.pk, today=today, actor=actor
        )
        facts = load_company_facts(company=company, today=today)
        result.customer_codes = {c.id: c.code for c in facts.customers}
        result.cancelled = _cancel_stale(facts, today)
        if not settings.paused:
            for customer in facts.customers:
                outcome = decide(
                    customer=customer, scenario=facts.scenario_of[customer.id], calendar=facts.calendar, today=today
                )
                if outcome.decisions or outcome.notes:
                    result.outcomes.append(outcome)
            _persist(facts, result.decisions, actor, result)
        CollectionRun.objects.create(
            company=company, date=today, dry_run=dry_run, started_at=started, finished_at=timezone.now(),
            customers=len(facts.customers), created=len(result.created), cancelled=len(result.cancelled),
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
