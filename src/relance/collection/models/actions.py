"""Actions: every decision of the engine, and what became of it; and the record of each run."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from relance.collection.domain.model import Channel, Family
from relance.collection.models.scenarios import Scenario, Step
from relance.ledger.models import Company, Customer, Invoice


class ActionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")  # automatic: the messaging layer will send it
    TO_CONFIRM = "to_confirm", _("To do / to confirm")  # a collector must act (call, letter, confirm)
    DONE = "done", _("Done")
    SKIPPED = "skipped", _("Skipped")
    CANCELLED = "cancelled", _("Cancelled")
    FAILED = "failed", _("Failed")


OPEN_STATUSES = (ActionStatus.PLANNED, ActionStatus.TO_CONFIRM)


class Action(models.Model):
    """One message, call or task for one customer on one day (unique per customer, day and family)."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="actions")
    date = models.DateField()
    family = models.CharField(max_length=10, choices=[(f.value, f.value) for f in Family])
    channel = models.CharField(max_length=10, choices=[(c.value, c.value) for c in Channel])
    scenario = models.ForeignKey(Scenario, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    step = models.ForeignKey(Step, on_delete=models.SET_NULL, null=True, blank=True, related_name="actions")
    step_label = models.CharField(max_length=120, blank=True, help_text=_("The step as it was when decided."))
    template_code = models.CharField(max_length=50, blank=True)
    status = models.CharField(max_length=12, choices=ActionStatus.choices)
    status_reason = models.CharField(max_length=300, blank=True)
    reasons = models.JSONField(default=list, help_text=_("Why the engine decided it, readable by a collector."))
    priority = models.BigIntegerField(default=0)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="tasks"
    )
    promises = models.ManyToManyField("collection.Promise", blank=True, related_name="follow_up_actions")
    outcome = models.JSONField(default=dict, blank=True, help_text=_("Call outcome, sending result..."))
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        ordering = ["-date", "-priority"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "date", "family"], name="action_one_per_customer_day_family")
        ]
        indexes = [
            models.Index(fields=["company", "status", "date"]),
            models.Index(fields=["assigned_to", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.channel} {self.customer} ({self.status})"


class ActionItem(models.Model):
    """An invoice covered by an action, with the step it had reached. An active row means the
    invoice got that step: it is never given again (cancelled actions release their rows)."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="items")
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="collection_steps")
    step = models.ForeignKey(Step, on_delete=models.CASCADE, related_name="+")
    active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["invoice", "step"], condition=models.Q(active=True), name="action_item_step_once_per_invoice"
            )
        ]

    def __str__(self) -> str:
        return f"{self.invoice} at step {self.step_id}"


class CollectionRun(models.Model):
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    date = models.DateField()
    dry_run = models.BooleanField(default=False)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    customers = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    cancelled = models.PositiveIntegerField(default=0)
    promises_kept = models.PositiveIntegerField(default=0)
    promises_broken = models.PositiveIntegerField(default=0)
    actor_label = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["company", "date"])]

    def __str__(self) -> str:
        return f"run of {self.date} ({'dry' if self.dry_run else 'applied'})"
