"""Services for the statuses that steer the run: promises, disputes, pause and litigation.

Each one: keyword arguments, an actor, one transaction, one audit event on the customer's
timeline. Planned actions about items that leave the scenario are cancelled with the reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.db import transaction
from django.db.models import Sum

from relance.accounts.models import User
from relance.collection.models import (
    Action,
    ActionItem,
    ActionStatus,
    CollectionSettings,
    Dispute,
    DisputeComment,
    DisputeStatus,
    Promise,
    PromiseStatus,
)
from relance.collection.models.actions import OPEN_STATUSES
from relance.core.audit import Actor, record
from relance.core.errors import RelanceError
from relance.core.money import Money
from relance.ledger.models import REVIEW_NOW, Allocation, Customer, CustomerStatus, Invoice, InvoiceKind
from relance.ledger.selectors import company_today


class StatusError(RelanceError):
    code = "collection.status"


def _check_invoices(customer: Customer, invoices: Sequence[Invoice]) -> None:
    if not invoices:
        raise StatusError("choose at least one invoice")
    for invoice in invoices:
        if invoice.customer_id != customer.pk or invoice.company_id != customer.company_id:
            raise StatusError(f"{invoice.number} is not an invoice of {customer}")
        if invoice.kind == InvoiceKind.CREDIT_NOTE:
            raise StatusError(f"{invoice.number} is a credit note")


def _open_minor(invoices: Sequence[Invoice], as_of: dt.date) -> dict[int, int]:
    paid = dict(
        Allocation.objects.filter(invoice__in=invoices, date__lte=as_of)
        .values_list("invoice_id")
        .annotate(total=Sum("amount"))
        .values_list("invoice_id", "total")
    )
    return {inv.pk: inv.amount - int(paid.get(inv.pk, 0)) for inv in invoices}


def blocked_reasons(invoice_ids: set[int], today: dt.date) -> dict[int, str]:
    """Why each of these invoices is out of the scenario now (absent: still to collect)."""
    reasons: dict[int, str] = {}
    invoices = list(Invoice.objects.filter(pk__in=invoice_ids))
    for invoice_id, open_minor in _open_minor(invoices, today).items():
        if open_minor <= 0:
            reasons[invoice_id] = "paid"
    for invoice_id in Dispute.invoices.through.objects.filter(
        invoice_id__in=invoice_ids, dispute__status=DisputeStatus.OPEN
    ).values_list("invoice_id", flat=True):
        reasons.setdefault(invoice_id, "disputed")
    for promise in Promise.objects.filter(invoices__in=invoice_ids, status=PromiseStatus.OPEN).prefetch_related(
        "invoices"
    ):
        if today <= promise.promised_date + dt.timedelta(days=promise.grace_days):
            for invoice in promise.invoices.all():
                reasons.setdefault(invoice.pk, f"payment promised for {promise.promised_date.isoformat()}")
    return reasons


def review_again(invoice_ids: Iterable[int]) -> None:
    """Ask the daily run to look at these invoices again (their situation changed)."""
    Invoice.objects.filter(pk__in=list(invoice_ids)).update(review_on=REVIEW_NOW)


def cancel_open_actions(*, invoices: Sequence[Invoice], reason: str, today: dt.date | None = None) -> int:
    """Cancel planned or to-confirm actions about these invoices once none of their invoices is left
    to collect (each is in `invoices`, paid, disputed or promised); release their steps."""
    ids = {inv.pk for inv in invoices}
    if not ids:
        return 0
    today = today or company_today(invoices[0].company)
    actions = list(
        Action.objects.filter(items__invoice__in=ids, status__in=OPEN_STATUSES).distinct().prefetch_related("items")
    )
    involved = {item.invoice_id for action in actions for item in action.items.all()}
    blocked = blocked_reasons(involved - ids, today) | dict.fromkeys(ids, reason)
    cancelled = 0
    for action in actions:
        invoice_ids = [item.invoice_id for item in action.items.all()]
        if all(i in blocked for i in invoice_ids):
            action.status = ActionStatus.CANCELLED
            action.status_reason = "; ".join(sorted({blocked[i] for i in invoice_ids}))[:300]
            action.save(update_fields=["status", "status_reason"])
            ActionItem.objects.filter(action=action).update(active=False)
            cancelled += 1
    return cancelled


# --- promises -------------------------------------------------------------------------------


@transaction.atomic
def promise_create(
    *,
    actor: Actor,
    customer: Customer,
    invoices: Sequence[Invoice],
    promised_date: dt.date,
    amount: Money | None = None,
    means: str = "transfer",
    source: str = "collector",
    made_by: str = "",
    note: str = "",
    today: dt.date | None = None,
) -> Promise:
    """Record a promise to pay; dunning of these invoices pauses until the date plus the grace period.

    Without an amount, the promise is for the invoices' whole open amount.
    """
    _check_invoices(customer, invoices)
    settings, _ = CollectionSettings.objects.get_or_create(company=customer.company)
    today = today or company_today(customer.company)
    if promised_date < today:
        raise StatusError("a promise date cannot be in the past")
    if promised_date > today + dt.timedelta(days=settings.promise_max_days):
        raise StatusError(f"a promise date must be within {settings.promise_max_days} days")
    currencies = {inv.currency for inv in invoices}
    if len(currencies) != 1:
        raise StatusError("a promise covers invoices of one currency")
    currency = currencies.pop()
    open_total = sum(_open_minor(invoices, today).values())
    if amount is None:
        amount = Money(open_total, currency)
    if amount.currency != currency:
        raise StatusError(f"the promise is in {amount.currency}, the invoices in {currency}")
    if amount.minor <= 0:
        raise StatusError("the promised amount must be positive")
    promise = Promise.objects.create(
        company=customer.company, customer=customer, promised_date=promised_date, amount=amount.minor,
        currency=currency, means=means, source=source, made_by=made_by, note=note,
        grace_days=settings.promise_grace_days, created_by_id=actor.user.pk if actor.user is not None else None,
    )  # fmt: skip
    promise.invoices.set(invoices)
    _attach_promise_document(promise, invoices=invoices, today=today)
    cancel_open_actions(invoices=invoices, reason=f"payment promised for {promised_date.isoformat()}", today=today)
    record(
        actor=actor, code="collection.promise.created", company=customer.company, customer=customer, obj=promise,
        data={"invoices": [i.number for i in invoices], "date": promised_date.isoformat(), "amount": amount.minor,
              "currency": currency, "means": means, "source": source},
    )  # fmt: skip
    return promise


def _attach_promise_document(promise: Promise, *, invoices: Sequence[Invoice], today: dt.date) -> None:
    """The written promise (acknowledgement of debt) in the customer's language, kept as evidence."""
    from django.core.files.base import ContentFile

    from relance.documents.pdf import PromiseInput, promise_pdf

    opened = _open_minor(invoices, today)
    document = promise_pdf(
        company=promise.company,
        customer=promise.customer,
        language=promise.customer.language,
        promise=PromiseInput(
            payment_date=promise.promised_date,
            amount=Money(promise.amount, promise.currency),
            means=promise.means,
            invoice_numbers=[inv.number for inv in invoices],
            promised_by=promise.made_by or promise.customer.name,
            made_at=today,
            channel=promise.get_source_display(),
            invoice_amounts={inv.number: Money(opened[inv.pk], inv.currency) for inv in invoices},
        ),
    )
    promise.document.save(f"promise-{promise.pk}-{promise.customer.code}.pdf", ContentFile(document), save=True)


@transaction.atomic
def promise_cancel(*, actor: Actor, promise: Promise, reason: str) -> Promise:
    if promise.status != PromiseStatus.OPEN:
        raise StatusError("only an open promise can be cancelled")
    promise.status = PromiseStatus.CANCELLED
    promise.note = f"{promise.note}\n{reason}".strip()
    promise.save(update_fields=["status", "note"])
    review_again(promise.invoices.values_list("pk", flat=True))
    record(actor=actor, code="collection.promise.cancelled", company=promise.company, customer=promise.customer,
           obj=promise, data={"reason": reason})  # fmt: skip
    return promise


def promises_evaluate(*, company_id: int, today: dt.date, actor: Actor) -> tuple[int, int]:
    """Open promises whose date plus grace has passed become kept (invoices paid) or broken."""
    kept = broken = 0
    due = Promise.objects.filter(company_id=company_id, status=PromiseStatus.OPEN, promised_date__lt=today)
    for promise in due.prefetch_related("invoices").select_related("customer", "company"):
        deadline = promise.promised_date + dt.timedelta(days=promise.grace_days)
        if today <= deadline:
            continue
        invoices = list(promise.invoices.all())
        at_promise = _open_minor(invoices, promise.created_at.date() if promise.created_at else today)
        at_deadline = _open_minor(invoices, deadline)
        paid = sum(at_promise.values()) - sum(at_deadline.values())
        fully_paid = all(v <= 0 for v in at_deadline.values())
        with transaction.atomic():
            promise.status = PromiseStatus.KEPT if fully_paid or paid >= promise.amount else PromiseStatus.BROKEN
            promise.evaluated_on = today
            promise.save(update_fields=["status", "evaluated_on"])
            record(
                actor=actor, code=f"collection.promise.{promise.status}", company=promise.company,
                customer=promise.customer, obj=promise,
                data={"paid": paid, "promised": promise.amount, "deadline": deadline.isoformat()},
            )  # fmt: skip
        if promise.status == PromiseStatus.KEPT:
            kept += 1
        else:
            broken += 1
    return kept, broken


# --- disputes -------------------------------------------------------------------------------


@transaction.atomic
def dispute_open(
    *,
    actor: Actor,
    customer: Customer,
    invoices: Sequence[Invoice],
    reason: str,
    comment: str = "",
    owner: User | None = None,
    today: dt.date | None = None,
) -> Dispute:
    _check_invoices(customer, invoices)
    dispute = Dispute.objects.create(
        company=customer.company, customer=customer, reason=reason, comment=comment, owner=owner,
        opened_on=today or company_today(customer.company),
    )  # fmt: skip
    dispute.full_clean()
    dispute.invoices.set(invoices)
    cancel_open_actions(invoices=invoices, reason=f"disputed ({dispute.get_reason_display()})", today=dispute.opened_on)
    record(
        actor=actor, code="collection.dispute.opened", company=customer.company, customer=customer, obj=dispute,
        data={"invoices": [i.number for i in invoices], "reason": reason, "comment": comment},
    )  # fmt: skip
    return dispute


@transaction.atomic
def dispute_comment(*, actor: Actor, dispute: Dispute, text: str) -> DisputeComment:
    comment = DisputeComment.objects.create(dispute=dispute, author=actor.label, text=text)
    record(actor=actor, code="collection.dispute.commented", company=dispute.company, customer=dispute.customer,
           obj=dispute, data={"text": text})  # fmt: skip
    return comment


@transaction.atomic
def dispute_resolve(
    *, actor: Actor, dispute: Dispute, resolution: str, rejected: bool = False, today: dt.date | None = None
) -> Dispute:
    """Close a dispute: its invoices return to the scenario (a credit note usually settles a valid one)."""
    if dispute.status != DisputeStatus.OPEN:
        raise StatusError("this dispute is already closed")
    dispute.status = DisputeStatus.REJECTED if rejected else DisputeStatus.RESOLVED
    dispute.resolution = resolution
    dispute.resolved_on = today or company_today(dispute.company)
    dispute.save(update_fields=["status", "resolution", "resolved_on"])
    review_again(dispute.invoices.values_list("pk", flat=True))
    record(
        actor=actor, code=f"collection.dispute.{dispute.status}", company=dispute.company, customer=dispute.customer,
        obj=dispute, data={"resolution": resolution, "invoices": [i.number for i in dispute.invoices.all()]},
    )  # fmt: skip
    return dispute


# --- customer status ------------------------------------------------------------------------


def _set_status(
    customer: Customer, *, actor: Actor, status: str, until: dt.date | None, code: str, reason: str
) -> Customer:
    customer.status = status
    customer.paused_until = until
    customer.save(update_fields=["status", "paused_until", "updated_at"])
    review_again(Invoice.objects.filter(customer=customer).values_list("pk", flat=True))
    if status != CustomerStatus.ACTIVE:
        invoices = list(Invoice.objects.filter(customer=customer))
        cancel_open_actions(invoices=invoices, reason=reason)
    record(actor=actor, code=code, company=customer.company, customer=customer, obj=customer,
           data={"status": status, "until": until.isoformat() if until else None, "reason": reason})  # fmt: skip
    return customer


@transaction.atomic
def customer_pause(*, actor: Actor, customer: Customer, until: dt.date | None = None, reason: str = "") -> Customer:
    label = f"paused until {until.isoformat()}" if until else "paused"
    return _set_status(customer, actor=actor, status=CustomerStatus.PAUSED, until=until,
                       code="collection.customer.paused", reason=reason or label)  # fmt: skip


@transaction.atomic
def customer_resume(*, actor: Actor, customer: Customer) -> Customer:
    return _set_status(customer, actor=actor, status=CustomerStatus.ACTIVE, until=None,
                       code="collection.customer.resumed", reason="resumed")  # fmt: skip


@transaction.atomic
def customer_to_litigation(*, actor: Actor, customer: Customer, reason: str = "") -> Customer:
    return _set_status(customer, actor=actor, status=CustomerStatus.LITIGATION, until=None,
                       code="collection.customer.litigation", reason=reason or "handed over to litigation")  # fmt: skip
