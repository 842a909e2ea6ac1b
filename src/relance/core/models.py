"""Infrastructure models shared by every app: the audit trail (no business data lives here)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ActorKind(models.TextChoices):
    USER = "user", _("User")
    SYSTEM = "system", _("System")
    CUSTOMER = "customer", _("Customer (portal)")


class AuditEvent(models.Model):
    """One thing that happened. The customer timeline is a filtered view of these rows.

    `code` is dotted and stable (`ledger.import.applied`, `ledger.payment.allocated`).
    Company and customer are plain references by string so that core imports no business app.
    """

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    company = models.ForeignKey("ledger.Company", on_delete=models.CASCADE, related_name="+", null=True, blank=True)
    customer = models.ForeignKey("ledger.Customer", on_delete=models.CASCADE, related_name="+", null=True, blank=True)
    actor_kind = models.CharField(max_length=16, choices=ActorKind.choices)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=200, blank=True)
    code = models.CharField(max_length=100, db_index=True)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["company", "customer", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.code}"
