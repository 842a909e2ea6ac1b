"""Reads of online payments for the portal and the collectors' workspace."""

from __future__ import annotations

import datetime as dt

from relance.ledger.models import Company, Customer
from relance.ledger.selectors import OpenItem, open_items
from relance.payments.models import OnlinePayment, OnlinePaymentStatus


def in_transit_invoice_ids(customer: Customer) -> set[int]:
    """Invoices of the customer's online payments that the provider says are paid and the bank has
    not confirmed yet: the page shows them as "paid in transit"."""
    ids = OnlinePayment.objects.filter(customer=customer, status=OnlinePaymentStatus.SUCCEEDED).values_list(
        "invoices", flat=True
    )
    return {pk for pk in ids if pk is not None}


def in_transit_payments(customer: Customer) -> list[OnlinePayment]:
    return list(
        OnlinePayment.objects.filter(customer=customer, status=OnlinePaymentStatus.SUCCEEDED)
        .prefetch_related("invoices")
        .order_by("-succeeded_at", "-id")
    )


def payable_items(*, company: Company, customer: Customer, as_of: dt.date) -> list[OpenItem]:
    """What the customer may pay online: their open invoices and debit notes, oldest due first.

    Credits are left out. An invoice paid in transit is already paid down in the ledger (its
    allocation exists), so only what is still open of it can be paid again."""
    return [
        item
        for item in open_items(company=company, customer=customer, as_of=as_of)
        if not item.is_credit and item.open_amount.minor > 0
    ]


def online_payment_for(customer: Customer, provider_reference: str) -> OnlinePayment | None:
    """The customer's online payment with this provider reference (never another customer's)."""
    if not provider_reference:
        return None
    return OnlinePayment.objects.filter(provider_reference=provider_reference, customer=customer).first()
