"""Messaging: templates, the company's sender identity, the outbox and customer access links.

Messaging knows parties (companies, customers, contacts) but nothing about invoices or collection:
callers hand it a `MessageContext` (see `context.py`) and a reference ("action:123") that the
outbox reports back through signals when a message is sent or fails.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from relance.ledger.models import Company, Contact, Customer


class TemplateChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    LETTER = "letter", _("Letter")
    CALL = "call", _("Call script")
    TASK = "task", _("Task instructions")


class SourceFormat(models.TextChoices):
    MARKDOWN = "markdown", _("Markdown")
    HTML = "html", _("Rich text (HTML)")


class MessageTemplate(models.Model):
    """One template in one language: e-mail subject and body, letter body, call script.

    `body_source` is what the user typed (Markdown or rich-text HTML); `body_html` is its sanitised
    rendering (nh3), with the #hashtags still in it. Rendering only substitutes hashtags: no code runs.
    """

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="message_templates")
    code = models.SlugField(max_length=50, help_text=_("The reference used by scenario steps, e.g. 'preventive'."))
    channel = models.CharField(max_length=10, choices=TemplateChannel.choices, default=TemplateChannel.EMAIL)
    language = models.CharField(max_length=8)
    name = models.CharField(max_length=120)
    subject = models.CharField(max_length=250, blank=True)
    body_format = models.CharField(max_length=10, choices=SourceFormat.choices, default=SourceFormat.MARKDOWN)
    body_source = models.TextField()
    body_html = models.TextField(editable=False)
    is_default = models.BooleanField(default=False, help_text=_("Shipped with Relance and not edited since."))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        ordering = ["code", "channel", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "code", "channel", "language"], name="template_unique_per_language"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.channel}, {self.language})"


class InvoicePdfMode(models.TextChoices):
    LINK = "link", _("Link to each invoice PDF")
    ATTACH = "attach", _("Attach the invoice PDFs")
    NONE = "none", _("Neither")


class MailSettings(models.Model):
    """How a company's e-mails leave: sender identity, copies, attachments, link validity."""

    company = models.OneToOneField(Company, on_delete=models.CASCADE, related_name="mail_settings")
    from_name = models.CharField(max_length=120, blank=True, help_text=_("Defaults to the company name."))
    from_email = models.EmailField(blank=True, help_text=_("Defaults to the company e-mail, then DEFAULT_FROM_EMAIL."))
    reply_to_collector = models.BooleanField(default=True, help_text=_("Replies go to the customer's collector."))
    archive_bcc = models.EmailField(blank=True, help_text=_("A blind copy of every e-mail, for the archive."))
    attach_statement_pdf = models.BooleanField(default=True)
    invoice_pdfs = models.CharField(max_length=10, choices=InvoicePdfMode.choices, default=InvoicePdfMode.LINK)
    link_validity_days = models.PositiveSmallIntegerField(default=60)
    max_attachment_bytes = models.PositiveIntegerField(default=10 * 1024 * 1024)

    class Meta:
        verbose_name = _("mail settings")
        verbose_name_plural = _("mail settings")

    def __str__(self) -> str:
        return f"mail settings of {self.company}"


class OutboxStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED_TRANSIENT = "failed_transient", _("Failed, will retry")
    FAILED_PERMANENT = "failed_permanent", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class OutboxMessage(models.Model):
    """An e-mail, stored whole before it leaves. See docs/messaging.md for the sending protocol.

    `phase` records how far the SMTP transaction went while `status` is SENDING: `claimed` (the
    server cannot have the message: safe to send again after a crash) or `committing` (the final
    "." of DATA may have reached the server: never sent again automatically).
    """

    PHASE_CLAIMED = "claimed"
    PHASE_COMMITTING = "committing"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, null=True, blank=True, related_name="emails")
    reference = models.CharField(max_length=60, blank=True, db_index=True, help_text=_("e.g. action:123"))
    template_code = models.CharField(max_length=50, blank=True)
    language = models.CharField(max_length=8, blank=True)
    status = models.CharField(max_length=20, choices=OutboxStatus.choices, default=OutboxStatus.QUEUED)
    phase = models.CharField(max_length=12, blank=True)
    message_id = models.CharField(max_length=250, unique=True)
    from_email = models.CharField(max_length=320)
    to = models.JSONField(default=list)
    cc = models.JSONField(default=list, blank=True)
    bcc = models.JSONField(default=list, blank=True)
    reply_to = models.CharField(max_length=320, blank=True)
    contact_ids = models.JSONField(default=list, blank=True, help_text=_("The contacts the e-mail is addressed to."))
    subject = models.CharField(max_length=500)
    # The text and HTML parts live in OutboxContent (`text` and `html` below read and write them):
    # the sending state of this row changes twice per e-mail, and SQLite rewrites a whole row at
    # every update (20 KB with the parts: most of the cost of each commit while sending).
    headers = models.JSONField(default=dict, blank=True)
    not_before = models.DateTimeField(null=True, blank=True, help_text=_("Not sent before (send window)."))
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=120, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    provider_id = models.CharField(max_length=200, blank=True, db_index=True, help_text=_("The e-mail service's id."))
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    unconfirmed = models.BooleanField(
        default=False, help_text=_("The worker stopped before the server confirmed; considered sent, never resent.")
    )
    events = models.JSONField(default=list, blank=True, help_text=_("Delivery events (bounces, complaints...)."))

    class Meta:
        verbose_name = _("outbox e-mail")
        verbose_name_plural = _("outbox e-mails")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["company", "status"]),
            models.Index(fields=["customer", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.subject} -> {', '.join(self.to)} ({self.status})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        if self.__dict__.pop("_body_dirty", False):
            body = self.body
            body.message = self
            body.save()

    @property
    def body(self) -> OutboxContent:
        """The text and HTML parts (read once, kept on the instance; `select_related("content")`
        loads them with the row)."""
        body = self.__dict__.get("_body")
        if body is None:
            body = None
            if self.pk is not None:
                try:
                    body = self.content
                except OutboxContent.DoesNotExist:
                    body = None
            if body is None:
                body = OutboxContent(text="", html="")
            self.__dict__["_body"] = body
        return body

    @property
    def text(self) -> str:
        return self.body.text

    @text.setter
    def text(self, value: str) -> None:
        self.body.text = value
        self.__dict__["_body_dirty"] = True

    @property
    def html(self) -> str:
        return self.body.html

    @html.setter
    def html(self, value: str) -> None:
        self.body.html = value
        self.__dict__["_body_dirty"] = True


class OutboxContent(models.Model):
    """The parts of an outbox e-mail, written once when it is queued (see OutboxMessage)."""

    message = models.OneToOneField(OutboxMessage, on_delete=models.CASCADE, primary_key=True, related_name="content")
    text = models.TextField()
    html = models.TextField(blank=True)

    class Meta:
        verbose_name = _("outbox e-mail content")
        verbose_name_plural = _("outbox e-mail contents")

    def __str__(self) -> str:
        return f"content of {self.message_id}"


class OutboxAttachment(models.Model):
    message = models.ForeignKey(OutboxMessage, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(max_length=200)
    mimetype = models.CharField(max_length=100, default="application/pdf")
    content = models.BinaryField()

    def __str__(self) -> str:
        return self.filename


class AccessLink(models.Model):
    """A customer's (and contact's) access to their interactive page, served by the portal.

    The URL carries a signed token naming this row and its random key (128 bits); the row says
    until when it is valid and whether it was revoked. Every new e-mail gets a fresh link.
    """

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="access_links")
    contact = models.ForeignKey(Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    key = models.CharField(max_length=43, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.CharField(max_length=200, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    reference = models.CharField(max_length=60, blank=True, help_text=_("What it was sent with, e.g. action:123"))

    class Meta:
        indexes = [models.Index(fields=["customer", "expires_at"])]

    def __str__(self) -> str:
        return f"link for {self.customer} until {self.expires_at:%Y-%m-%d}"
