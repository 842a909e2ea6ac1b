"""Scenarios (ordered steps placed on due dates), how they are assigned, and per-company settings."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _

from relance.collection.domain.model import Channel, Mode, Trigger
from relance.ledger.models import Company, Customer, Tag


class Scenario(models.Model):
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="scenarios")
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    is_default = models.BooleanField(default=False, help_text=_("Used for customers no rule or assignment covers."))
    is_builtin = models.BooleanField(default=False, help_text=_("Shipped with Relance: copy it to adapt it."))
    copied_from = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="copies")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("scenario")
        verbose_name_plural = _("scenarios")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["company", "name"], name="scenario_unique_name"),
            models.UniqueConstraint(
                fields=["company"], condition=models.Q(is_default=True), name="scenario_one_default_per_company"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Step(models.Model):
    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(max_length=100)
    trigger = models.CharField(max_length=20, choices=[(t.value, t.value) for t in Trigger], default=Trigger.DUE)
    offset_days = models.SmallIntegerField(help_text=_("Days after the due date; negative = before (preventive)."))
    channel = models.CharField(max_length=10, choices=[(c.value, c.value) for c in Channel])
    mode = models.CharField(max_length=10, choices=[(m.value, m.value) for m in Mode], default=Mode.AUTO)
    template_code = models.CharField(
        max_length=50, blank=True, help_text=_("Template (e-mail, letter or call script).")
    )
    min_overdue_minor = models.BigIntegerField(default=0, help_text=_("Minimum overdue amount of the account."))
    min_open_minor = models.BigIntegerField(default=0, help_text=_("Minimum open amount of the account."))
    min_days_since_contact = models.PositiveSmallIntegerField(default=0)
    tags = models.ManyToManyField(Tag, blank=True, help_text=_("Only customers with one of these tags."))
    cc_buyer = models.BooleanField(default=False, help_text=_("E-mails: the buyer contacts in copy."))
    cc_finance = models.BooleanField(default=False, help_text=_("E-mails: the finance contacts in copy."))

    class Meta:
        verbose_name = _("step")
        verbose_name_plural = _("steps")
        ordering = ["scenario", "offset_days", "order"]

    def __str__(self) -> str:
        return f"{self.scenario.name}: D{self.offset_days:+d} {self.name}"


class ScenarioRule(models.Model):
    """Assign a scenario to customers by tag, country or open amount; the lowest priority wins."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="scenario_rules")
    priority = models.PositiveSmallIntegerField(default=100)
    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="rules")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, null=True, blank=True)
    country = models.CharField(max_length=2, blank=True)
    min_open_minor = models.BigIntegerField(
        null=True, blank=True, help_text=_("Customers whose open amount reaches it.")
    )

    class Meta:
        verbose_name = _("scenario rule")
        verbose_name_plural = _("scenario rules")
        ordering = ["priority", "id"]

    def __str__(self) -> str:
        return f"#{self.priority} -> {self.scenario}"


class CustomerScenario(models.Model):
    """A scenario chosen for one customer: wins over rules and the company default."""

    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, related_name="collection_scenario")
    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="customer_assignments")

    class Meta:
        verbose_name = _("customer scenario")
        verbose_name_plural = _("customer scenarios")

    def __str__(self) -> str:
        return f"{self.customer} -> {self.scenario}"


class CollectionSettings(models.Model):
    company = models.OneToOneField(Company, on_delete=models.CASCADE, related_name="collection_settings")
    run_time = models.TimeField(default=dt.time(7, 0), help_text=_("Local time of the daily run."))
    send_window_start = models.TimeField(default=dt.time(8, 0))
    send_window_end = models.TimeField(default=dt.time(18, 0))
    promise_grace_days = models.PositiveSmallIntegerField(default=3)
    promise_max_days = models.PositiveSmallIntegerField(default=60, help_text=_("Latest promise date, in days."))
    paused = models.BooleanField(default=False, help_text=_("Stop the daily run for this company."))
    last_enqueued_on = models.DateField(null=True, blank=True, editable=False)
    scenario_fingerprint = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = _("collection settings")
        verbose_name_plural = _("collection settings")

    def __str__(self) -> str:
        return f"{self.company} collection settings"
