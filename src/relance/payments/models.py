"""An online payment: what a customer started on the portal, and what its provider said.

One row per attempt (a customer who gives up and tries again makes a second row). The row is
written before the provider is called, so a session always names a row that exists; the
provider's notification moves it on, and a succeeded payment points at the ledger `Payment` it
recorded. See docs/payments.md for the life of a row.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from relance.core.money import Money
from relance.ledger.models import Company, Contact, Customer, Invoice, Payment


class OnlinePaymentStatus(models.TextChoices):
    CREATED = "created", _("Created")  # the row exists; the provider has not answered yet
    PENDING = "pending", _("Pending")  # the provider has a session / the customer has instructions
    SUCCEEDED = "succeeded", _("Paid in transit")  # the provider says paid; the bank has not confirmed
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")
    CONFIRMED = "confirmed", _("Confirmed")  # the bank statement (or the ERP) confirmed the money arrived


OPEN_STATUSES = (OnlinePaymentStatus.CREATED, OnlinePaymentStatus.PENDING)
PAID_STATUSES = (OnlinePaymentStatus.SUCCEEDED, OnlinePaymentStatus.CONFIRMED)


class OnlinePayment(models.Model):
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="online_payments")
    contact = models.ForeignKey(Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    provider = models.CharField(max_length=32, help_text=_("Provider code, e.g. stripe or sepa_transfer."))
    provider_reference = models.CharField(
        max_length=255, blank=True, help_text=_("The provider's identifier (e.g. the Stripe Checkout Session id).")
    )
    remittance_reference = models.CharField(
        max_length=35, blank=True, help_text=_("What the payer's transfer carries (the RF creditor reference).")
    )
    invoices = models.ManyToManyField(Invoice, related_name="online_payments")
    amount = models.BigIntegerField(help_text=_("Asked amount, in minor units."))
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=16, choices=OnlinePaymentStatus.choices, default=OnlinePaymentStatus.CREATED)
    payment = models.ForeignKey(
        Payment, on_delete=models.SET_NULL, null=True, blank=True, related_name="online_payments",
        help_text=_("The ledger payment recorded when the provider said paid."),
    )  # fmt: skip
    last_notification = models.JSONField(default=dict, blank=True)
    succeeded_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("online payment")
        verbose_name_plural = _("online payments")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "provider_reference"],
                condition=~Q(provider_reference=""),
                name="online_payment_unique_provider_reference",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="online_payment_amount_positive"),
        ]
        indexes = [models.Index(fields=["customer", "status"])]

    def __str__(self) -> str:
        return f"{self.provider} {self.money} ({self.status})"

    @property
    def money(self) -> Money:
        return Money(self.amount, self.currency)
