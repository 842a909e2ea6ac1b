"""Open items and how they are settled.

Every amount is an integer number of minor units of the item's currency (`amount` > 0; the kind
says whether it is owed to us or credited). An item's open amount at any date D is derivable:

    invoice or debit note:  amount - sum(allocations to it dated <= D)
    credit note:            amount - sum(allocations from it dated <= D)
    payment:                amount - sum(allocations from it dated <= D)

Allocations carry their own date, so the statement of any past date can be rebuilt exactly.
A *settlement* allocation records a settlement that happened outside Relance (an ERP snapshot
said the item is closed, or paid down): it names either the invoice or the credit note it
settles, and may be negative to reopen an amount.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from relance.core.money import Money
from relance.ledger.models.company import Company
from relance.ledger.models.customers import Customer

REVIEW_NOW = dt.date.min
REVIEW_NEVER = dt.date.max


class InvoiceKind(models.TextChoices):
    INVOICE = "invoice", _("Invoice")
    CREDIT_NOTE = "credit_note", _("Credit note")
    DEBIT_NOTE = "debit_note", _("Debit note")


class Invoice(models.Model):
    # No single-column indexes on these keys: the composite indexes below start with them, and every
    # index costs time on a million-row import.
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="invoices", db_index=False)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="invoices", db_index=False)
    kind = models.CharField(max_length=16, choices=InvoiceKind.choices, default=InvoiceKind.INVOICE)
    number = models.CharField(max_length=64)
    issue_date = models.DateField()
    due_date = models.DateField()
    amount = models.BigIntegerField(help_text="Total including tax, in minor units (cents).")
    currency = models.CharField(max_length=3)
    po_number = models.CharField("PO number", max_length=64, blank=True)
    pdf = models.FileField(upload_to="invoices/%Y/%m/", blank=True)
    pdf_url = models.URLField("PDF URL", max_length=500, blank=True)
    # When the collection engine must look at this invoice again. The ledger resets it to REVIEW_NOW
    # whenever the invoice is created or changed; collection sets it after each decision (the next
    # step's date, the day after a promise, or REVIEW_NEVER). It lets the daily run read only the
    # invoices that may need something today instead of every open invoice.
    review_on = models.DateField(default=dt.date.min, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["due_date", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "kind", "number"], name="invoice_unique_number_per_company_kind"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="invoice_amount_positive"),
            models.CheckConstraint(condition=Q(due_date__gte=F("issue_date")), name="invoice_due_not_before_issue"),
        ]
        indexes = [
            models.Index(fields=["company", "review_on"]),
            models.Index(fields=["customer", "due_date"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"

    @property
    def is_credit(self) -> bool:
        return self.kind == InvoiceKind.CREDIT_NOTE


class PaymentMethod(models.TextChoices):
    TRANSFER = "transfer", _("Bank transfer")
    DIRECT_DEBIT = "direct_debit", _("Direct debit")
    CARD = "card", _("Card")
    CHEQUE = "cheque", _("Cheque")
    BILL_OF_EXCHANGE = "bill_of_exchange", _("Bill of exchange")
    CASH = "cash", _("Cash")
    OTHER = "other", _("Other")


class Payment(models.Model):
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="payments")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="payments")
    external_ref = models.CharField(max_length=64, help_text="Identifier in the ERP or bank; unique per company.")
    date = models.DateField(help_text="Value date.")
    amount = models.BigIntegerField(help_text="In minor units.")
    currency = models.CharField(max_length=3)
    method = models.CharField(max_length=20, choices=PaymentMethod.choices, default=PaymentMethod.TRANSFER)
    reference = models.CharField(max_length=140, blank=True, help_text="Remittance information.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["company", "external_ref"], name="payment_unique_ref_per_company"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
        ]
        indexes = [models.Index(fields=["customer", "date"])]

    def __str__(self) -> str:
        return f"Payment {self.external_ref}"


class AllocationKind(models.TextChoices):
    PAYMENT = "payment", _("Payment")
    CREDIT_NOTE = "credit_note", _("Credit note")
    SETTLEMENT = "settlement", _("Settled outside Relance")


class Allocation(models.Model):
    """Part of a payment or credit note applied to an invoice or debit note, on a date."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+", db_index=False)
    invoice = models.ForeignKey(
        Invoice,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="allocations",
        db_index=False,
        help_text="The invoice or debit note paid down. Blank only for the settlement of a credit note.",
    )
    kind = models.CharField(max_length=16, choices=AllocationKind.choices)
    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, null=True, blank=True, related_name="allocations")
    credit_note = models.ForeignKey(
        Invoice, on_delete=models.CASCADE, null=True, blank=True, related_name="credit_allocations"
    )
    amount = models.BigIntegerField(help_text="In minor units of the invoice's currency.")
    date = models.DateField()
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        ordering = ["date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(
                        kind="payment",
                        invoice__isnull=False,
                        payment__isnull=False,
                        credit_note__isnull=True,
                        amount__gt=0,
                    )
                    | Q(
                        kind="credit_note",
                        invoice__isnull=False,
                        payment__isnull=True,
                        credit_note__isnull=False,
                        amount__gt=0,
                    )
                    | (
                        Q(kind="settlement", payment__isnull=True)
                        & (
                            Q(invoice__isnull=False, credit_note__isnull=True)
                            | Q(invoice__isnull=True, credit_note__isnull=False)
                        )
                        & ~Q(amount=0)
                    )
                ),
                name="allocation_source_matches_kind",
            ),
        ]
        indexes = [models.Index(fields=["invoice", "date"]), models.Index(fields=["company", "date"])]

    def __str__(self) -> str:
        target = self.invoice if self.invoice_id else self.credit_note
        currency = target.currency if target is not None else "EUR"
        return f"{self.get_kind_display()} {Money(self.amount, currency)} -> {target} on {self.date.isoformat()}"
