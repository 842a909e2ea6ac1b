"""The providers Relance knows, and which of them a company offers.

`RELANCE_PAYMENT_PROVIDERS` (comma-separated codes, in the order shown) says which are enabled on
the site; each one then says whether it can work for a company and a currency (SEPA: an IBAN and
euros; Stripe: a secret key).
"""

from __future__ import annotations

from django.conf import settings

from relance.ledger.models import Company
from relance.payments.providers.base import PaymentProvider
from relance.payments.providers.sepa import SepaTransferProvider
from relance.payments.providers.stripe_checkout import StripeCheckoutProvider

PROVIDERS: dict[str, type[PaymentProvider]] = {
    SepaTransferProvider.code: SepaTransferProvider,
    StripeCheckoutProvider.code: StripeCheckoutProvider,
}


def get_provider(code: str) -> PaymentProvider | None:
    cls = PROVIDERS.get(code)
    return cls() if cls is not None and code in enabled_codes() else None


def enabled_codes() -> list[str]:
    return [code for code in getattr(settings, "RELANCE_PAYMENT_PROVIDERS", []) if code in PROVIDERS]


def providers_for(company: Company, currency: str | None = None) -> list[PaymentProvider]:
    """The providers a company's customers can use (for a currency: only those that take it)."""
    result = []
    for code in enabled_codes():
        provider = PROVIDERS[code]()
        if provider.available_for(company, currency or company.currency):
            result.append(provider)
    return result
