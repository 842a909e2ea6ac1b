"""factory_boy factories for the ledger. Amounts are minor units; dates are explicit in tests."""

from __future__ import annotations

import datetime as dt

import factory

from relance.ledger.models import Allocation, AllocationKind, Company, Customer, Invoice, InvoiceKind, Payment


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company

    name = factory.Sequence(lambda n: f"Company {n}")
    country = "FR"
    currency = "EUR"
    timezone = "Europe/Paris"
    language = "fr"


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    company = factory.SubFactory(CompanyFactory)
    code = factory.Sequence(lambda n: f"C{n:05d}")
    name = factory.Sequence(lambda n: f"Customer {n}")
    language = "fr"


class InvoiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invoice

    customer = factory.SubFactory(CustomerFactory)
    company = factory.SelfAttribute("customer.company")
    kind = InvoiceKind.INVOICE
    number = factory.Sequence(lambda n: f"F-{n:06d}")
    issue_date = dt.date(2026, 1, 1)
    due_date = factory.LazyAttribute(lambda o: o.issue_date + dt.timedelta(days=30))
    amount = 100_00
    currency = "EUR"


class PaymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Payment

    customer = factory.SubFactory(CustomerFactory)
    company = factory.SelfAttribute("customer.company")
    external_ref = factory.Sequence(lambda n: f"P-{n:06d}")
    date = dt.date(2026, 2, 1)
    amount = 100_00
    currency = "EUR"


def settle(invoice: Invoice, amount: int, date: dt.date) -> Allocation:
    return Allocation.objects.create(
        company=invoice.company, invoice=invoice, kind=AllocationKind.SETTLEMENT, amount=amount, date=date
    )
