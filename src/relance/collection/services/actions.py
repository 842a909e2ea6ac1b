"""What collectors do with actions: complete, skip, and record the outcome of a call in one step."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from relance.collection.models import Action, ActionItem, ActionStatus, Dispute, Promise
from relance.collection.models.actions import OPEN_STATUSES
from relance.collection.services.statuses import StatusError, dispute_open, promise_create
from relance.core.audit import Actor, record
from relance.core.money import Money
from relance.ledger.models import Invoice


def _close(action: Action, *, actor: Actor, status: str, reason: str = "", outcome: dict | None = None) -> Action:
    if action.status not in OPEN_STATUSES:
        raise StatusError(f"this action is already {action.get_status_display().lower()}")
    action.status = status
    action.status_reason = reason[:300]
    action.done_at = timezone.now()
    action.done_by = actor.label
    if outcome:
        action.outcome = {**action.outcome, **outcome}
    action.save(update_fields=["status", "status_reason", "done_at", "done_by", "outcome"])
    return action


@transaction.atomic
def action_complete(*, actor: Actor, action: Action, note: str = "") -> Action:
    """Mark a letter printed and sent, a task done, or a confirmed e-mail handed to sending."""
    _close(action, actor=actor, status=ActionStatus.DONE, reason=note)
    record(actor=actor, code=f"collection.{action.channel}.done", company=action.company, customer=action.customer,
           obj=action, data={"step": action.step_label, "note": note})  # fmt: skip
    return action


@transaction.atomic
def action_skip(*, actor: Actor, action: Action, reason: str) -> Action:
    """Skip an action: its invoices keep the step as given (the scenario moves on)."""
    if not reason.strip():
        raise StatusError("say why the action is skipped")
    _close(action, actor=actor, status=ActionStatus.SKIPPED, reason=reason)
    record(actor=actor, code="collection.action.skipped", company=action.company, customer=action.customer,
           obj=action, data={"step": action.step_label, "reason": reason})  # fmt: skip
    return action


@dataclass(frozen=True)
class CallPromise:
    invoices: Sequence[Invoice]
    date: dt.date
    amount: Money | None = None
    means: str = "transfer"
    made_by: str = ""


@dataclass(frozen=True)
class CallDispute:
    invoices: Sequence[Invoice]
    reason: str
    comment: str = ""


@transaction.atomic
def call_outcome_record(
    *,
    actor: Actor,
    action: Action,
    reached: bool,
    note: str = "",
    promise: CallPromise | None = None,
    dispute: CallDispute | None = None,
    today: dt.date | None = None,
) -> tuple[Action, Promise | None, Dispute | None]:
    """The outcome of a call in one step: reached or not, a promise captured, a dispute raised, a note.

    A call that did not reach anyone stays on the list (status unchanged) with the attempt noted,
    unless it captured nothing and the collector gives up (skip it instead).
    """
    if action.channel != "call":
        raise StatusError("this action is not a call")
    if action.status not in OPEN_STATUSES:
        raise StatusError(f"this call is already {action.get_status_display().lower()}")
    attempts = [
        *action.outcome.get("attempts", []),
        {"at": timezone.now().isoformat(), "reached": reached, "note": note},
    ]
    created_promise = created_dispute = None
    if promise is not None:
        created_promise = promise_create(
            actor=actor, customer=action.customer, invoices=promise.invoices, promised_date=promise.date,
            amount=promise.amount, means=promise.means, source="call", made_by=promise.made_by, note=note, today=today,
        )  # fmt: skip
    if dispute is not None:
        created_dispute = dispute_open(
            actor=actor, customer=action.customer, invoices=dispute.invoices, reason=dispute.reason,
            comment=dispute.comment or note, today=today,
        )  # fmt: skip
    action.refresh_from_db()
    outcome = {"attempts": attempts, "reached": reached}
    if action.status in OPEN_STATUSES and reached:
        _close(action, actor=actor, status=ActionStatus.DONE, reason=note, outcome=outcome)
    elif action.status in OPEN_STATUSES:
        action.outcome = {**action.outcome, **outcome}
        action.save(update_fields=["outcome"])
    else:  # cancelled by the promise or dispute just recorded: still a contact made
        action.status = ActionStatus.DONE
        action.outcome = {**action.outcome, **outcome}
        action.done_at, action.done_by = timezone.now(), actor.label
        action.save(update_fields=["status", "outcome", "done_at", "done_by"])
        ActionItem.objects.filter(action=action).update(active=True)
    record(
        actor=actor, code="collection.call.logged", company=action.company, customer=action.customer, obj=action,
        data={"reached": reached, "note": note, "promise": created_promise.pk if created_promise else None,
              "dispute": created_dispute.pk if created_dispute else None},
    )  # fmt: skip
    return action, created_promise, created_dispute
