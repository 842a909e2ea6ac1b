"""Fixtures of the payment tests: a company with an IBAN, two customers with open invoices, links,
and the local stand-in that replaces Stripe (which cannot be reached from here)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
import time
from typing import Any

import pytest

from relance.ledger.selectors import company_today
from relance.messaging.links import issue_link
from relance.payments.tests.stripe_standin import SECRET_KEY, running_standin
from tests.factories import CustomerFactory, InvoiceFactory

WEBHOOK_SECRET = "whsec_relance_test_secret"


@pytest.fixture
def pay_company(company):
    company.legal_name = "Atelier Durand SAS"
    company.iban = "FR7630006000011234567890189"
    company.bic = "AGRIFRPP"
    company.save()
    return company


@pytest.fixture
def today(pay_company) -> dt.date:
    return company_today(pay_company)


def invoice(customer, today: dt.date, number: str, amount: int, *, days_overdue: int, **fields: Any):
    due = today - dt.timedelta(days=days_overdue)
    return InvoiceFactory(
        customer=customer, number=number, issue_date=due - dt.timedelta(days=30), due_date=due, amount=amount, **fields
    )


@pytest.fixture
def customer_a(pay_company, today):
    customer = CustomerFactory(company=pay_company, code="C-00042", name="Client A", language="en")
    invoice(customer, today, "A-001", 1_234_56, days_overdue=40)
    invoice(customer, today, "A-002", 10, days_overdue=10)
    invoice(customer, today, "A-003", 20, days_overdue=-15)  # not yet due
    return customer


@pytest.fixture
def customer_b(pay_company, today):
    customer = CustomerFactory(company=pay_company, code="C-00099", name="Client B", language="en")
    invoice(customer, today, "B-001", 500_00, days_overdue=20)
    return customer


@pytest.fixture
def token_a(customer_a) -> str:
    return issue_link(customer=customer_a)[1]


@pytest.fixture
def token_b(customer_b) -> str:
    return issue_link(customer=customer_b)[1]


@pytest.fixture
def stripe_standin(settings):
    """The stand-in for Stripe's API (Stripe cannot be reached from here), and the settings that
    point the official client at it."""
    with running_standin() as state:
        settings.RELANCE_STRIPE_SECRET_KEY = SECRET_KEY
        settings.RELANCE_STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
        settings.RELANCE_STRIPE_API_BASE = state.url
        settings.RELANCE_PAYMENT_PROVIDERS = ["sepa_transfer", "stripe"]
        yield state


def stripe_signature(payload: str, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """The Stripe-Signature header exactly as Stripe computes it: t=<unix time>,v1=HMAC-SHA256 of
    "<t>.<payload>" keyed with the endpoint secret, in hexadecimal."""
    stamp = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{stamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={stamp},v1={mac}"


def session_event(session: dict[str, Any], kind: str = "checkout.session.completed", **changes: Any) -> str:
    """A Stripe event (as its webhooks post it) for a session, with the session's fields changed."""
    body = {**session, **changes}
    event = {
        "id": f"evt_{secrets.token_hex(12)}",
        "object": "event",
        "api_version": "2025-01-27.acacia",
        "created": int(time.time()),
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": kind,
        "data": {"object": body},
    }
    return json.dumps(event)


def paid(session: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {
        "status": "complete",
        "payment_status": "paid",
        "payment_intent": f"pi_{secrets.token_hex(12)}",
        **changes,
    }
