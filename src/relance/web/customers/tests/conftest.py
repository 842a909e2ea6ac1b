"""An account worked on by a collector: Atelier Durand (EUR, France) on Friday 6 March 2026.

Dupont & Fils (C-42), Camille's portfolio, tag "key account", contact Alice (accounts payable)
  F-0107  issued 10/01 due 14/02  500.00; 200.00 settled 20/02 -> 300.00 open, 20 days late
  F-0131  issued 25/01 due 26/02  864.20                        -> 8 days late
  F-0158  issued 14/02 due 16/03 1234.56                        -> not due
  AV-0012 credit note                48.00                      -> -48.00
Totals: overdue 1164.20, not due 1234.56, credits -48.00, balance 2350.76

Garage Leroy (C-77), James's portfolio: F-0200 due 04/03 100.00 (2 days late)
Another company's customer (Northwind) to prove it never shows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
import time_machine
from django.test import Client

from relance.accounts.models import User
from relance.collection.models import CollectionSettings
from relance.collection.standard import scenarios_install_standard
from relance.core.audit import Actor
from relance.ledger.models import Contact, Customer, Invoice, Tag
from relance.messaging.services import templates_install_defaults
from tests.factories import CustomerFactory, InvoiceFactory, settle

TODAY = dt.date(2026, 3, 6)
D = dt.date


@dataclass
class Setup:
    company: object
    camille: User
    james: User
    dupont: Customer
    leroy: Customer
    foreign: Customer
    late: Invoice
    later: Invoice
    soon: Invoice
    credit: Invoice
    contact: Contact


@pytest.fixture
def clock():
    with time_machine.travel(dt.datetime(2026, 3, 6, 10, 0, tzinfo=dt.UTC), tick=True) as traveller:
        yield traveller


@pytest.fixture
def setup(company, other_company, member, clock) -> Setup:
    actor = Actor.system("test")
    company.email, company.iban, company.bic = "compta@durand.example", "FR7630006000011234567890189", "AGRIFRPP"
    company.save()
    templates_install_defaults(company=company, actor=actor)
    scenarios_install_standard(company=company, actor=actor)
    CollectionSettings.objects.get_or_create(company=company)
    camille = member(company, "collector", username="camille")
    camille.first_name, camille.last_name = "Camille", "Martin"
    camille.save()
    james = member(company, "collector", username="james")
    key = Tag.objects.create(company=company, name="key account")
    dupont = CustomerFactory(
        company=company, code="C-42", name="Dupont & Fils", language="en", collector=camille, vat_id="FR40303265045"
    )
    dupont.tags.add(key)
    contact = Contact.objects.create(
        company=company,
        customer=dupont,
        name="Alice Payables",
        email="ap@dupont.example",
        is_accounts_payable=True,
        language="en",
    )
    late = InvoiceFactory(
        customer=dupont, number="F-0107", issue_date=D(2026, 1, 10), due_date=D(2026, 2, 14), amount=500_00
    )
    settle(late, 200_00, D(2026, 2, 20))
    later = InvoiceFactory(
        customer=dupont, number="F-0131", issue_date=D(2026, 1, 25), due_date=D(2026, 2, 26), amount=864_20
    )
    soon = InvoiceFactory(
        customer=dupont, number="F-0158", issue_date=D(2026, 2, 14), due_date=D(2026, 3, 16), amount=1234_56
    )
    credit = InvoiceFactory(
        customer=dupont,
        number="AV-0012",
        kind="credit_note",
        amount=48_00,
        issue_date=D(2026, 2, 1),
        due_date=D(2026, 2, 1),
    )
    leroy = CustomerFactory(company=company, code="C-77", name="Garage Leroy", language="fr", collector=james)
    InvoiceFactory(customer=leroy, number="F-0200", issue_date=D(2026, 2, 2), due_date=D(2026, 3, 4), amount=100_00)
    foreign = CustomerFactory(company=other_company, code="NW-1", name="Northwind Buyer")
    InvoiceFactory(
        customer=foreign,
        number="NW-F1",
        issue_date=D(2026, 1, 2),
        due_date=D(2026, 2, 1),
        amount=999_00,
        currency="GBP",
    )
    return Setup(company, camille, james, dupont, leroy, foreign, late, later, soon, credit, contact)


def login(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def as_camille(setup) -> Client:
    return login(setup.camille)


@pytest.fixture
def as_manager(setup, member) -> Client:
    return login(member(setup.company, "credit_manager", username="morgane"))


@pytest.fixture
def as_reader(setup, member) -> Client:
    return login(member(setup.company, "read_only", username="reader"))
