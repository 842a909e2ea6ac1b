"""The pay page of the customer's portal: choose items and a means of payment, then pay.

    GET  p/<token>/pay/            the customer's open invoices (overdue ones ticked) and the providers
    POST p/<token>/pay/            start the payment: a redirect to the provider (card), or the
                                   transfer instructions with the EPC QR code (SEPA)
    GET  p/<token>/pay/return/     back from the provider: "payment received, being confirmed"
    GET  p/<token>/pay/cancel/     back from the provider without paying

Only the link's customer's own open invoices can be selected and the amount is computed from the
ledger, never read from the form (see payments.checkout). The provider's notification, not the
return page, records the payment.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from relance.core.audit import Actor
from relance.core.models import ActorKind
from relance.core.money import Money
from relance.documents.payment_qr import format_iban, format_reference
from relance.ledger.selectors import company_today
from relance.messaging.links import base_url
from relance.messaging.models import AccessLink
from relance.payments.checkout import start_online_payment
from relance.payments.models import OnlinePaymentStatus
from relance.payments.providers import providers_for
from relance.payments.providers.base import PaymentError, PaymentStart
from relance.payments.selectors import in_transit_payments, online_payment_for, payable_items
from relance.portal.views import with_link

PROVIDER_LABELS = {
    "sepa_transfer": gettext_lazy("Bank transfer (SEPA) with a QR code"),
    "stripe": gettext_lazy("Card"),
}


def _actor(link: AccessLink) -> Actor:
    contact = link.contact
    who = (contact.name or contact.email) if contact is not None else ""
    return Actor(kind=ActorKind.CUSTOMER, label=f"{who or link.customer.name} (portal)")


def _language() -> str:
    return (translation.get_language() or "en")[:2]


def _token(request: HttpRequest) -> str:
    match = request.resolver_match
    return str(match.kwargs["token"]) if match is not None else ""


def _pay_context(link: AccessLink, selected: set[int] | None) -> dict[str, Any]:
    language = _language()
    company, customer = link.company, link.customer
    items = payable_items(company=company, customer=customer, as_of=company_today(company))
    if selected is None:  # first visit: the overdue items, or everything when nothing is overdue
        selected = {item.item_id for item in items if item.is_overdue} or {item.item_id for item in items}
    totals: dict[str, Money] = {}
    for item in items:
        if item.item_id in selected:
            currency = item.open_amount.currency
            totals[currency] = totals.get(currency, Money.zero(currency)) + item.open_amount
    currencies = {item.open_amount.currency for item in items} or {company.currency}
    codes: dict[str, str] = {}
    for currency in sorted(currencies):
        for provider in providers_for(company, currency):
            codes.setdefault(provider.code, str(PROVIDER_LABELS.get(provider.code, provider.label)))
    return {
        "link": link,
        "rows": [
            {
                "item": item,
                "checked": item.item_id in selected,
                "open": item.open_amount.format(language),
                "amount": item.amount.format(language),
            }
            for item in items
        ],
        "selected_totals": [money.format(language) for money in totals.values()],
        "providers": list(codes.items()),
        "in_transit": [
            {"payment": p, "amount": p.money.format(language), "invoices": [i.number for i in p.invoices.all()]}
            for p in in_transit_payments(customer)
        ],
    }


def _instructions_context(start: PaymentStart) -> dict[str, Any]:
    instructions = start.instructions
    assert instructions is not None
    return {
        "beneficiary": instructions.beneficiary,
        "iban": format_iban(instructions.iban),
        "bic": instructions.bic,
        "amount": instructions.amount.format(_language()),
        "reference": format_reference(instructions.reference),
        # segno's SVG holds only the modules' path and a title made of the RF reference (letters and
        # digits, validated by ISO 11649): no text typed by anyone reaches it.
        "qr_svg": mark_safe(instructions.qr_svg()),  # noqa: S308
    }


@require_http_methods(["GET", "POST"])
@with_link
def pay(request: HttpRequest, link: AccessLink) -> HttpResponseBase:
    if request.method != "POST":
        return render(request, "portal/pay.html", _pay_context(link, None))
    selected: set[int] = set()
    for value in request.POST.getlist("invoice"):
        if value.isdigit():
            selected.add(int(value))
    provider = request.POST.get("provider", "")
    token = _token(request)
    error = ""
    if not selected:
        error = _("Select at least one invoice to pay.")
    elif not provider:
        error = _("Choose a means of payment.")
    else:
        try:
            start = start_online_payment(
                actor=_actor(link), company=link.company, customer=link.customer, contact=link.contact,
                provider_code=provider, invoice_ids=selected,
                return_url=f"{base_url()}{reverse('portal:pay_return', args=[token])}",
                cancel_url=f"{base_url()}{reverse('portal:pay_cancel', args=[token])}",
            )  # fmt: skip
        except PaymentError as exc:
            error = {
                "payments.selection": _("This selection cannot be paid online: choose open invoices in one currency."),
            }.get(exc.code, _("The payment could not be started. Please try again later or pay by bank transfer."))
        else:
            if start.kind == "redirect":
                return HttpResponseRedirect(start.redirect_url, status=303)
            context = _pay_context(link, selected)
            context.update(instructions=_instructions_context(start), online_payment=start.online_payment)
            return render(request, "portal/pay.html", context)
    context = _pay_context(link, selected)
    context["error"] = error
    return render(request, "portal/pay.html", context, status=400)


def _done(request: HttpRequest, link: AccessLink, outcome: str) -> HttpResponseBase:
    """The provider sends the customer back with its session id (Stripe: ?session_id=cs_...)."""
    session_id = request.GET.get("session_id", "")
    online_payment = online_payment_for(link.customer, session_id) if session_id else None
    if session_id and online_payment is None:
        raise Http404("No such payment on this account.")
    context: dict[str, Any] = {"link": link, "outcome": outcome, "online_payment": online_payment}
    if online_payment is not None:
        context["amount"] = online_payment.money.format(_language())
        context["paid"] = online_payment.status in (OnlinePaymentStatus.SUCCEEDED, OnlinePaymentStatus.CONFIRMED)
        context["failed"] = online_payment.status in (OnlinePaymentStatus.FAILED, OnlinePaymentStatus.CANCELLED)
        context["invoices"] = [invoice.number for invoice in online_payment.invoices.all()]
    return render(request, "portal/pay_done.html", context)


@require_GET
@with_link
def pay_return(request: HttpRequest, link: AccessLink) -> HttpResponseBase:
    return _done(request, link, "return")


@require_GET
@with_link
def pay_cancel(request: HttpRequest, link: AccessLink) -> HttpResponseBase:
    return _done(request, link, "cancel")
