"""Receivables snapshots: what was open at the end of a day, kept so the overdue trend shows what
was known then (an import later may change the past of the ledger, a snapshot does not move).

One row per company, date, currency and collector (the customers' collector on that day; NULL:
customers without one). The company's figures of a day are the sum of its rows. Amounts are
integer minor units, aged by days past due on that date like `ledger.selectors` (not due,
1-30, 31-60, 61-90, over 90); `credits` holds unapplied credit notes and payments (negative).
Written only by `relance.finance.snapshots` (taken by the daily run, or back-filled from the
ledger for past month-ends).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from relance.ledger.models import Company


class SnapshotSource(models.TextChoices):
    DAILY = "daily", _("Daily run")
    BACKFILL = "backfill", _("Computed from the ledger")


class ReceivablesSnapshot(models.Model):
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    date = models.DateField()
    currency = models.CharField(max_length=3)
    collector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    not_due = models.BigIntegerField(default=0)
    days_1_30 = models.BigIntegerField(default=0)
    days_31_60 = models.BigIntegerField(default=0)
    days_61_90 = models.BigIntegerField(default=0)
    days_over_90 = models.BigIntegerField(default=0)
    credits = models.BigIntegerField(default=0, help_text=_("Unapplied credit notes and payments (negative)."))
    open = models.BigIntegerField(default=0, help_text=_("Open invoices and debit notes (all buckets)."))
    overdue = models.BigIntegerField(default=0, help_text=_("Open invoices and debit notes past their due date."))
    customers = models.PositiveIntegerField(default=0, help_text=_("Customers owing something."))
    customers_overdue = models.PositiveIntegerField(default=0, help_text=_("Customers with something overdue."))
    source = models.CharField(max_length=10, choices=SnapshotSource.choices, default=SnapshotSource.DAILY)
    taken_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("receivables snapshot")
        verbose_name_plural = _("receivables snapshots")
        ordering = ["-date", "currency"]
        indexes = [models.Index(fields=["company", "date"])]

    def __str__(self) -> str:
        return f"{self.company_id} {self.date} {self.currency} collector={self.collector_id}"
