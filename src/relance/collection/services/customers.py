"""What a collector does from a customer's page that is not a status: internal notes, a call made
outside the scenario, the statement sent now (the whole account or only some of its items).

    note_add(actor=a, customer=k, text="Call back after the 15th", pinned=True)
    note_pin(actor=a, note=n, pinned=False)
    call_log(actor=a, customer=k, reached=True, note="...", promise=CallPromise(...))
    statement_send(actor=a, customer=k, template_code="overdue_courteous", invoice_ids={1, 2}, today=d)

Each one: keyword arguments, an actor, one transaction, an event on the customer's timeline.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from django.db import transaction

from relance.collection.domain.model import Channel, Family
from relance.collection.messages import EmailError, _Composer, _save
from relance.collection.models import Action, ActionStatus, CustomerNote, Dispute, Promise
from relance.collection.models.actions import OPEN_STATUSES
from relance.collection.services.actions import CallDispute, CallPromise, call_outcome_record
from relance.collection.services.statuses import StatusError
from relance.collection.statements import StatementBundle, statement_filtered
from relance.core.audit import Actor, record
from relance.finance.selectors import statement_penalties
from relance.ledger.models import Customer
from relance.ledger.selectors import Statement, company_today
from relance.messaging.models import OutboxMessage
from relance.messaging.tasks import send_outbox_task

NOTE_MAX = 5000

# --- internal notes -------------------------------------------------------------------------------


@transaction.atomic
def note_add(*, actor: Actor, customer: Customer, text: str, pinned: bool = False) -> CustomerNote:
    """An internal note (never shown to the customer) on the customer's timeline."""
    text = text.strip()
    if not text:
        raise StatusError("write the note first", code="collection.note.empty")
    if len(text) > NOTE_MAX:
        raise StatusError(f"a note has at most {NOTE_MAX} characters", code="collection.note.too_long")
    note = CustomerNote.objects.create(
        company=customer.company, customer=customer, author_id=actor.user.pk if actor.user is not None else None,
        author_label=actor.label[:200], text=text, pinned=pinned,
    )  # fmt: skip
    record(actor=actor, code="collection.note.added", company=customer.company, customer=customer, obj=note,
           data={"pinned": pinned})  # fmt: skip
    return note


@transaction.atomic
def note_pin(*, actor: Actor, note: CustomerNote, pinned: bool) -> CustomerNote:
    """Pin a note at the top of the customer's page, or unpin it."""
    if note.pinned != pinned:
        note.pinned = pinned
        note.save(update_fields=["pinned"])
        record(actor=actor, code="collection.note.pinned" if pinned else "collection.note.unpinned",
               company=note.company, customer=note.customer, obj=note, data={})  # fmt: skip
    return note


# --- a call made from the customer's page ------------------------------------------------------------


@transaction.atomic
def call_log(
    *,
    actor: Actor,
    customer: Customer,
    reached: bool,
    note: str = "",
    promise: CallPromise | None = None,
    dispute: CallDispute | None = None,
    today: dt.date | None = None,
) -> tuple[Action, Promise | None, Dispute | None]:
    """Log a call with its outcome in one step (a promise, a dispute, a note).

    The call the scenario planned for the customer (open, due today or earlier) is the one logged;
    without one, today's call is created for the collector and logged. A call that reached nobody
    stays open, as in the agenda: it is to be tried again.
    """
    today = today or company_today(customer.company)
    action = (
        Action.objects.select_for_update()
        .filter(customer=customer, channel=Channel.CALL, status__in=OPEN_STATUSES, date__lte=today)
        .order_by("-date", "-id")
        .first()
    )
    if action is None:
        action, created = Action.objects.select_for_update().get_or_create(
            customer=customer, date=today, family=Family.CALL,
            defaults={"company": customer.company, "channel": Channel.CALL, "status": ActionStatus.TO_CONFIRM,
                      "step_label": "Call from the customer's page", "reasons": ["call logged by the collector"],
                      "assigned_to_id": actor.user.pk if actor.user is not None else customer.collector_id},
        )  # fmt: skip
        if not created:  # a second call today: the day's call row records every attempt
            action.status, action.status_reason = ActionStatus.TO_CONFIRM, ""
            action.save(update_fields=["status", "status_reason"])
    return call_outcome_record(
        actor=actor, action=action, reached=reached, note=note, promise=promise, dispute=dispute, today=today
    )


# --- the statement sent now ------------------------------------------------------------------------


def _only_items(statement: Statement, invoice_ids: frozenset[int]) -> Statement:
    """The statement reduced to some invoices, debit and credit notes (never a payment, whose ids
    are another table's), totals recomputed."""
    return statement_filtered(statement, lambda item: item.item_type != "payment" and item.item_id in invoice_ids)


@transaction.atomic
def statement_send(
    *,
    actor: Actor,
    customer: Customer,
    template_code: str,
    invoice_ids: Collection[int] = (),
    today: dt.date | None = None,
) -> OutboxMessage:
    """E-mail the statement now with a template of the company: the whole account, or only the
    items chosen (`invoice_ids`: their totals, penalties and the attached PDF cover only them).

    EmailError when the customer has no usable address, the template is missing, or an item chosen
    is not open on the customer's account. The outbox sends it once the transaction commits.
    """
    company = customer.company
    today = today or company_today(company)
    composer = _Composer(company, today)
    account = composer.load([customer])[customer.pk]
    chosen = frozenset(int(pk) for pk in invoice_ids)
    if chosen:
        bundle = account.bundle
        open_ids = {item.item_id for item in bundle.statement.items if item.item_type != "payment"}
        unknown = chosen - open_ids
        if unknown:
            raise EmailError("an item chosen is not open on this account", code="collection.email.unknown_item")
        statement = _only_items(bundle.statement, chosen)
        penalties = statement_penalties(
            company=company, customer=customer, statement=statement, excluded_invoice_ids=bundle.disputed_invoice_ids,
            rates=composer.rates() if bundle.penalties.enabled and statement.overdue else None,
        )  # fmt: skip
        account.bundle = StatementBundle(company, customer, statement, penalties, bundle.disputed_invoice_ids)
    composed = composer.compose(account, template_code=template_code, reference="statement")
    _save([composed])
    message = composed.message
    numbers = [item.number for item in account.bundle.statement.items]
    record(
        actor=actor, code="collection.email.queued", company=company, customer=customer, obj=message,
        data={"subject": message.subject, "to": message.to, "template": template_code, "test": False,
              "statement": "selected" if chosen else "whole", "items": numbers},
    )  # fmt: skip
    transaction.on_commit(lambda: send_outbox_task.enqueue(company_id=company.pk))
    return message
