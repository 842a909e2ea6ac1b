"""Properties of the penalty engine, checked by hypothesis over dates, amounts and payments.

Dates stay inside the half-years the shipped tables cover (2015-H1 to 2026-H1), so no property
run meets a missing rate.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relance.core.money import Money
from relance.finance.penalties import InvoiceFacts, PaymentFact, RateBook, compute_penalties, get_rule
from relance.finance.rates_store import load_rate_book

FIRST = dt.date(2015, 1, 1)
LAST = dt.date(2026, 6, 30)  # the last day of 2026-H1: a later day of delay would need the 2026-H2 rate

RULES = {
    "fr": ("EUR", {}),
    "fr-start": ("EUR", {"rate_of_delay_start": True}),
    "de": ("EUR", {}),
    "uk": ("GBP", {}),
    "eu": ("EUR", {}),
    "contract": ("USD", {"rate": Decimal("9.75")}),
}

rule_names = st.sampled_from(sorted(RULES))
amounts = st.integers(min_value=1, max_value=10**11)  # minor units, up to a billion
dates = st.dates(min_value=FIRST, max_value=LAST)
delays = st.integers(min_value=0, max_value=2000)


@pytest.fixture(scope="module")
def rates(tmp_path_factory: pytest.TempPathFactory) -> RateBook:
    return load_rate_book(site_dir=tmp_path_factory.mktemp("no-site-rates"))


def penalties(rates, name, minor, due, as_of, payments=()):  # type: ignore[no-untyped-def]
    currency, options = RULES[name]
    return compute_penalties(
        invoice=InvoiceFacts(amount=Money(minor, currency), due_date=due),
        payments=[PaymentFact(date=day, amount=Money(paid, currency)) for day, paid in payments],
        as_of=min(as_of, LAST),
        rule=get_rule(name.removesuffix("-start"), **options),
        rates=rates,
    )


@settings(max_examples=150, deadline=None)
@given(name=rule_names, minor=amounts, due=dates, first=delays, more=delays)
def test_interest_grows_with_the_days(rates, name, minor, due, first, more):
    early = penalties(rates, name, minor, due, due + dt.timedelta(days=first))
    late = penalties(rates, name, minor, due, due + dt.timedelta(days=first + more))
    assert late.interest >= early.interest
    assert late.total >= early.total


@settings(max_examples=150, deadline=None)
@given(name=rule_names, small=amounts, extra=amounts, due=dates, days=delays)
def test_interest_grows_with_the_amount(rates, name, small, extra, due, days):
    as_of = due + dt.timedelta(days=days)
    bigger = penalties(rates, name, small + extra, due, as_of)
    assert bigger.interest >= penalties(rates, name, small, due, as_of).interest


@settings(max_examples=150, deadline=None)
@given(
    name=rule_names,
    minor=amounts,
    due=dates,
    days=delays,
    payments=st.lists(st.tuples(st.integers(-30, 800), st.integers(-(10**9), 10**11)), max_size=6),
)
def test_never_negative_and_lines_chain(rates, name, minor, due, days, payments):
    as_of = due + dt.timedelta(days=days)
    dated = [(due + dt.timedelta(days=offset), paid) for offset, paid in payments]
    result = penalties(rates, name, minor, due, as_of, dated)
    assert all(line.amount.minor >= 0 for line in result.lines)
    assert all(line.open_amount.minor > 0 and line.days > 0 for line in result.interest_lines)
    for before, after in zip(result.interest_lines, result.interest_lines[1:], strict=False):
        assert before.end <= after.start
    assert result.total.minor == sum(line.amount.minor for line in result.lines)
    assert bool(result.indemnity_lines) == result.is_late or name == "contract"


@settings(max_examples=150, deadline=None)
@given(name=rule_names, minor=amounts, due=dates, early=st.integers(0, 400), days=delays)
def test_nothing_when_paid_in_full_on_or_before_the_due_date(rates, name, minor, due, early, days):
    paid_on = due - dt.timedelta(days=early)
    result = penalties(rates, name, minor, due, due + dt.timedelta(days=days), [(paid_on, minor)])
    assert result.lines == ()
    assert result.total.minor == 0


@settings(max_examples=150, deadline=None)
@given(name=rule_names, minor=amounts, due=dates, days=st.integers(1, 2000))
def test_unpaid_lines_cover_the_whole_delay_and_round_each_line_once(rates, name, minor, due, days):
    as_of = due + dt.timedelta(days=days)
    result = penalties(rates, name, minor, due, as_of)
    delay = (min(as_of, LAST) - due).days
    assert sum(line.days for line in result.interest_lines) == delay == result.days_late
    for line in result.interest_lines:
        exact = Fraction(line.open_amount.minor) * Fraction(line.rate) * line.days / (100 * line.day_basis)
        assert abs(exact - line.amount.minor) <= Fraction(1, 2)
        if abs(exact - line.amount.minor) == Fraction(1, 2):
            assert line.amount.minor > exact  # halves go up
