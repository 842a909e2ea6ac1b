"""Reads of online payments for the portal and the collectors' workspace."""

from __future__ import annotations

import datetime as dt

from django.db import connection

from relance.ledger.models import Company, Customer
from relance.ledger.selectors import OpenItem, open_items
from relance.payments.models import OnlinePayment, OnlinePaymentStatus


def in_transit_invoice_ids(customer: Customer) -> set[int]:
    """Invoices of the customer's online payments that the provider says are paid and the bank has
    not confirmed yet: the page shows them as "paid in transit"."""
    through = OnlinePayment.invoices.through._meta
    payment_column = through.get_field("onlinepayment").column
    invoice_column = through.get_field("invoice").column
    sql = (
        f'SELECT pi."{invoice_column}" FROM "{through.db_table}" pi '  # noqa: S608 - names from the models
        f'INNER JOIN "{OnlinePayment._meta.db_table}" p ON p.id = pi."{payment_column}" '
        "WHERE p.customer_id = %s AND p.status = %s"
    )  # plain SQL: the page asks on every view, and building the ORM query cost more than running it
    with connection.cursor() as cursor:
        cursor.execute(sql, [customer.pk, OnlinePaymentStatus.SUCCEEDED.value])
        return {row[0] for row in cursor.fetchall()}


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
