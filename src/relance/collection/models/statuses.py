"""Statuses that steer the run: promises to pay and disputes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from relance.ledger.models import Company, Customer, Invoice, PaymentMethod


class PromiseSource(models.TextChoices):
    CALL = "call", _("Phone call")
    EMAIL = "email", _("E-mail")
    PORTAL = "portal", _("Customer portal")
    LETTER = "letter", _("Letter")
    COLLECTOR = "collector", _("Recorded by the collector")


class PromiseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    KEPT = "kept", _("Kept")
    BROKEN = "broken", _("Broken")
    CANCELLED = "cancelled", _("Cancelled")


class Promise(models.Model):
    """A promise to pay: dunning of its invoices pauses until `promised_date + grace_days`."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="promises")
    invoices = models.ManyToManyField(Invoice, related_name="promises")
    promised_date = models.DateField()
    amount = models.BigIntegerField(help_text=_("In minor units."))
    currency = models.CharField(max_length=3)
    means = models.CharField(max_length=20, choices=PaymentMethod.choices, default=PaymentMethod.TRANSFER)
    source = models.CharField(max_length=12, choices=PromiseSource.choices, default=PromiseSource.COLLECTOR)
    grace_days = models.PositiveSmallIntegerField(default=3)
    status = models.CharField(max_length=12, choices=PromiseStatus.choices, default=PromiseStatus.OPEN)
    made_by = models.CharField(max_length=200, blank=True, help_text=_("Who promised (name at the customer)."))
    note = models.TextField(blank=True)
    evaluated_on = models.DateField(null=True, blank=True)
    followed_up_on = models.DateField(null=True, blank=True, help_text=_("When the broken-promise step fired."))
    document = models.FileField(
        upload_to="promises/%Y/%m/", blank=True, help_text=_("The written promise (acknowledgement of debt), PDF.")
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("promise to pay")
        verbose_name_plural = _("promises to pay")
        ordering = ["-promised_date", "-id"]
        indexes = [models.Index(fields=["company", "status", "promised_date"])]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="promise_amount_positive")]

    def __str__(self) -> str:
        return f"Promise {self.pk} by {self.customer} for {self.promised_date}"


class DisputeReason(models.TextChoices):
    PRICE = "price", _("Price")
    QUANTITY = "quantity", _("Quantity")
    QUALITY = "quality", _("Quality")
    MISSING_GOODS = "missing_goods", _("Missing goods")
    NOT_RECEIVED = "not_received", _("Invoice not received")
    DUPLICATE = "duplicate", _("Duplicate invoice")
    OTHER = "other", _("Other")


class DisputeStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved")
    REJECTED = "rejected", _("Rejected")


class Dispute(models.Model):
    """Disputed invoices leave the scenario until the dispute is resolved or rejected."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="disputes")
    invoices = models.ManyToManyField(Invoice, related_name="disputes")
    reason = models.CharField(max_length=20, choices=DisputeReason.choices)
    comment = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=10, choices=DisputeStatus.choices, default=DisputeStatus.OPEN)
    resolution = models.TextField(blank=True)
    opened_on = models.DateField()
    resolved_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        ordering = ["-opened_on", "-id"]
        indexes = [models.Index(fields=["company", "status"])]

    def __str__(self) -> str:
        return f"Dispute {self.pk} ({self.get_reason_display()})"


class DisputeComment(models.Model):
    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="comments")
    author = models.CharField(max_length=200)
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.author}: {self.text[:40]}"
