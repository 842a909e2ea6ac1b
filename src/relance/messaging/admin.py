"""Admin pages for messaging: templates are checked on save; the outbox and links are read-only."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from relance.messaging.models import AccessLink, MailSettings, MessageTemplate, OutboxMessage, TemplateChannel
from relance.messaging.render import TemplateError, compile_template


class MessageTemplateForm(forms.ModelForm):
    class Meta:
        model = MessageTemplate
        fields = ["company", "code", "channel", "language", "name", "subject", "body_format", "body_source"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("channel") == TemplateChannel.EMAIL and not (data.get("subject") or "").strip():
            self.add_error("subject", "An e-mail template needs a subject.")
        try:
            compiled = compile_template(
                subject=data.get("subject") or "",
                body_source=data.get("body_source") or "",
                body_format=data.get("body_format") or "markdown",
            )
        except TemplateError as error:
            raise forms.ValidationError(str(error)) from None
        self.instance.body_html = compiled.body_html
        self.instance.is_default = False
        return data


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    form = MessageTemplateForm
    list_display = ["code", "channel", "language", "name", "company", "is_default", "updated_at"]
    list_filter = ["company", "channel", "language", "is_default"]
    search_fields = ["code", "name", "subject"]


@admin.register(MailSettings)
class MailSettingsAdmin(admin.ModelAdmin):
    list_display = ["company", "from_email", "attach_statement_pdf", "invoice_pdfs", "link_validity_days"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "company", "customer", "subject", "status", "unconfirmed", "sent_at", "attempts"]
    list_filter = ["status", "company", "unconfirmed"]
    search_fields = ["subject", "message_id", "reference", "customer__code", "customer__name"]
    date_hierarchy = "created_at"


@admin.register(AccessLink)
class AccessLinkAdmin(ReadOnlyAdmin):
    list_display = ["customer", "contact", "created_at", "expires_at", "revoked_at", "last_used_at", "reference"]
    list_filter = ["company"]
    search_fields = ["customer__code", "customer__name", "reference"]
    exclude = ["key"]  # the key is the secret part of the link: never shown
