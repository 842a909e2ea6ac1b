"""Writes of online payments. Each: keyword-only arguments, an actor, one transaction, an audit event.

    online_payment_create(...)      a row in status created (before the provider is called)
    online_payment_pending(...)     the provider answered with its session / reference
    online_payment_succeeded(...)   the provider says paid: a ledger Payment (card), allocated to the
                                    invoices oldest first; the invoices are "paid in transit"
    online_payment_failed(...)      failed, or cancelled/expired
    online_payment_confirm(...)     the bank statement (or the ERP import) says the money arrived

Succeeded is idempotent: the same notification twice records one payment (the row is locked and
its status read again; the ledger's unique external reference is the last guard).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from relance.core.audit import Actor, record
from relance.core.errors import RelanceError
from relance.core.money import Money
from relance.ledger.models import Company, Contact, Customer, Invoice, InvoiceKind, Payment, PaymentMethod
from relance.ledger.selectors import company_today, item_open_amount
from relance.ledger.services import allocation_create
from relance.payments.models import OPEN_STATUSES, PAID_STATUSES, OnlinePayment, OnlinePaymentStatus

EXTERNAL_REF_MAX = 64


class OnlinePaymentError(RelanceError):
    code = "payments.online.invalid"


def _check_invoices(company: Company, customer: Customer, invoices: Sequence[Invoice], currency: str) -> None:
    if customer.company_id != company.pk:
        raise OnlinePaymentError("the customer belongs to another company")
    if not invoices:
        raise OnlinePaymentError("no invoice to pay")
    for invoice in invoices:
        if invoice.company_id != company.pk or invoice.customer_id != customer.pk:
            raise OnlinePaymentError(f"{invoice} is not an invoice of this customer")
        if invoice.kind == InvoiceKind.CREDIT_NOTE:
            raise OnlinePaymentError(f"{invoice} is a credit note")
        if invoice.currency != currency:
            raise OnlinePaymentError(f"{invoice} is in {invoice.currency}, the payment in {currency}")


@transaction.atomic
def online_payment_create(
    *,
    actor: Actor,
    company: Company,
    customer: Customer,
    provider: str,
    invoices: Sequence[Invoice],
    amount: Money,
    contact: Contact | None = None,
    remittance_reference: str = "",
) -> OnlinePayment:
    if amount.minor <= 0:
        raise OnlinePaymentError("the amount must be above zero")
    _check_invoices(company, customer, invoices, amount.currency)
    online_payment = OnlinePayment.objects.create(
        company=company, customer=customer, contact=contact, provider=provider, amount=amount.minor,
        currency=amount.currency, remittance_reference=remittance_reference,
    )  # fmt: skip
    online_payment.invoices.set(invoices)
    record(
        actor=actor, code="payments.online.created", company=company, customer=customer, obj=online_payment,
        data={"provider": provider, "amount": amount.minor, "currency": amount.currency,
              "invoices": [invoice.number for invoice in invoices]},
    )  # fmt: skip
    return online_payment


@transaction.atomic
def online_payment_pending(*, online_payment: OnlinePayment, provider_reference: str = "") -> OnlinePayment:
    """The provider accepted the payment (a session, or instructions shown): no timeline event."""
    fields = {"status": OnlinePaymentStatus.PENDING, "updated_at": timezone.now()}
    if provider_reference:
        fields["provider_reference"] = provider_reference
    OnlinePayment.objects.filter(pk=online_payment.pk, status__in=OPEN_STATUSES).update(**fields)
    online_payment.refresh_from_db()
    return online_payment


def _external_ref(online_payment: OnlinePayment, provider_payment_id: str) -> str:
    """The ledger payment's unique reference: the provider's payment id (Stripe's pi_...) when it
    fits, else one derived from the row."""
    if provider_payment_id and len(provider_payment_id) <= EXTERNAL_REF_MAX:
        return provider_payment_id
    return f"{online_payment.provider}-online-{online_payment.pk}"[:EXTERNAL_REF_MAX]


def online_payment_succeeded(
    *,
    actor: Actor,
    online_payment_id: int,
    amount: Money,
    provider_payment_id: str = "",
    notification: dict[str, Any] | None = None,
) -> OnlinePayment:
    """The provider says the customer paid `amount`: record it once and allocate it.

    The ledger payment (method card, dated today in the company's time zone, the provider's
    reference as remittance) is allocated to the row's invoices, oldest due first, never more
    than an invoice still has open; what is left (an invoice settled meanwhile) stays on the
    account as an unapplied credit. A second notification changes nothing but the stored payload.
    """
    try:
        return _succeeded(
            actor=actor, online_payment_id=online_payment_id, amount=amount,
            provider_payment_id=provider_payment_id, notification=notification or {},
        )  # fmt: skip
    except IntegrityError:
        # A concurrent delivery of the same notification recorded the payment first (the unique
        # external reference refused ours): the row already says succeeded.
        online_payment = OnlinePayment.objects.get(pk=online_payment_id)
        if online_payment.status not in PAID_STATUSES:
            raise
        return online_payment


@transaction.atomic
def _succeeded(
    *, actor: Actor, online_payment_id: int, amount: Money, provider_payment_id: str, notification: dict[str, Any]
) -> OnlinePayment:
    online_payment = (
        OnlinePayment.objects.select_for_update().select_related("company", "customer").get(pk=online_payment_id)
    )
    if online_payment.status in PAID_STATUSES:
        online_payment.last_notification = notification
        online_payment.save(update_fields=["last_notification", "updated_at"])
        return online_payment
    if amount.currency != online_payment.currency:
        raise OnlinePaymentError(f"paid in {amount.currency}, asked in {online_payment.currency}")
    if amount.minor <= 0:
        raise OnlinePaymentError("a paid amount must be above zero")
    company, customer = online_payment.company, online_payment.customer
    today = company_today(company)
    payment = Payment.objects.create(
        company=company, customer=customer, external_ref=_external_ref(online_payment, provider_payment_id),
        date=today, amount=amount.minor, currency=amount.currency, method=PaymentMethod.CARD,
        reference=(online_payment.provider_reference or provider_payment_id)[:140],
    )  # fmt: skip
    left = amount.minor
    allocated: list[dict[str, Any]] = []
    for invoice in online_payment.invoices.order_by("due_date", "number", "id"):
        open_minor = item_open_amount(invoice=invoice, as_of=today).minor
        share = min(open_minor, left)
        if share <= 0:
            continue
        allocation_create(actor=actor, invoice=invoice, amount=share, date=today, payment=payment)
        allocated.append({"invoice": invoice.number, "amount": share})
        left -= share
        if left == 0:
            break
    online_payment.status = OnlinePaymentStatus.SUCCEEDED
    online_payment.payment = payment
    online_payment.succeeded_at = timezone.now()
    online_payment.last_notification = notification
    online_payment.save()
    record(
        actor=actor, code="payments.online.succeeded", company=company, customer=customer, obj=online_payment,
        data={"provider": online_payment.provider, "reference": online_payment.provider_reference,
              "amount": amount.minor, "currency": amount.currency, "asked": online_payment.amount,
              "payment": payment.external_ref, "allocated": allocated, "unallocated": left},
    )  # fmt: skip
    return online_payment


@transaction.atomic
def online_payment_failed(
    *,
    actor: Actor,
    online_payment_id: int,
    reason: str,
    cancelled: bool = False,
    notification: dict[str, Any] | None = None,
) -> OnlinePayment:
    """The payment failed (or was cancelled / expired). A paid row never goes back."""
    online_payment = (
        OnlinePayment.objects.select_for_update().select_related("company", "customer").get(pk=online_payment_id)
    )
    if online_payment.status not in OPEN_STATUSES:
        return online_payment
    online_payment.status = OnlinePaymentStatus.CANCELLED if cancelled else OnlinePaymentStatus.FAILED
    if notification is not None:
        online_payment.last_notification = notification
    online_payment.save()
    record(
        actor=actor, code="payments.online.failed", company=online_payment.company,
        customer=online_payment.customer, obj=online_payment,
        data={"provider": online_payment.provider, "reference": online_payment.provider_reference,
              "status": online_payment.status, "reason": reason[:500]},
    )  # fmt: skip
    return online_payment


@transaction.atomic
def online_payment_confirm(
    *, actor: Actor, online_payment: OnlinePayment, date: dt.date | None = None, bank_reference: str = ""
) -> OnlinePayment:
    """The bank statement (or the ERP) shows the money: the invoices stop being "in transit".

    Only a succeeded payment is confirmed (its ledger payment already exists: the bank matcher
    must link the bank line to it, not record a second payment). Confirming twice does nothing.
    """
    locked = OnlinePayment.objects.select_for_update().select_related("company", "customer").get(pk=online_payment.pk)
    if locked.status == OnlinePaymentStatus.CONFIRMED:
        return locked
    if locked.status != OnlinePaymentStatus.SUCCEEDED:
        raise OnlinePaymentError(f"only a succeeded payment can be confirmed (this one is {locked.status})")
    locked.status = OnlinePaymentStatus.CONFIRMED
    locked.confirmed_at = timezone.now()
    locked.save()
    record(
        actor=actor, code="payments.online.confirmed", company=locked.company, customer=locked.customer,
        obj=locked, data={"provider": locked.provider, "reference": locked.provider_reference,
                          "date": (date or company_today(locked.company)).isoformat(),
                          "bank_reference": bank_reference[:140]},
    )  # fmt: skip
    return locked
