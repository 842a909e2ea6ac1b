"""A supplier with a collector, a customer with a contact and open items, and its page's link."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
import time_machine
from django.core.cache import cache

from relance.accounts.models import User
from relance.collection.models import CollectionSettings
from relance.ledger.models import Contact, Customer, Invoice, Membership
from relance.messaging.links import issue_link
from relance.messaging.models import AccessLink
from relance.messaging.services import templates_install_defaults
from tests.factories import CustomerFactory, InvoiceFactory, settle

TODAY = dt.date(2026, 3, 6)


@dataclass
class Account:
    customer: Customer
    contact: Contact
    collector: User
    late: Invoice
    soon: Invoice
    credit: Invoice
    link: AccessLink
    token: str

    @property
    def url(self) -> str:
        return f"/p/{self.token}/"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def clock():
    with time_machine.travel(dt.datetime(2026, 3, 6, 10, 0, tzinfo=dt.UTC), tick=True) as traveller:
        yield traveller


def make_account(company, actor, *, code="C-42", name="Dupont & Fils", language="en", email="ap@dupont.example"):
    templates_install_defaults(company=company, actor=actor)
    CollectionSettings.objects.get_or_create(company=company)
    collector = User.objects.create_user(
        f"camille-{code.lower()}", password="x-very-long-password", first_name="Camille", last_name="Martin",
        email=f"camille-{code.lower()}@durand.example", phone="+33 1 23 45 67 89",
    )  # fmt: skip
    Membership.objects.create(user=collector, company=company, role="collector")
    customer = CustomerFactory(company=company, code=code, name=name, language=language, collector=collector)
    contact = Contact.objects.create(company=company, customer=customer, name="Alice Payables", email=email,
                                     is_accounts_payable=True, language=language)  # fmt: skip
    late = InvoiceFactory(customer=customer, number=f"{code}-LATE", issue_date=dt.date(2026, 1, 10),
                          due_date=dt.date(2026, 2, 14), amount=50000)  # fmt: skip
    settle(late, 20000, dt.date(2026, 2, 20))
    soon = InvoiceFactory(customer=customer, number=f"{code}-SOON", issue_date=dt.date(2026, 2, 14),
                          due_date=dt.date(2026, 3, 16), amount=123456)  # fmt: skip
    credit = InvoiceFactory(customer=customer, number=f"{code}-CN", kind="credit_note", amount=1000,
                            issue_date=dt.date(2026, 2, 1), due_date=dt.date(2026, 2, 1))  # fmt: skip
    link, token = issue_link(customer=customer, contact=contact, days=60)
    return Account(customer, contact, collector, late, soon, credit, link, token)


@pytest.fixture
def account(company, actor, clock):
    company.iban, company.bic, company.email = "FR7630006000011234567890189", "AGRIFRPP", "compta@durand.example"
    company.legal_name = "Atelier Durand SAS"
    company.save()
    return make_account(company, actor)


@pytest.fixture
def other_account(other_company, actor, clock):
    return make_account(other_company, actor, code="NW-7", name="Northwind Buyer", email="ap@northwind.example")
