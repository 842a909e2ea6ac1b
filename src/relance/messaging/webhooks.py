"""Delivery events from e-mail services (django-anymail's tracking webhooks) on the outbox rows.

config/urls.py mounts this module under /anymail/: its URL patterns are anymail's own (one
tracking URL per service, e.g. /anymail/postmark/tracking/, /anymail/mailgun/tracking/, protected
by the HTTP basic auth of ANYMAIL["WEBHOOK_SECRET"]), and importing it connects the receiver.

An event finds its row by our metadata (`relance_outbox` = the row's uuid, sent with every
message through anymail), by the service's message id (`provider_id`), or by the Message-ID.
It is appended to the row's `events` (once: services retry webhooks). A bounce, a rejection or a
complaint marks the row FAILED_PERMANENT, the ledger contacts with that address as failing, and
sends `message_failed(permanent=True)`; other events (delivered, opened...) are only recorded.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from anymail.signals import AnymailTrackingEvent, tracking
from anymail.urls import app_name as anymail_app_name
from anymail.urls import urlpatterns as anymail_urlpatterns
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone

from relance.core.audit import Actor, record
from relance.messaging.models import OutboxMessage, OutboxStatus
from relance.messaging.sending import mark_contacts_failed
from relance.messaging.signals import message_failed

logger = logging.getLogger(__name__)

FAILING_EVENTS = frozenset({"bounced", "rejected", "complained"})

app_name = anymail_app_name
urlpatterns = anymail_urlpatterns


def find_message(event: AnymailTrackingEvent) -> OutboxMessage | None:
    rows = OutboxMessage.objects.select_related("company", "customer")
    ours = (event.metadata or {}).get("relance_outbox")
    if ours:
        try:
            found = rows.filter(uuid=uuid.UUID(str(ours))).first()
        except ValueError:
            found = None
        if found is not None:
            return found
    message_id = str(event.message_id or "").strip()
    if not message_id:
        return None
    found = rows.filter(provider_id=message_id).first()
    if found is None:
        bracketed = message_id if message_id.startswith("<") else f"<{message_id}>"
        found = rows.filter(message_id=bracketed).first()
    return found


def delivery_event_record(*, event: AnymailTrackingEvent, esp_name: str, actor: Actor | None = None) -> bool:
    """Record one tracking event on its row. Returns False when no row matches (logged, ignored)."""
    actor = actor or Actor.system(f"webhook {esp_name}")
    found = find_message(event)
    if found is None:
        logger.info("%s %s event for an unknown message %r", esp_name, event.event_type, event.message_id)
        return False
    now = timezone.now()
    with transaction.atomic():
        locked = OutboxMessage.objects.select_for_update(of=("self",))
        row = locked.select_related("company", "customer").get(pk=found.pk)
        if event.event_id and any(e.get("event_id") == event.event_id for e in row.events):
            return True  # the service sent it again
        reason = " ".join(
            str(part) for part in (event.reject_reason, event.description, event.mta_response) if part
        ) or str(event.event_type)
        entry: dict[str, Any] = {
            "at": (event.timestamp or now).isoformat(),
            "event": str(event.event_type),
            "detail": reason[:1000],
            "recipient": event.recipient or "",
            "esp": esp_name,
            "event_id": event.event_id or "",
        }
        row.events = [*row.events, entry]
        update = ["events"]
        failing = event.event_type in FAILING_EVENTS
        if failing:
            row.status, row.phase, row.last_error = (
                OutboxStatus.FAILED_PERMANENT,
                "",
                f"{event.event_type}: {reason}"[:2000],
            )
            update += ["status", "phase", "last_error"]
        row.save(update_fields=update)
        if not failing:
            return True
        addresses = [event.recipient] if event.recipient else []
        mark_contacts_failed(row, addresses, f"{event.event_type}: {reason}", now)
        record(
            actor=actor,
            code="messaging.email.failed",
            company=row.company,
            customer=row.customer,
            obj=row,
            data={
                "subject": row.subject, "to": list(row.to), "message_id": row.message_id, "permanent": True,
                "reason": reason[:500], "addresses": addresses, "event": str(event.event_type), "esp": esp_name,
            },
        )  # fmt: skip
        try:
            with transaction.atomic():
                message_failed.send(
                    sender=OutboxMessage, message=row, permanent=True, reason=f"{event.event_type}: {reason}",
                    addresses=addresses,
                )  # fmt: skip
        except Exception:
            logger.exception("a receiver of message_failed failed for outbox message %s", row.pk)
    return True


@receiver(tracking, dispatch_uid="relance.messaging.webhooks.on_tracking")
def on_tracking(sender: object, event: AnymailTrackingEvent, esp_name: str, **_: object) -> None:
    delivery_event_record(event=event, esp_name=esp_name)
