"""Statement of account, aging and balances on worked examples, exact to the cent.

The example account (company Atelier Durand, customer C1, statement at 2026-03-31):

    F-1  issued 01/01, due 31/01, 1 200.00 EUR, 500.00 paid on 15/02   -> 700.00 open, 59 days late
    F-2  issued 01/02, due 03/03,   300.10 EUR                         -> 300.10 open, 28 days late
    F-3  issued 15/03, due 14/04,   999.99 EUR                         -> not due
    F-4  issued 01/03, due 31/03,    50.00 EUR                         -> due today: not due
    F-5  issued 01/10/2025, due 01/11/2025, 80.00 EUR                  -> 150 days late
    F-6  issued 01/01, due 31/01, 400.00 EUR, paid in full 28/02      -> closed
    F-7  issued 10/04 (after the statement date)                      -> not on the statement
    AV-1 credit note 01/03, 100.00 EUR, 40.00 used on F-2 on 20/03   -> 60.00 credit, F-2 now 260.10
    P-9  payment 25/03, 90.00 EUR, not allocated                     -> 90.00 credit
    G-1  invoice in GBP, due 01/03, 250.00 GBP                        -> 30 days late, separate currency
"""

import datetime as dt

import pytest

from relance.core.money import Money
from relance.ledger.models import Allocation, AllocationKind, InvoiceKind
from relance.ledger.selectors import (
    aging_for_company,
    customer_balances,
    customer_statement,
    customer_statements,
    item_open_amount,
)
from tests.factories import CustomerFactory, InvoiceFactory, PaymentFactory, settle

D = dt.date
AS_OF = D(2026, 3, 31)


def eur(text: str) -> Money:
    return Money.of(text, "EUR")


@pytest.fixture
def account(company):
    c1 = CustomerFactory(company=company, code="C1")
    inv = {}

    def invoice(number, issue, due, amount, **kw):
        inv[number] = InvoiceFactory(customer=c1, number=number, issue_date=issue, due_date=due, amount=amount, **kw)
        return inv[number]

    invoice("F-1", D(2026, 1, 1), D(2026, 1, 31), 1200_00)
    invoice("F-2", D(2026, 2, 1), D(2026, 3, 3), 300_10)
    invoice("F-3", D(2026, 3, 15), D(2026, 4, 14), 999_99)
    invoice("F-4", D(2026, 3, 1), D(2026, 3, 31), 50_00)
    invoice("F-5", D(2025, 10, 1), D(2025, 11, 1), 80_00)
    invoice("F-6", D(2026, 1, 1), D(2026, 1, 31), 400_00)
    invoice("F-7", D(2026, 4, 10), D(2026, 5, 10), 77_00)
    invoice("AV-1", D(2026, 3, 1), D(2026, 3, 1), 100_00, kind=InvoiceKind.CREDIT_NOTE)
    invoice("G-1", D(2026, 2, 1), D(2026, 3, 1), 250_00, currency="GBP")
    pay = PaymentFactory(customer=c1, external_ref="P-1", date=D(2026, 2, 15), amount=500_00)
    Allocation.objects.create(
        company=company, invoice=inv["F-1"], kind=AllocationKind.PAYMENT, payment=pay, amount=500_00, date=pay.date
    )
    settle(inv["F-6"], 400_00, D(2026, 2, 28))
    Allocation.objects.create(
        company=company,
        invoice=inv["F-2"],
        kind=AllocationKind.CREDIT_NOTE,
        credit_note=inv["AV-1"],
        amount=40_00,
        date=D(2026, 3, 20),
    )
    PaymentFactory(customer=c1, external_ref="P-9", date=D(2026, 3, 25), amount=90_00)
    return c1, inv


def test_statement_separates_overdue_not_due_and_credits_with_days_overdue(company, account):
    customer, _ = account
    statement = customer_statement(company=company, customer=customer, as_of=AS_OF)

    assert [(i.number, i.open_amount, i.days_overdue) for i in statement.overdue] == [
        ("F-5", eur("80.00"), 150),
        ("F-1", eur("700.00"), 59),
        ("G-1", Money.of("250.00", "GBP"), 30),
        ("F-2", eur("260.10"), 28),
    ]
    assert [(i.number, i.open_amount) for i in statement.not_due] == [("F-4", eur("50.00")), ("F-3", eur("999.99"))]
    assert {(i.item_type, i.number, i.open_amount) for i in statement.credits} == {
        ("credit_note", "AV-1", eur("-60.00")),
        ("payment", "P-9", eur("-90.00")),
    }
    eur_totals = statement.totals["EUR"]
    assert eur_totals.overdue == eur("1040.10")  # 80 + 700 + 260.10
    assert eur_totals.not_due == eur("1049.99")
    assert eur_totals.credits == eur("-150.00")
    assert eur_totals.balance == eur("1940.09")
    assert statement.totals["GBP"].balance == Money.of("250.00", "GBP")
    assert statement.oldest_due_date == D(2025, 11, 1)
    assert statement.max_days_overdue == 150


def test_statement_at_an_earlier_date_ignores_later_payments_and_invoices(company, account):
    customer, _ = account
    statement = customer_statement(company=company, customer=customer, as_of=D(2026, 2, 10))
    # F-1 unpaid yet (payment on 15/02), F-6 unpaid, F-2 issued but not due, AV-1 and F-3..F-4 not issued.
    assert {i.number: i.open_amount for i in statement.overdue} == {
        "F-5": eur("80.00"),
        "F-1": eur("1200.00"),
        "F-6": eur("400.00"),
    }
    assert [i.number for i in statement.not_due] == ["G-1", "F-2"]  # oldest due first
    assert statement.credits == []


def test_aging_buckets_of_the_company_match_the_worked_example(company, account):
    aging = aging_for_company(company=company, as_of=AS_OF)
    eur_aging = aging["EUR"]
    assert eur_aging.not_due == eur("1049.99")  # F-3 + F-4 (due today)
    assert eur_aging.days_1_30 == eur("260.10")  # F-2, 28 days
    assert eur_aging.days_31_60 == eur("700.00")  # F-1, 59 days
    assert eur_aging.days_61_90 == eur("0.00")
    assert eur_aging.days_over_90 == eur("80.00")  # F-5, 150 days
    assert eur_aging.credits == eur("-150.00")
    assert eur_aging.balance == eur("1940.09")
    assert aging["GBP"].days_1_30 == Money.of("250.00", "GBP")


@pytest.mark.parametrize(
    ("due", "bucket"),
    [
        (D(2026, 3, 31), "not_due"),  # due today
        (D(2026, 3, 30), "days_1_30"),  # 1 day late
        (D(2026, 3, 1), "days_1_30"),  # 30 days late
        (D(2026, 2, 28), "days_31_60"),  # 31 days late
        (D(2026, 1, 30), "days_31_60"),  # 60 days
        (D(2026, 1, 29), "days_61_90"),  # 61 days
        (D(2025, 12, 31), "days_61_90"),  # 90 days
        (D(2025, 12, 30), "days_over_90"),  # 91 days
    ],
)
def test_bucket_boundaries(company, due, bucket):
    InvoiceFactory(customer=CustomerFactory(company=company), issue_date=D(2025, 12, 1), due_date=due, amount=12_34)
    aging = aging_for_company(company=company, as_of=AS_OF)["EUR"]
    assert dict(aging.buckets()) | {bucket: eur("12.34")} == dict(aging.buckets())
    assert aging.balance == eur("12.34")


def test_customer_balances_per_customer_and_currency(company, account):
    customer, _ = account
    other = CustomerFactory(company=company, code="C2")
    InvoiceFactory(customer=other, issue_date=D(2026, 3, 1), due_date=D(2026, 4, 30), amount=10_01)
    balances = customer_balances(company=company, as_of=AS_OF)
    assert balances[customer.pk]["EUR"].balance == eur("1940.09")
    assert balances[customer.pk]["GBP"].balance == Money.of("250.00", "GBP")
    assert balances[other.pk]["EUR"].not_due == eur("10.01")


def test_open_amount_of_one_item_at_any_date(company, account):
    _, inv = account
    assert item_open_amount(invoice=inv["F-2"], as_of=D(2026, 3, 19)) == eur("300.10")
    assert item_open_amount(invoice=inv["F-2"], as_of=D(2026, 3, 20)) == eur("260.10")
    assert item_open_amount(invoice=inv["AV-1"], as_of=AS_OF) == eur("60.00")


def test_one_company_never_sees_another_companys_items(company, other_company, account):
    stranger = CustomerFactory(company=other_company, code="C1")  # same code, other company
    InvoiceFactory(customer=stranger, number="F-1", currency="GBP", issue_date=D(2026, 1, 1), amount=999_00)
    assert aging_for_company(company=other_company, as_of=AS_OF)["GBP"].balance == Money.of("999.00", "GBP")
    assert aging_for_company(company=company, as_of=AS_OF)["GBP"].balance == Money.of("250.00", "GBP")
    assert stranger.pk not in customer_balances(company=company, as_of=AS_OF)
    with pytest.raises(ValueError, match="does not belong"):
        customer_statement(company=company, customer=stranger, as_of=AS_OF)


def test_sums_stay_exact_over_many_items(company):
    """0.10 + 0.20 style amounts summed by the database: no floating-point drift on either engine."""
    customer = CustomerFactory(company=company)
    InvoiceFactory.create_batch(
        300, customer=customer, issue_date=D(2026, 1, 1), due_date=D(2026, 1, 31), amount=10
    )  # 0.10 each
    InvoiceFactory.create_batch(300, customer=customer, issue_date=D(2026, 1, 1), due_date=D(2026, 5, 1), amount=20)
    aging = aging_for_company(company=company, as_of=AS_OF)["EUR"]
    assert aging.days_31_60 == eur("30.00")  # due 31/01: 59 days late
    assert aging.not_due == eur("60.00")
    assert aging.balance == eur("90.00")


def test_statements_of_several_customers_in_one_query_equal_each_statement(company, account, django_assert_num_queries):
    c1, _ = account
    c2 = CustomerFactory(company=company, code="C2")
    other = InvoiceFactory(customer=c2, number="X-1", issue_date=D(2026, 1, 1), due_date=D(2026, 2, 1), amount=70_00)
    settle(other, 20_00, D(2026, 2, 10))
    c3 = CustomerFactory(company=company, code="C3")  # nothing open
    with django_assert_num_queries(1):
        together = customer_statements(company=company, customers=[c1, c2, c3], as_of=AS_OF)
    for customer in (c1, c2, c3):
        alone = customer_statement(company=company, customer=customer, as_of=AS_OF)
        assert together[customer.pk].items == alone.items
        assert together[customer.pk].totals == alone.totals
    assert together[c2.pk].totals["EUR"].overdue == eur("50.00")
    assert together[c3.pk].items == []


@pytest.mark.parametrize("as_of", [AS_OF, D(2026, 2, 20), D(2026, 4, 30)])
def test_the_lean_statement_lines_agree_with_the_statement(company, account, as_of, django_assert_num_queries):
    from relance.ledger.selectors import statement_lines

    c1, _ = account
    with django_assert_num_queries(1):
        lines, totals = statement_lines(company=company, customer=c1, as_of=as_of)
    statement = customer_statement(company=company, customer=c1, as_of=as_of)
    assert lines == [
        (i.item_type, i.item_id, i.number, i.issue_date, i.due_date, i.amount.minor, i.open_amount.minor,
         i.open_amount.currency, i.days_overdue)
        for i in statement.items
    ]  # fmt: skip
    assert totals == {c: (t.overdue.minor, t.not_due.minor, t.credits.minor) for c, t in statement.totals.items()}
    assert list(totals) == list(statement.totals)


def test_the_lean_statement_lines_refuse_another_companys_customer(company, other_company):
    from relance.ledger.selectors import statement_lines

    with pytest.raises(ValueError, match="does not belong"):
        statement_lines(company=other_company, customer=CustomerFactory(company=company), as_of=AS_OF)
