"""`kpi_inputs(customers=queryset)`: the figures of a collector's portfolio or a tag, in SQL.

Two customers of Atelier Durand: C1 (collector Camille, tag "key account") and C2 (no collector).
Each has one invoice in March 2026; the other company has one too.
"""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from relance.accounts.models import User
from relance.core.money import Money
from relance.finance.selectors import kpi_inputs
from relance.ledger.models import Customer, Tag
from tests.factories import CustomerFactory, InvoiceFactory

D = dt.date
END = D(2026, 3, 31)


@pytest.fixture
def ledger(company, other_company):
    camille = User.objects.create_user("camille")
    key = Tag.objects.create(company=company, name="key account")
    c1 = CustomerFactory(company=company, code="C1", collector=camille)
    c1.tags.add(key)
    c2 = CustomerFactory(company=company, code="C2")
    InvoiceFactory(customer=c1, number="A", issue_date=D(2026, 3, 1), due_date=D(2026, 3, 11), amount=400_00)
    InvoiceFactory(customer=c2, number="B", issue_date=D(2026, 3, 2), due_date=D(2026, 4, 1), amount=250_00)
    stranger = CustomerFactory(company=other_company, code="C1", collector=camille)
    InvoiceFactory(customer=stranger, number="X", issue_date=D(2026, 3, 1), amount=999_00)
    return {"camille": camille, "key": key, "c1": c1, "c2": c2}


def test_a_collectors_portfolio_counts_only_their_customers(company, ledger):
    inputs = kpi_inputs(company, end=END, months=3, customers=Customer.objects.filter(collector=ledger["camille"]))

    eur = inputs["EUR"]
    assert eur.credit_sales == Money(400_00, "EUR")
    assert eur.at_end.overdue == Money(400_00, "EUR")
    assert eur.at_end.not_due == Money(0, "EUR")


def test_a_tag_counts_only_its_customers_and_never_another_companys(company, ledger):
    inputs = kpi_inputs(company, end=END, months=3, customers=Customer.objects.filter(tags=ledger["key"]))

    assert inputs["EUR"].credit_sales == Money(400_00, "EUR")


def test_a_queryset_of_another_company_gives_nothing(company, other_company, ledger):
    inputs = kpi_inputs(company, end=END, months=3, customers=Customer.objects.filter(company=other_company))

    assert inputs == {}


def test_without_filter_the_whole_company_counts(company, ledger):
    eur = kpi_inputs(company, end=END, months=3)["EUR"]

    assert eur.credit_sales == Money(650_00, "EUR")
    assert eur.at_end.receivable == Money(650_00, "EUR")


def test_two_statements_whatever_the_size_of_the_portfolio(company, ledger):
    """The portfolio goes into the SQL as a subquery: two statements, whose text does not grow
    with the number of customers (an IN list of ids would)."""
    portfolio = Customer.objects.filter(collector=ledger["camille"])
    sizes = []
    for customers in (3, 40):
        for _ in range(customers):
            customer = CustomerFactory(company=company, collector=ledger["camille"])
            InvoiceFactory(customer=customer, issue_date=D(2026, 2, 1), amount=10_00)
        with CaptureQueriesContext(connection) as queries:
            inputs = kpi_inputs(company, end=END, months=12, customers=portfolio)
        assert len(queries) == 2
        sizes.append([len(q["sql"]) for q in queries])
    assert inputs["EUR"].credit_sales == Money(400_00 + 43 * 10_00, "EUR")
    for small, large in zip(*sizes, strict=True):
        assert abs(large - small) < 100  # the same statements (ids and dates may differ by a digit)
