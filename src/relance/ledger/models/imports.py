"""Import bookkeeping: the column mapping remembered per company and file kind, and every run."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from relance.ledger.models.company import Company


class ImportKind(models.TextChoices):
    CUSTOMERS = "customers", _("Customers")
    CONTACTS = "contacts", _("Contacts")
    INVOICES = "invoices", _("Invoices and credit notes")
    PAYMENTS = "payments", _("Payments")


class ImportMode(models.TextChoices):
    SNAPSHOT = "snapshot", _("Snapshot (the file lists every open item)")
    DELTA = "delta", _("Delta (only what changed)")


class ImportStatus(models.TextChoices):
    APPLIED = "applied", _("Applied")
    PARTIAL = "partial", _("Applied except the bad rows")
    REJECTED = "rejected", _("Rejected, nothing applied")


class ImportMapping(models.Model):
    """Which file column feeds which field, plus parsing options, remembered per company and kind."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="import_mappings")
    kind = models.CharField(max_length=16, choices=ImportKind.choices)
    columns = models.JSONField(default=dict, help_text="field -> column header in the file")
    options = models.JSONField(default=dict, blank=True, help_text="date_format, decimal, delimiter, encoding")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("import mapping")
        verbose_name_plural = _("import mappings")
        constraints = [models.UniqueConstraint(fields=["company", "kind"], name="import_mapping_unique_kind")]

    def __str__(self) -> str:
        return f"{self.company} / {self.kind}"


class ImportRun(models.Model):
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="import_runs")
    kind = models.CharField(max_length=16, choices=ImportKind.choices)
    mode = models.CharField(max_length=16, choices=ImportMode.choices)
    file_name = models.CharField(max_length=255)
    file_sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=ImportStatus.choices)
    as_of = models.DateField(help_text="Business date of the import (closings are dated this day).")
    actor_label = models.CharField(max_length=200, blank=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    closed = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True, help_text="The first errors: row, column, reason.")

    class Meta:
        verbose_name = _("import run")
        verbose_name_plural = _("import runs")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.kind} import {self.file_name} ({self.status})"
