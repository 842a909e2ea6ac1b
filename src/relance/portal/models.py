"""What the customer sends from the interactive page, stored before anything else happens.

A `PortalSubmission` row is written in its own transaction as soon as a form is valid; only then
does the page act on it (a promise, a dispute, the collector's task, the e-mails). The collector
accepts or rejects it afterwards (`services.submission_accept` / `submission_reject`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from relance.core.sqlrows import load_one
from relance.ledger.models import Company, Contact, Customer
from relance.messaging.models import AccessLink
from relance.portal.storage import private_storage


class PortalSettings(models.Model):
    company = models.OneToOneField(Company, on_delete=models.CASCADE, related_name="portal_settings")
    max_promise_days = models.PositiveSmallIntegerField(
        default=60, help_text=_("How far ahead a customer may promise to pay from the page (days).")
    )
    max_upload_bytes = models.PositiveIntegerField(default=10 * 1024 * 1024, help_text=_("Per file."))
    max_files = models.PositiveSmallIntegerField(default=5, help_text=_("Per submission."))

    class Meta:
        verbose_name = _("portal settings")
        verbose_name_plural = _("portal settings")

    def __str__(self) -> str:
        return f"portal settings of {self.company}"

    @classmethod
    def for_company(cls, company: Company) -> PortalSettings:
        found = load_one(cls, "t.company_id = %s", [company.pk])  # plain SQL: read on every page view
        return found or cls(company=company)


class SubmissionKind(models.TextChoices):
    ACKNOWLEDGE = "acknowledge", _("Receipt acknowledged")
    VALIDATED = "validated", _("Validated for payment")
    IN_PAYMENT = "in_payment", _("In payment")
    PROMISE = "promise", _("Promise to pay")
    DISPUTE = "dispute", _("Dispute")
    QUESTION = "question", _("Question or comment")
    PROOF = "proof", _("Proof of payment")
    BANK_CONFIRMED = "bank_confirmed", _("Bank details confirmed")
    BANK_CHANGED = "bank_changed", _("Customer's bank details changed")
    CONTACT = "contact", _("Contact details update")


class SubmissionStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


class PortalSubmission(models.Model):
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="portal_submissions")
    contact = models.ForeignKey(Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    link = models.ForeignKey(AccessLink, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    kind = models.CharField(max_length=20, choices=SubmissionKind.choices)
    payload = models.JSONField(default=dict, blank=True, help_text=_("What the customer sent, as sent."))
    invoice_ids = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=SubmissionStatus.choices, default=SubmissionStatus.PENDING)
    result = models.JSONField(default=dict, blank=True, help_text=_("What the page did with it (promise, dispute...)."))
    error = models.CharField(max_length=300, blank=True)
    client_ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_note = models.TextField(blank=True)

    class Meta:
        verbose_name = _("portal submission")
        verbose_name_plural = _("portal submissions")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["company", "status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} from {self.customer} ({self.status})"


class SubmissionFile(models.Model):
    submission = models.ForeignKey(PortalSubmission, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(upload_to="portal/%Y/%m/", storage=private_storage, max_length=300)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)

    def __str__(self) -> str:
        return self.original_name
