"""Penalties on a statement: per overdue invoice, by the customer's rule, never on excluded items."""

import datetime as dt
from decimal import Decimal

from relance.core.money import Money
from relance.finance.selectors import statement_penalties
from relance.ledger.selectors import customer_statement
from tests.factories import CustomerFactory, InvoiceFactory, settle

D = dt.date


def test_french_penalties_on_a_statement_with_a_partial_payment(company):
    company.penalties_enabled = True
    company.save()
    customer = CustomerFactory(company=company)
    # EUR 10,000 due 2025-03-15; 4,000 paid on 2025-04-14; statement on 2025-05-14 (rate 13.15 % in 2025-H1)
    late = InvoiceFactory(customer=customer, number="F-1", issue_date=D(2025, 2, 13), due_date=D(2025, 3, 15),
                          amount=10_000_00)  # fmt: skip
    settle(late, 4_000_00, D(2025, 4, 14))
    InvoiceFactory(customer=customer, number="F-2", issue_date=D(2025, 5, 1), due_date=D(2025, 5, 31), amount=500_00)
    statement = customer_statement(company=company, customer=customer, as_of=D(2025, 5, 14))
    penalties = statement_penalties(company=company, customer=customer, statement=statement)
    result = penalties.by_invoice[late.pk]
    # 10,000 x 13.15 % x 30/365 = 108.08; 6,000 x 13.15 % x 30/365 = 64.85; plus EUR 40
    assert [line.amount for line in result.interest_lines] == [Money.of("108.08", "EUR"), Money.of("64.85", "EUR")]
    assert result.indemnity == Money.of("40.00", "EUR")
    assert penalties.total("EUR") == Money.of("212.93", "EUR")
    assert penalties.overdue_with_penalties(statement, "EUR") == Money.of("6212.93", "EUR")
    assert list(penalties.by_invoice) == [late.pk]  # F-2 is not due: no penalty


def test_disabled_or_waived_for_a_customer_or_excluded_items_get_nothing(company):
    customer = CustomerFactory(company=company)
    late = InvoiceFactory(customer=customer, issue_date=D(2025, 2, 13), due_date=D(2025, 3, 15), amount=1000_00)
    statement = customer_statement(company=company, customer=customer, as_of=D(2025, 5, 14))
    assert not statement_penalties(company=company, customer=customer, statement=statement).by_invoice
    company.penalties_enabled = True
    customer.penalties_enabled = False
    assert not statement_penalties(company=company, customer=customer, statement=statement).by_invoice
    customer.penalties_enabled = None
    excluded = statement_penalties(company=company, customer=customer, statement=statement,
                                   excluded_invoice_ids=frozenset({late.pk}))  # fmt: skip
    assert not excluded.by_invoice
    assert statement_penalties(company=company, customer=customer, statement=statement).by_invoice


def test_contractual_rule_and_missing_rate_reporting(company):
    company.penalties_enabled = True
    company.penalty_rule = "contract"
    company.penalty_contract_rate = Decimal("12.000")
    company.penalty_contract_fee = 15_00
    customer = CustomerFactory(company=company)
    late = InvoiceFactory(customer=customer, issue_date=D(2026, 1, 1), due_date=D(2026, 1, 31), amount=3650_00)
    statement = customer_statement(company=company, customer=customer, as_of=D(2026, 3, 2))
    result = statement_penalties(company=company, customer=customer, statement=statement).by_invoice[late.pk]
    assert result.interest == Money.of("36.00", "EUR")  # 3,650 x 12 % x 30/365
    assert result.indemnity == Money.of("15.00", "EUR")
    # French statutory rule on a date whose half-year is not in the table yet: reported, never zero
    company.penalty_rule = "fr"
    company.penalty_contract_rate = None
    far = customer_statement(company=company, customer=customer, as_of=D(2026, 11, 24))
    penalties = statement_penalties(company=company, customer=customer, statement=far)
    assert late.pk not in penalties.by_invoice
    assert "2026-H2" in penalties.problems[late.pk]
