"""Stripe Checkout through the official `stripe` package.

`create` writes the row, then asks Stripe for a Checkout Session (mode payment, one line for the
selected invoices, the row's id as `client_reference_id` and in the metadata, the portal's return
and cancel pages) and sends the customer to the session's URL. Stripe then posts signed events to
`/payments/stripe/notify/`; `handle_notification` verifies them with `stripe.Webhook.construct_event`
and the endpoint secret before anything else:

    checkout.session.completed (payment_status paid)    -> succeeded: ledger payment, allocations
    checkout.session.async_payment_succeeded            -> succeeded
    checkout.session.async_payment_failed               -> failed
    checkout.session.expired                            -> cancelled
    any other event                                     -> ignored (200, so Stripe does not retry)

Amounts go to Stripe as integers in the currency's minor unit and come back as integers
(`amount_total`); no float is ever involved. Settings: RELANCE_STRIPE_SECRET_KEY,
RELANCE_STRIPE_WEBHOOK_SECRET, RELANCE_STRIPE_API_BASE (another address, for tests only).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import stripe
from django.conf import settings

from relance.core.audit import Actor
from relance.core.money import Money, MoneyError
from relance.payments.models import OnlinePayment
from relance.payments.providers.base import NotificationRejected, PaymentError, PaymentProvider, PaymentStart
from relance.payments.services import (
    online_payment_create,
    online_payment_failed,
    online_payment_pending,
    online_payment_succeeded,
)

if TYPE_CHECKING:
    from django.http import HttpRequest

    from relance.ledger.models import Company, Contact, Customer, Invoice

log = logging.getLogger(__name__)

SESSION_ID_PLACEHOLDER = "{CHECKOUT_SESSION_ID}"  # Stripe puts the session id in the success URL
PRODUCT_NAME_MAX = 250


def stripe_client() -> stripe.StripeClient:
    return stripe.StripeClient(
        settings.RELANCE_STRIPE_SECRET_KEY,
        base_addresses={"api": settings.RELANCE_STRIPE_API_BASE},
        max_network_retries=2,  # safe: every creation carries an idempotency key
    )


def _with_session_id(url: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}session_id={SESSION_ID_PLACEHOLDER}"


def _get(obj: Any, key: str) -> Any:
    """A field of a Stripe object or a plain dict, None when absent."""
    try:
        return obj[key]
    except (KeyError, TypeError):
        return None


class StripeCheckoutProvider(PaymentProvider):
    code = "stripe"
    label = "Card (Stripe)"
    accepts_notifications = True

    def available_for(self, company: Company, currency: str) -> bool:
        return bool(settings.RELANCE_STRIPE_SECRET_KEY)

    def create(
        self,
        *,
        actor: Actor,
        company: Company,
        customer: Customer,
        invoices: Sequence[Invoice],
        amount: Money,
        return_url: str,
        cancel_url: str,
        contact: Contact | None = None,
    ) -> PaymentStart:
        if not self.available_for(company, amount.currency):
            raise PaymentError("Stripe is not configured (RELANCE_STRIPE_SECRET_KEY)")
        online_payment = online_payment_create(
            actor=actor, company=company, customer=customer, contact=contact, provider=self.code,
            invoices=invoices, amount=amount,
        )  # fmt: skip
        numbers = ", ".join(invoice.number for invoice in invoices)
        name = f"{company.name}: {numbers}"
        if len(name) > PRODUCT_NAME_MAX:
            name = name[: PRODUCT_NAME_MAX - 3] + "..."
        params: dict[str, Any] = {
            "mode": "payment",
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": amount.currency.lower(),
                        "unit_amount": amount.minor,
                        "product_data": {"name": name},
                    },
                }
            ],
            "client_reference_id": str(online_payment.pk),
            "metadata": {
                "online_payment_id": str(online_payment.pk),
                "company_id": str(company.pk),
                "customer_code": customer.code[:100],
                "invoices": numbers[:500],
            },
            "payment_intent_data": {"metadata": {"online_payment_id": str(online_payment.pk)}},
            "success_url": _with_session_id(return_url),
            "cancel_url": cancel_url,
        }
        if contact is not None and contact.email:
            params["customer_email"] = contact.email
        try:
            session = stripe_client().v1.checkout.sessions.create(
                params=params,  # type: ignore[arg-type]
                options={"idempotency_key": f"relance-online-payment-{online_payment.pk}"},
            )
        except stripe.StripeError as error:
            log.warning("stripe: session for online payment %s refused: %s", online_payment.pk, error)
            online_payment_failed(
                actor=actor, online_payment_id=online_payment.pk, reason=f"session not created: {error}"[:500]
            )
            raise PaymentError("the card payment could not be started") from error
        online_payment = online_payment_pending(online_payment=online_payment, provider_reference=str(session.id))
        url = _get(session, "url")
        if not url:
            online_payment_failed(actor=actor, online_payment_id=online_payment.pk, reason="session without URL")
            raise PaymentError("the card payment could not be started")
        return PaymentStart(online_payment=online_payment, kind="redirect", redirect_url=str(url))

    def handle_notification(self, request: HttpRequest) -> OnlinePayment | None:
        secret = settings.RELANCE_STRIPE_WEBHOOK_SECRET
        if not secret:
            raise NotificationRejected("RELANCE_STRIPE_WEBHOOK_SECRET is not set")
        payload = request.body
        try:
            event = stripe.Webhook.construct_event(payload, request.headers.get("Stripe-Signature"), secret)
        except stripe.SignatureVerificationError:
            raise NotificationRejected("bad signature") from None
        except ValueError:
            raise NotificationRejected("not a JSON event") from None
        raw = json.loads(payload)  # verified: the stored copy is exactly what Stripe signed
        kind = _get(event, "type")
        session = _get(_get(event, "data"), "object")
        if kind not in HANDLED or session is None:
            return None
        online_payment = self._online_payment(session)
        if online_payment is None:
            return None
        actor = Actor.system("stripe")
        if kind == "checkout.session.expired":
            return online_payment_failed(
                actor=actor, online_payment_id=online_payment.pk, reason="session expired", cancelled=True,
                notification=raw,
            )  # fmt: skip
        if kind == "checkout.session.async_payment_failed":
            return online_payment_failed(
                actor=actor, online_payment_id=online_payment.pk, reason="payment failed", notification=raw
            )
        if kind == "checkout.session.completed" and _get(session, "payment_status") != "paid":
            # Delayed methods (SEPA debit...): completed now, paid (or not) in a later event.
            return online_payment_pending(online_payment=online_payment, provider_reference=str(session["id"]))
        amount_total, currency = _get(session, "amount_total"), _get(session, "currency")
        if not isinstance(amount_total, int) or isinstance(amount_total, bool) or not isinstance(currency, str):
            raise NotificationRejected("session without an integer amount_total and a currency")
        try:
            amount = Money(amount_total, currency.upper())
        except MoneyError:
            raise NotificationRejected("unknown currency") from None
        intent = _get(session, "payment_intent")
        intent_id = intent if isinstance(intent, str) else str(_get(intent, "id") or "")
        return online_payment_succeeded(
            actor=actor, online_payment_id=online_payment.pk, amount=amount, provider_payment_id=intent_id,
            notification=raw,
        )  # fmt: skip

    def _online_payment(self, session: Any) -> OnlinePayment | None:
        """The row a session belongs to; None for a session Relance did not create (no metadata);
        NotificationRejected when the metadata names a row that does not match the session."""
        metadata = _get(session, "metadata") or {}
        row_id = _get(metadata, "online_payment_id") or _get(session, "client_reference_id")
        if not row_id:
            return None
        session_id = str(_get(session, "id") or "")
        try:
            online_payment = OnlinePayment.objects.filter(pk=int(row_id), provider=self.code).first()
        except (TypeError, ValueError):
            raise NotificationRejected("bad online payment id") from None
        if online_payment is None:
            raise NotificationRejected("unknown online payment")
        if online_payment.provider_reference and online_payment.provider_reference != session_id:
            raise NotificationRejected("the session does not belong to this online payment")
        if not online_payment.provider_reference and session_id:
            # The answer to the creation was lost, the notification tells us the session.
            online_payment = online_payment_pending(online_payment=online_payment, provider_reference=session_id)
        return online_payment


HANDLED = frozenset(
    {
        "checkout.session.completed",
        "checkout.session.async_payment_succeeded",
        "checkout.session.async_payment_failed",
        "checkout.session.expired",
    }
)
