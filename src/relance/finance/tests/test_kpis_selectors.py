"""`kpi_inputs` on a small ledger computed by hand, and on the IBM sample against the CSV.

The ledger (company Atelier Durand; months January to March 2026, end 2026-03-31, opening
2025-12-31):

    C1  A   invoice     issued 10/12/2025 due 09/01  1 000.00 EUR; 600.00 paid 20/01, 400.00 settled 15/02
    C1  B   invoice     issued 15/01 due 14/02         500.00 EUR; 30.00 of credit note D used 10/03
    C1  C   debit note  issued 10/02 due 12/03          50.00 EUR
    C1  D   credit note issued 05/03                    80.00 EUR; 30.00 used on B -> 50.00 credit
    C1  P2  payment 20/03                              200.00 EUR, not allocated -> 200.00 credit
    C1  E   invoice     issued 25/03 due 24/04         300.00 EUR
    C1  G   invoice     issued 01/02 due 03/03         250.00 GBP
    C2  F   invoice     issued 20/02 due 22/03         700.00 EUR; paid in full 28/03
    C2  H   invoice     issued 02/04 (after the end)   999.00 EUR
    other company: an invoice of 500.00 EUR issued 01/03

Credit sales (EUR): January 500.00 (B); February 750.00 (C 50 + F 700); March 220.00
(E 300 - D 80). GBP: February 250.00.

Open at each date (EUR):
    31/12/2025  A 1 000 not due                                    -> not due 1 000, balance 1 000
    31/01       A 400 (22 days late), B 500 not due                -> not due 500, 1-30 400, balance 900
    28/02       B 500 (14 days late), C 50 and F 700 not due       -> not due 750, 1-30 500, balance 1 250
    31/03       B 470 (45 days late), C 50 (19 days), E 300 not due,
                credits D -50 and P2 -200                          -> not due 300, 1-30 50, 31-60 470,
                                                                      credits -250, balance 570
GBP: G 250 not due on 28/02, 28 days late on 31/03.
"""

import csv
import datetime as dt
from collections import defaultdict
from decimal import Decimal

import pytest

from relance.core.money import Money
from relance.finance.kpis import calendar_months, count_back_dso, simple_dso
from relance.finance.selectors import kpi_inputs
from relance.ledger.imports.service import import_file
from relance.ledger.models import Allocation, AllocationKind, InvoiceKind
from relance.ledger.selectors import aging_for_company
from tests.factories import CompanyFactory, CustomerFactory, InvoiceFactory, PaymentFactory, settle

D = dt.date
END = D(2026, 3, 31)


def eur(text) -> Money:
    return Money.of(str(text), "EUR")


def figures(balances):
    return (
        balances.not_due,
        balances.days_1_30,
        balances.days_31_60,
        balances.days_61_90,
        balances.days_over_90,
        balances.credits,
    )


@pytest.fixture
def ledger(company, other_company):
    c1 = CustomerFactory(company=company, code="C1")
    c2 = CustomerFactory(company=company, code="C2")
    a = InvoiceFactory(customer=c1, number="A", issue_date=D(2025, 12, 10), due_date=D(2026, 1, 9), amount=1000_00)
    b = InvoiceFactory(customer=c1, number="B", issue_date=D(2026, 1, 15), due_date=D(2026, 2, 14), amount=500_00)
    InvoiceFactory(
        customer=c1,
        number="C",
        kind=InvoiceKind.DEBIT_NOTE,
        issue_date=D(2026, 2, 10),
        due_date=D(2026, 3, 12),
        amount=50_00,
    )
    d = InvoiceFactory(
        customer=c1,
        number="D",
        kind=InvoiceKind.CREDIT_NOTE,
        issue_date=D(2026, 3, 5),
        due_date=D(2026, 3, 5),
        amount=80_00,
    )
    InvoiceFactory(customer=c1, number="E", issue_date=D(2026, 3, 25), due_date=D(2026, 4, 24), amount=300_00)
    InvoiceFactory(
        customer=c1, number="G", issue_date=D(2026, 2, 1), due_date=D(2026, 3, 3), amount=250_00, currency="GBP"
    )
    f = InvoiceFactory(customer=c2, number="F", issue_date=D(2026, 2, 20), due_date=D(2026, 3, 22), amount=700_00)
    InvoiceFactory(customer=c2, number="H", issue_date=D(2026, 4, 2), due_date=D(2026, 5, 2), amount=999_00)
    p1 = PaymentFactory(customer=c1, external_ref="P1", date=D(2026, 1, 20), amount=600_00)
    Allocation.objects.create(
        company=company, invoice=a, kind=AllocationKind.PAYMENT, payment=p1, amount=600_00, date=p1.date
    )
    settle(a, 400_00, D(2026, 2, 15))
    Allocation.objects.create(
        company=company, invoice=b, kind=AllocationKind.CREDIT_NOTE, credit_note=d, amount=30_00, date=D(2026, 3, 10)
    )
    PaymentFactory(customer=c1, external_ref="P2", date=D(2026, 3, 20), amount=200_00)
    p3 = PaymentFactory(customer=c2, external_ref="P3", date=D(2026, 3, 28), amount=700_00)
    Allocation.objects.create(
        company=company, invoice=f, kind=AllocationKind.PAYMENT, payment=p3, amount=700_00, date=p3.date
    )
    other = CustomerFactory(company=other_company, code="O1")
    InvoiceFactory(customer=other, number="O", issue_date=D(2026, 3, 1), amount=500_00, currency="EUR")
    return c1, c2


def test_whole_company(company, ledger, django_assert_num_queries):
    with django_assert_num_queries(2):
        inputs = kpi_inputs(company, end=END, months=3)
    assert set(inputs) == {"EUR", "GBP"}
    euro = inputs["EUR"]
    assert [m.period for m in euro.months] == calendar_months(END, 3)
    assert [m.credit_sales for m in euro.months] == [eur(500), eur(750), eur(220)]
    assert euro.credit_sales == eur(1470)
    assert euro.days == 31 + 28 + 31
    assert euro.opening.date == D(2025, 12, 31)
    zero = eur(0)
    assert figures(euro.opening) == (eur(1000), zero, zero, zero, zero, zero)
    assert [m.closing.date for m in euro.months] == [D(2026, 1, 31), D(2026, 2, 28), END]
    assert figures(euro.months[0].closing) == (eur(500), eur(400), zero, zero, zero, zero)
    assert figures(euro.months[1].closing) == (eur(750), eur(500), zero, zero, zero, zero)
    assert figures(euro.at_end) == (eur(300), eur(50), eur(470), zero, zero, eur(-250))
    assert [m.closing.balance for m in euro.months] == [eur(900), eur(1250), eur(570)]
    assert (euro.at_end.receivable, euro.at_end.overdue) == (eur(820), eur(520))

    pound = inputs["GBP"]
    gbp = Money.zero("GBP")
    assert [m.credit_sales for m in pound.months] == [gbp, Money.of("250", "GBP"), gbp]
    assert pound.months[1].closing.not_due == Money.of("250", "GBP")
    assert pound.at_end.days_1_30 == Money.of("250", "GBP")
    assert pound.opening.balance == gbp


def test_the_end_figures_agree_with_the_ledger_aging(company, ledger):
    inputs = kpi_inputs(company, end=END, months=3)
    for currency, aging in aging_for_company(company=company, as_of=END).items():
        at_end = inputs[currency].at_end
        assert figures(at_end) == (
            aging.not_due,
            aging.days_1_30,
            aging.days_31_60,
            aging.days_61_90,
            aging.days_over_90,
            aging.credits,
        )


def test_the_kpis_from_the_inputs(company, ledger):
    euro = kpi_inputs(company, end=END, months=3)["EUR"]
    # 570 - 220 (March, 31 days) = 350 left; 350/750 of February's 28 days = 13.067: 44.067 -> 44.1
    dso = count_back_dso(
        receivables=euro.at_end.balance, sales=euro.sales_recent_first(), days=euro.days_recent_first()
    )
    assert dso.value == Decimal("44.1")
    # 570 / 1 470 x 90 = 34.898 -> 34.9
    assert simple_dso(receivables=euro.at_end.balance, credit_sales=euro.credit_sales, days=euro.days).value == Decimal(
        "34.9"
    )


def test_a_portfolio_and_one_currency(company, ledger):
    c1, c2 = ledger
    only_c2 = kpi_inputs(company, end=END, months=3, customer_ids=[c2.pk])
    assert set(only_c2) == {"EUR"}
    assert [m.credit_sales for m in only_c2["EUR"].months] == [eur(0), eur(700), eur(0)]
    assert only_c2["EUR"].months[1].closing.not_due == eur(700)
    assert only_c2["EUR"].at_end.balance == eur(0)

    c1_eur = kpi_inputs(company, end=END, months=3, customer_ids=[c1.pk], currency="EUR")
    assert set(c1_eur) == {"EUR"}
    assert [m.credit_sales for m in c1_eur["EUR"].months] == [eur(500), eur(50), eur(220)]
    assert figures(c1_eur["EUR"].at_end) == (eur(300), eur(50), eur(470), eur(0), eur(0), eur(-250))


def test_empty_selections(company, ledger, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert kpi_inputs(company, end=END, customer_ids=[]) == {}
    nothing = kpi_inputs(company, end=END, months=2, customer_ids=[], currency="USD")["USD"]
    assert nothing.credit_sales == Money.zero("USD")
    assert nothing.at_end.balance == Money.zero("USD")
    assert kpi_inputs(company, end=D(2020, 6, 30)) == {}


def test_a_mid_month_end(company, ledger):
    # The last period runs from March 1st to the 15th: sales E (25/03) and D (05/03) -> -80.00.
    euro = kpi_inputs(company, end=D(2026, 3, 15), months=2)["EUR"]
    assert [m.period.days for m in euro.months] == [28, 15]
    assert [m.credit_sales for m in euro.months] == [eur(750), eur(-80)]


def test_another_company_sees_nothing(other_company, ledger):
    inputs = kpi_inputs(other_company, end=END, months=3)
    assert set(inputs) == {"EUR"}
    assert inputs["EUR"].credit_sales == eur(500)
    assert inputs["EUR"].at_end.not_due == eur(500)


# --- the IBM sample -----------------------------------------------------------------------

IBM_FILE = "ar_dataset/WA_Fn-UseC_-Accounts-Receivable.csv"
IBM_MAPPING = {
    "number": "invoiceNumber",
    "customer_code": "customerID",
    "issue_date": "InvoiceDate",
    "due_date": "DueDate",
    "amount": "InvoiceAmount",
    "settled_date": "SettledDate",
}


def us_date(text: str) -> dt.date:
    return dt.datetime.strptime(text, "%m/%d/%Y").date()


def test_ibm_sample_matches_the_csv(db, shared_data, actor):
    company = CompanyFactory(name="IBM sample", country="US", currency="USD", timezone="America/New_York")
    path = shared_data / IBM_FILE
    result = import_file(
        company=company,
        kind="invoices",
        path=path,
        actor=actor,
        columns=IBM_MAPPING,
        create_customers=True,
        as_of=dt.date(2026, 11, 24),
    )
    assert result.status == "applied"
    with path.open(newline="") as handle:
        rows = [
            (us_date(r["InvoiceDate"]), us_date(r["DueDate"]), us_date(r["SettledDate"]), Decimal(r["InvoiceAmount"]))
            for r in csv.DictReader(handle)
        ]
    end = dt.date(2013, 9, 30)
    inputs = kpi_inputs(company, end=end, months=12)["USD"]
    sales: dict[int, Decimal] = defaultdict(Decimal)
    for issued, _due, _settled, amount in rows:
        for index, month in enumerate(inputs.months):
            if month.period.start <= issued <= month.period.end:
                sales[index] += amount
    assert [m.credit_sales for m in inputs.months] == [Money.of(sales[i], "USD") for i in range(12)]
    for day, balances in [(inputs.opening.date, inputs.opening), *((m.closing.date, m.closing) for m in inputs.months)]:
        still_open = [(due, amount) for issued, due, settled, amount in rows if issued <= day < settled]
        not_due = sum((a for due, a in still_open if due >= day), Decimal(0))
        overdue = sum((a for due, a in still_open if due < day), Decimal(0))
        assert balances.not_due == Money.of(not_due, "USD"), day
        assert balances.overdue == Money.of(overdue, "USD"), day
        assert balances.credits == Money.zero("USD")
    assert inputs.at_end.balance.minor > 0
    assert count_back_dso(
        receivables=inputs.at_end.balance, sales=inputs.sales_recent_first(), days=inputs.days_recent_first()
    ).available
