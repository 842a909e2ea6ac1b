"""Delivery webhooks of e-mail services (anymail): real Postmark payloads posted to anymail's view."""

from __future__ import annotations

import base64
import json

import pytest

from relance.core.models import AuditEvent
from relance.ledger.models import Contact
from relance.messaging.models import OutboxStatus
from relance.messaging.signals import message_failed
from relance.messaging.tests.test_sending import queue, refresh
from tests.factories import CustomerFactory

URL = "/anymail/postmark/tracking/"
SECRET = "relance-hooks:s3cret-Passw0rd"


def auth(secret: str = SECRET) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(secret.encode()).decode()}


def bounce(message_id: str, email: str, **extra) -> dict:
    """A Postmark bounce webhook, as documented by Postmark (fields and values of their example)."""
    return {
        "RecordType": "Bounce",
        "ID": 4323372036854775807,
        "Type": "HardBounce",
        "TypeCode": 1,
        "Name": "Hard bounce",
        "Tag": "reminder",
        "MessageID": message_id,
        "Metadata": {},
        "ServerID": 23,
        "MessageStream": "outbound",
        "Description": "The server was unable to deliver your message (ex: unknown user, mailbox not found).",
        "Details": "smtp;550 5.1.1 The email account that you tried to reach does not exist.",
        "Email": email,
        "From": "factures@durand.example",
        "BouncedAt": "2026-11-24T16:33:54.9070259Z",
        "DumpAvailable": True,
        "Inactive": True,
        "CanActivate": True,
        "Subject": "Relevé de compte",
        **extra,
    }


def delivery(message_id: str, email: str, metadata: dict) -> dict:
    return {
        "RecordType": "Delivery",
        "ServerID": 23,
        "MessageStream": "outbound",
        "MessageID": message_id,
        "Recipient": email,
        "Tag": "reminder",
        "DeliveredAt": "2026-11-24T16:30:12.0000000Z",
        "Details": "Test delivery webhook details",
        "Metadata": metadata,
    }


@pytest.fixture
def hooks(settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET}


@pytest.fixture
def failures():
    seen = []
    message_failed.connect(lambda sender, **kw: seen.append(kw), weak=False, dispatch_uid="webhook-test")
    yield seen
    message_failed.disconnect(dispatch_uid="webhook-test")


@pytest.mark.django_db
def test_a_hard_bounce_fails_the_message_marks_the_contact_and_signals(client, hooks, company, failures):
    customer = CustomerFactory(company=company)
    contact = Contact.objects.create(company=company, customer=customer, email="ap@dupont.example")
    row = queue(company, customer, to=["AP <ap@dupont.example>"], contacts=[contact], status=OutboxStatus.SENT,
                provider_id="883953f4-6105-42a2-a16a-77a8eac79483")  # fmt: skip

    response = client.post(
        URL, json.dumps(bounce(row.provider_id, "ap@dupont.example")), content_type="application/json", **auth()
    )

    assert response.status_code == 200
    row = refresh(row)
    assert row.status == OutboxStatus.FAILED_PERMANENT
    assert row.last_error.startswith("bounced:")
    assert "does not exist" in row.last_error
    [event] = row.events
    assert (event["event"], event["recipient"], event["esp"]) == ("bounced", "ap@dupont.example", "Postmark")
    contact.refresh_from_db()
    assert contact.email_failed_at is not None
    assert contact.email_failed_reason.startswith("bounced")
    [failed] = failures
    assert failed["permanent"] is True
    assert failed["addresses"] == ["ap@dupont.example"]
    assert failed["message"].pk == row.pk
    assert AuditEvent.objects.filter(code="messaging.email.failed", object_id=str(row.pk)).exists()

    # Postmark retries a webhook it thinks failed: the same event is recorded once.
    client.post(
        URL, json.dumps(bounce(row.provider_id, "ap@dupont.example")), content_type="application/json", **auth()
    )
    assert len(refresh(row).events) == 1


@pytest.mark.django_db
def test_a_delivery_is_recorded_on_the_row_found_by_our_metadata(client, hooks, company, failures):
    row = queue(company, status=OutboxStatus.SENT)
    payload = delivery("another-id", row.to[0], {"relance_outbox": str(row.uuid)})
    assert client.post(URL, json.dumps(payload), content_type="application/json", **auth()).status_code == 200
    row = refresh(row)
    assert row.status == OutboxStatus.SENT
    assert [e["event"] for e in row.events] == ["delivered"]
    assert failures == []


@pytest.mark.django_db
def test_a_complaint_found_by_message_id(client, hooks, company, failures):
    row = queue(company, status=OutboxStatus.SENT)
    payload = bounce(row.message_id.strip("<>"), "ap@dupont.example", RecordType="SpamComplaint", Type="SpamComplaint")
    client.post(URL, json.dumps(payload), content_type="application/json", **auth())
    assert refresh(row).status == OutboxStatus.FAILED_PERMANENT
    assert refresh(row).events[0]["event"] == "complained"


@pytest.mark.django_db
def test_an_unknown_message_is_ignored_and_a_wrong_secret_refused(client, hooks, company):
    row = queue(company, status=OutboxStatus.SENT, provider_id="known")
    ok = client.post(URL, json.dumps(bounce("unknown", "x@y.example")), content_type="application/json", **auth())
    assert ok.status_code == 200
    refused = client.post(
        URL, json.dumps(bounce("known", "x@y.example")), content_type="application/json", **auth("relance-hooks:wrong")
    )
    assert refused.status_code == 400
    assert refresh(row).status == OutboxStatus.SENT
