"""Fixtures of the document tests: a fully described company, a customer and a statement."""

from __future__ import annotations

import datetime as dt

import pytest

from relance.ledger.models import InvoiceKind
from relance.ledger.selectors import Statement, customer_statement
from tests.factories import CustomerFactory, InvoiceFactory, PaymentFactory, settle

AS_OF = dt.date(2026, 3, 15)


@pytest.fixture
def billing_company(company):
    """The `company` fixture with everything a letterhead and a transfer need."""
    company.legal_name = "Atelier Durand SAS"
    company.legal_id = "552 100 554 RCS Paris"
    company.vat_id = "FR40552100554"
    company.address_line1 = "12 rue de la Paix"
    company.postal_code = "75002"
    company.city = "Paris"
    company.email = "compta@atelier-durand.fr"
    company.phone = "+33 1 23 45 67 89"
    company.website = "https://atelier-durand.fr"
    company.iban = "FR7630006000011234567890189"
    company.bic = "AGRIFRPP"
    company.save()
    return company


@pytest.fixture
def customer(billing_company):
    return CustomerFactory(
        company=billing_company,
        code="C-00042",
        name="Société Générale d'Équipement",
        address_line1="3 place Bellecour",
        postal_code="69002",
        city="Lyon",
        country="FR",
        legal_id="123 456 789",
        vat_id="FR32123456789",
        language="fr",
    )


def make_invoices(customer, *, overdue: int = 6, not_due: int = 4, prefix: str = "F-2026-") -> list:
    """`overdue` invoices due before AS_OF (one partly paid) and `not_due` due after it."""
    invoices = []
    for index in range(overdue):
        due = AS_OF - dt.timedelta(days=10 + 9 * index)
        invoices.append(
            InvoiceFactory(
                customer=customer,
                number=f"{prefix}{index:04d}",
                issue_date=due - dt.timedelta(days=30),
                due_date=due,
                amount=1_234_56 + 1_011 * index,
            )
        )
    for index in range(not_due):
        due = AS_OF + dt.timedelta(days=5 + 7 * index)
        invoices.append(
            InvoiceFactory(
                customer=customer,
                number=f"{prefix}1{index:03d}",
                issue_date=due - dt.timedelta(days=30),
                due_date=due,
                amount=987_65 + 101 * index,
            )
        )
    if overdue:
        settle(invoices[0], 234_56, AS_OF - dt.timedelta(days=2))
    return invoices


@pytest.fixture
def statement(customer) -> Statement:
    """Ten invoices (six overdue, one of them partly paid, four not due), a credit note and an unapplied payment."""
    make_invoices(customer)
    InvoiceFactory(
        customer=customer,
        kind=InvoiceKind.CREDIT_NOTE,
        number="AV-2026-0001",
        issue_date=AS_OF - dt.timedelta(days=20),
        due_date=AS_OF - dt.timedelta(days=20),
        amount=150_00,
    )
    PaymentFactory(customer=customer, external_ref="VIR-778", date=AS_OF - dt.timedelta(days=3), amount=75_50)
    return customer_statement(company=customer.company, customer=customer, as_of=AS_OF)
