"""Starting an online payment from the customer's selection (what the portal's pay page calls).

The amount is never taken from the browser: it is the sum of what the ledger says is still open
on the selected invoices today, and only the customer's own open invoices can be selected.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from relance.core.audit import Actor
from relance.core.money import Money
from relance.ledger.models import Company, Contact, Customer, Invoice
from relance.ledger.selectors import OpenItem, company_today
from relance.payments.providers import get_provider, providers_for
from relance.payments.providers.base import PaymentError, PaymentStart
from relance.payments.selectors import payable_items


class SelectionError(PaymentError):
    code = "payments.selection"


@dataclass(frozen=True, slots=True)
class Selection:
    items: list[OpenItem]
    amount: Money


def select(*, company: Company, customer: Customer, invoice_ids: Collection[int]) -> Selection:
    """The selected items among the customer's payable ones; refuses anything else."""
    wanted = set(invoice_ids)
    if not wanted:
        raise SelectionError("select at least one invoice")
    items = payable_items(company=company, customer=customer, as_of=company_today(company))
    chosen = [item for item in items if item.item_id in wanted]
    if len(chosen) != len(wanted):
        raise SelectionError("an invoice selected is not open on this account")
    currencies = {item.open_amount.currency for item in chosen}
    if len(currencies) != 1:
        raise SelectionError("select invoices in one currency")
    amount = Money.zero(currencies.pop())
    for item in chosen:
        amount += item.open_amount
    return Selection(items=chosen, amount=amount)


def start_online_payment(
    *,
    actor: Actor,
    company: Company,
    customer: Customer,
    provider_code: str,
    invoice_ids: Collection[int],
    return_url: str,
    cancel_url: str,
    contact: Contact | None = None,
) -> PaymentStart:
    selection = select(company=company, customer=customer, invoice_ids=invoice_ids)
    provider = get_provider(provider_code)
    if provider is None or provider.code not in {p.code for p in providers_for(company, selection.amount.currency)}:
        raise SelectionError("this means of payment is not available")
    invoices = list(
        Invoice.objects.filter(pk__in=[item.item_id for item in selection.items], company=company, customer=customer)
    )
    return provider.create(
        actor=actor, company=company, customer=customer, contact=contact, invoices=invoices,
        amount=selection.amount, return_url=return_url, cancel_url=cancel_url,
    )  # fmt: skip
