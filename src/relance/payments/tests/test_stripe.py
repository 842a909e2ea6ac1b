"""Stripe Checkout, end to end through the official `stripe` package.

Stripe's API cannot be reached from here: the session is created against a LOCAL STAND-IN HTTP
server (`stripe_standin.py`, a threaded http.server on 127.0.0.1 answering
`POST /v1/checkout/sessions`) that replaces Stripe. The webhook payloads are signed in the test
with the endpoint secret exactly as Stripe signs them (`t=<time>,v1=<HMAC-SHA256>`) and verified by
the production code with `stripe.Webhook.construct_event`.
"""

from __future__ import annotations

import json
import time

import pytest
from django.urls import reverse

from relance.core.audit import Actor
from relance.core.models import AuditEvent
from relance.ledger.models import Allocation, Payment, PaymentMethod
from relance.ledger.selectors import company_today, customer_statement
from relance.payments.models import OnlinePayment, OnlinePaymentStatus
from relance.payments.selectors import in_transit_invoice_ids
from relance.payments.services import OnlinePaymentError, online_payment_confirm
from relance.payments.tests.conftest import paid, session_event, stripe_signature

pytestmark = pytest.mark.django_db

NOTIFY = "/payments/stripe/notify/"


def start_card_payment(client, token, customer, numbers):
    ids = list(customer.invoices.filter(number__in=numbers).values_list("pk", flat=True))
    return client.post(reverse("portal:pay", args=[token]), {"invoice": ids, "provider": "stripe"})


def post_event(client, payload: str, signature: str | None = None):
    headers = {"HTTP_STRIPE_SIGNATURE": signature if signature is not None else stripe_signature(payload)}
    return client.post(NOTIFY, data=payload, content_type="application/json", **headers)


def test_session_created_on_the_stand_in(client, stripe_standin, token_a, customer_a):
    response = start_card_payment(client, token_a, customer_a, ["A-001", "A-002"])
    assert response.status_code == 303
    row = OnlinePayment.objects.get()
    session = stripe_standin.sessions[row.provider_reference]
    assert response["Location"] == session["url"]
    assert (row.provider, row.status, row.amount, row.currency) == ("stripe", "pending", 1_234_66, "EUR")
    [request] = stripe_standin.requests
    params = request["params"]
    assert request["path"] == "/v1/checkout/sessions"
    assert request["headers"]["Idempotency-Key"] == f"relance-online-payment-{row.pk}"
    assert params["mode"] == "payment"
    assert params["client_reference_id"] == str(row.pk)
    assert params["metadata"]["online_payment_id"] == str(row.pk)
    assert params["metadata"]["invoices"] == "A-001, A-002"
    line = params["line_items"][0]
    assert line["price_data"]["unit_amount"] == "123466"  # integer minor units on the wire
    assert line["price_data"]["currency"] == "eur"
    assert line["quantity"] == "1"
    token_path = reverse("portal:pay_return", args=[token_a])
    assert params["success_url"].endswith(f"{token_path}?session_id={{CHECKOUT_SESSION_ID}}")
    assert params["cancel_url"].endswith(reverse("portal:pay_cancel", args=[token_a]))
    assert AuditEvent.objects.filter(code="payments.online.created").count() == 1


def test_provider_refusal_marks_the_payment_failed(client, stripe_standin, token_a, customer_a):
    stripe_standin.fail_next = True
    response = start_card_payment(client, token_a, customer_a, ["A-001"])
    assert response.status_code == 400
    assert "could not be started" in response.content.decode()
    row = OnlinePayment.objects.get()
    assert row.status == OnlinePaymentStatus.FAILED
    assert AuditEvent.objects.filter(code="payments.online.failed").count() == 1


def test_signed_webhook_records_one_payment_and_allocates_it(client, stripe_standin, token_a, customer_a):
    start_card_payment(client, token_a, customer_a, ["A-002", "A-001"])
    row = OnlinePayment.objects.get()
    payload = session_event(stripe_standin.sessions[row.provider_reference], **paid({}))
    intent = json.loads(payload)["data"]["object"]["payment_intent"]

    first = post_event(client, payload)
    assert first.status_code == 200, first.content
    again = post_event(client, payload)  # Stripe delivers at least once
    assert again.status_code == 200

    payment = Payment.objects.get()
    today = company_today(customer_a.company)
    assert (payment.amount, payment.currency, payment.method, payment.date) == (
        1_234_66,
        "EUR",
        PaymentMethod.CARD,
        today,
    )
    assert payment.external_ref == intent
    assert payment.reference == row.provider_reference
    allocations = list(Allocation.objects.order_by("invoice__due_date").values_list("invoice__number", "amount"))
    assert allocations == [("A-001", 1_234_56), ("A-002", 10)]  # oldest first, each in full
    row.refresh_from_db()
    assert row.status == OnlinePaymentStatus.SUCCEEDED
    assert row.payment == payment
    assert row.last_notification["type"] == "checkout.session.completed"
    assert AuditEvent.objects.filter(code="payments.online.succeeded").count() == 1
    ids = set(customer_a.invoices.filter(number__in=["A-001", "A-002"]).values_list("pk", flat=True))
    assert in_transit_invoice_ids(customer_a) == ids
    statement = customer_statement(company=customer_a.company, customer=customer_a, as_of=today)
    assert [item.number for item in statement.items] == ["A-003"]

    # The bank statement confirms it later: no longer in transit, still one payment.
    confirmed = online_payment_confirm(actor=Actor.system("bank"), online_payment=row, bank_reference="STMT-1")
    assert confirmed.status == OnlinePaymentStatus.CONFIRMED
    assert in_transit_invoice_ids(customer_a) == set()
    assert online_payment_confirm(actor=Actor.system("bank"), online_payment=row).status == "confirmed"
    assert AuditEvent.objects.filter(code="payments.online.confirmed").count() == 1
    assert post_event(client, payload).status_code == 200
    assert Payment.objects.count() == 1


def test_paid_amount_is_allocated_oldest_first_never_above_open(client, stripe_standin, token_a, customer_a):
    """An invoice settled in the meantime keeps nothing; what is left stays an unapplied credit."""
    start_card_payment(client, token_a, customer_a, ["A-001", "A-002", "A-003"])
    row = OnlinePayment.objects.get()
    assert row.amount == 1_234_86
    a002 = customer_a.invoices.get(number="A-002")
    from tests.factories import settle

    settle(a002, 10, company_today(customer_a.company))  # paid by other means meanwhile
    payload = session_event(stripe_standin.sessions[row.provider_reference], **paid({}))
    assert post_event(client, payload).status_code == 200
    allocations = dict(Allocation.objects.filter(payment__isnull=False).values_list("invoice__number", "amount"))
    assert allocations == {"A-001": 1_234_56, "A-003": 20}
    event = AuditEvent.objects.get(code="payments.online.succeeded")
    assert event.data["unallocated"] == 10
    assert isinstance(event.data["amount"], int)


def test_bad_signature_is_refused_and_records_nothing(client, stripe_standin, token_a, customer_a):
    start_card_payment(client, token_a, customer_a, ["A-001"])
    row = OnlinePayment.objects.get()
    payload = session_event(stripe_standin.sessions[row.provider_reference], **paid({}))
    tampered = payload.replace('"amount_total": 123456', '"amount_total": 1')
    assert tampered != payload
    refused = [
        post_event(client, payload, stripe_signature(payload, secret="whsec_wrong")),
        post_event(client, tampered, stripe_signature(payload)),
        post_event(client, payload, ""),
        post_event(client, payload, "t=1,v1=deadbeef"),
        post_event(client, payload, stripe_signature(payload, timestamp=int(time.time()) - 3600)),  # replayed
    ]
    assert [r.status_code for r in refused] == [400] * 5
    assert Payment.objects.count() == 0
    assert Allocation.objects.count() == 0
    row.refresh_from_db()
    assert row.status == OnlinePaymentStatus.PENDING
    assert not AuditEvent.objects.filter(code="payments.online.succeeded").exists()


def test_webhook_is_post_only_and_needs_no_csrf_token(stripe_standin):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.get(NOTIFY).status_code == 405
    payload = json.dumps({"id": "evt_1", "object": "event", "type": "customer.created", "data": {"object": {}}})
    response = strict.post(
        NOTIFY, payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=stripe_signature(payload)
    )
    assert response.status_code == 200  # genuine but nothing to do: ignored, so Stripe does not retry
    assert strict.post("/payments/paypal/notify/", "{}", content_type="application/json").status_code == 400
    assert strict.post("/payments/sepa_transfer/notify/", "{}", content_type="application/json").status_code == 400


def test_unknown_online_payment_is_refused(client, stripe_standin):
    session = {"id": "cs_test_x", "object": "checkout.session", "metadata": {"online_payment_id": "999999"},
               "amount_total": 100, "currency": "eur"}  # fmt: skip
    payload = session_event(session, **paid({}))
    assert post_event(client, payload).status_code == 400
    assert Payment.objects.count() == 0


def test_session_of_another_payment_is_refused(client, stripe_standin, token_a, customer_a, token_b, customer_b):
    start_card_payment(client, token_a, customer_a, ["A-001"])
    start_card_payment(client, token_b, customer_b, ["B-001"])
    row_a, row_b = OnlinePayment.objects.order_by("id")
    # A session of B's payment that claims to be A's row.
    session = dict(stripe_standin.sessions[row_b.provider_reference], metadata={"online_payment_id": str(row_a.pk)})
    assert post_event(client, session_event(session, **paid({}))).status_code == 400
    assert Payment.objects.count() == 0


def test_expired_session_cancels_and_a_failed_one_fails(client, stripe_standin, token_a, customer_a):
    start_card_payment(client, token_a, customer_a, ["A-001"])
    start_card_payment(client, token_a, customer_a, ["A-002"])
    first, second = OnlinePayment.objects.order_by("id")
    expired = session_event(stripe_standin.sessions[first.provider_reference], kind="checkout.session.expired")
    failed = session_event(
        stripe_standin.sessions[second.provider_reference], kind="checkout.session.async_payment_failed"
    )
    assert post_event(client, expired).status_code == 200
    assert post_event(client, failed).status_code == 200
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (OnlinePaymentStatus.CANCELLED, OnlinePaymentStatus.FAILED)
    assert AuditEvent.objects.filter(code="payments.online.failed").count() == 2
    assert Payment.objects.count() == 0
    with pytest.raises(OnlinePaymentError):
        online_payment_confirm(actor=Actor.system("bank"), online_payment=first)


def test_completed_but_unpaid_waits_for_the_async_result(client, stripe_standin, token_a, customer_a):
    start_card_payment(client, token_a, customer_a, ["A-001"])
    row = OnlinePayment.objects.get()
    session = stripe_standin.sessions[row.provider_reference]
    assert post_event(client, session_event(session, status="complete", payment_status="unpaid")).status_code == 200
    assert Payment.objects.count() == 0
    later = session_event(session, kind="checkout.session.async_payment_succeeded", **paid({}))
    assert post_event(client, later).status_code == 200
    assert Payment.objects.get().amount == 1_234_56


def test_return_page_says_received_and_being_confirmed(client, stripe_standin, token_a, customer_a, token_b):
    start_card_payment(client, token_a, customer_a, ["A-001"])
    row = OnlinePayment.objects.get()
    url = reverse("portal:pay_return", args=[token_a])
    pending = client.get(url, {"session_id": row.provider_reference})
    assert pending.status_code == 200
    assert "Payment received, being confirmed" in pending.content.decode()
    post_event(client, session_event(stripe_standin.sessions[row.provider_reference], **paid({})))
    done = client.get(url, {"session_id": row.provider_reference}).content.decode()
    assert "€1,234.56" in done
    assert "paid in transit" in done
    # Another customer's link never shows this payment.
    other = client.get(reverse("portal:pay_return", args=[token_b]), {"session_id": row.provider_reference})
    assert other.status_code == 404
    cancel = client.get(reverse("portal:pay_cancel", args=[token_a]))
    assert "nothing was charged" in cancel.content.decode()
