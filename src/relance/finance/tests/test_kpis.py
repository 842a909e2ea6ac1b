"""The KPI formulas on worked examples computed by hand, their edge cases and properties."""

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from relance.core.money import Money
from relance.finance.kpis import (
    Kpi,
    KpiError,
    Period,
    aging_shares,
    average_days_delinquent,
    average_resolution_days,
    best_possible_dso,
    calendar_months,
    collection_effectiveness_index,
    count_back_dso,
    promise_rates,
    simple_dso,
)
from relance.finance.kpis.base import round_fraction


def eur(amount) -> Money:
    return Money.of(str(amount), "EUR")


# --- count-back DSO -----------------------------------------------------------------------

COUNT_BACK = [
    # (receivables, monthly sales most recent first, days, expected, at_least)
    # The issue's example: 405 - 205 = 200 (30 days), 200 - 158 = 42 (30 days), 42/167 x 30 = 7.545
    # -> 67.545 -> 67.5 ("about 68").
    (405, [205, 158, 167], 30, "67.5", False),
    # Covered by the first month alone: 100/205 x 30 = 14.634 -> 14.6.
    (100, [205, 158, 167], 30, "14.6", False),
    # Exactly two months: 205 + 158 = 363 -> 60 days, nothing left for the third.
    (363, [205, 158, 167], 30, "60.0", False),
    # Calendar months (March 31, February 29 in 2024, January 31): 405 - 205 (31 d) = 200,
    # 200 - 158 (29 d) = 42, 42/167 x 31 = 7.796 -> 31 + 29 + 7.796 = 67.796 -> 67.8.
    (405, [205, 158, 167], [31, 29, 31], "67.8", False),
    # A month with no sales counts all its days and takes nothing off: 30 + 100/200 x 30 = 45.
    (100, [0, 200], 30, "45.0", False),
    # Receivables exceeding every month given: 1000 > 205 + 158 + 167 = 530, at least 90 days.
    (1000, [205, 158, 167], 30, "90.0", True),
    # Half a day exactly rounds up: 1/60 of the month's sales over 30 days = 0.5 -> 0.5; 1/120 of
    # it = 0.25 -> 0.3 (half-up).
    ("1.00", ["120.00"], 30, "0.3", False),
]


@pytest.mark.parametrize(("receivables", "sales", "days", "expected", "at_least"), COUNT_BACK)
def test_count_back_dso(receivables, sales, days, expected, at_least):
    result = count_back_dso(receivables=eur(receivables), sales=[eur(s) for s in sales], days=days)
    assert result.value == Decimal(expected)
    assert result.at_least is at_least
    assert ("exceed" in result.reason) is at_least


def test_the_issue_example_is_about_68_days():
    result = count_back_dso(receivables=eur(405), sales=[eur(205), eur(158), eur(167)])
    assert round_fraction(Fraction(result.value), 0) == 68
    assert result.value == Decimal("67.5")


def test_count_back_without_sales_has_no_figure():
    result = count_back_dso(receivables=eur(405), sales=[eur(0), eur(0)])
    assert result.value is None
    assert "no credit sales" in result.reason
    assert not result.available


@pytest.mark.parametrize("receivables", ["0", "-120.00"])
def test_a_credit_balance_is_zero_days_with_a_note(receivables):
    for result in (
        count_back_dso(receivables=eur(receivables), sales=[eur(205)]),
        simple_dso(receivables=eur(receivables), credit_sales=eur(205), days=30),
        best_possible_dso(current_receivables=eur(receivables), credit_sales=eur(205), days=30),
    ):
        assert result.value == Decimal("0.0")
        assert "nothing outstanding" in result.note


def test_several_currencies_are_refused():
    with pytest.raises(KpiError, match="several currencies"):
        count_back_dso(receivables=eur(405), sales=[eur(205), Money.of("158", "USD")])
    with pytest.raises(KpiError, match="several currencies"):
        simple_dso(receivables=eur(405), credit_sales=Money.of("530", "GBP"), days=90)


@pytest.mark.parametrize("days", [[30, 30], 0, [30, 0, 30], -1])
def test_bad_month_lengths_are_refused(days):
    with pytest.raises(KpiError):
        count_back_dso(receivables=eur(405), sales=[eur(205), eur(158), eur(167)], days=days)


def test_currencies_with_other_exponents():
    # JPY has no minor unit: 40,500 yen with monthly sales 20,500 / 15,800 / 16,700 is the
    # issue's example scaled: 67.5 days.
    yen = [Money.of(v, "JPY") for v in (20500, 15800, 16700)]
    assert count_back_dso(receivables=Money.of(40500, "JPY"), sales=yen).value == Decimal("67.5")


# --- simple DSO, best possible DSO, days delinquent -----------------------------------------

SIMPLE = [
    # 405 / 530 x 90 = 68.774 -> 68.8
    (405, 530, 90, "68.8"),
    # 1,200 / 3,650 x 365 = 120.0
    (1200, 3650, 365, "120.0"),
    # 1 / 3 x 1 = 0.333 -> 0.3
    (1, 3, 1, "0.3"),
    # receivables above the period's sales: 900 / 300 x 30 = 90.0 (no cap in the simple method)
    (900, 300, 30, "90.0"),
]


@pytest.mark.parametrize(("receivables", "sales", "days", "expected"), SIMPLE)
def test_simple_dso(receivables, sales, days, expected):
    assert simple_dso(receivables=eur(receivables), credit_sales=eur(sales), days=days).value == Decimal(expected)


@pytest.mark.parametrize("sales", ["0", "-50.00"])
def test_simple_dso_without_sales(sales):
    result = simple_dso(receivables=eur(405), credit_sales=eur(sales), days=90)
    assert result == Kpi(None, reason="no credit sales in the period: DSO is undefined")


def test_best_possible_dso_and_days_delinquent():
    # 250 of the 405 not yet due; sales 530 over 90 days: 250/530 x 90 = 42.453 -> 42.5.
    best = best_possible_dso(current_receivables=eur(250), credit_sales=eur(530), days=90)
    assert best.value == Decimal("42.5")
    dso = simple_dso(receivables=eur(405), credit_sales=eur(530), days=90)
    # 68.8 - 42.5 = 26.3, from the rounded figures so the page adds up.
    assert average_days_delinquent(dso=dso, best_possible=best).value == Decimal("26.3")


def test_days_delinquent_without_a_figure_or_with_a_lower_bound():
    none = simple_dso(receivables=eur(405), credit_sales=eur(0), days=90)
    best = best_possible_dso(current_receivables=eur(250), credit_sales=eur(530), days=90)
    assert average_days_delinquent(dso=none, best_possible=best).value is None
    assert average_days_delinquent(dso=best, best_possible=none).reason == none.reason
    capped = count_back_dso(receivables=eur(1000), sales=[eur(205), eur(158), eur(167)])
    result = average_days_delinquent(dso=capped, best_possible=best)
    # 90.0 - 42.5 = 47.5 at least
    assert (result.value, result.at_least) == (Decimal("47.5"), True)


# --- CEI, aging shares, promises, disputes ------------------------------------------------

CEI = [
    # (400 + 530 - 405) / (400 + 530 - 250) x 100 = 525 / 680 x 100 = 77.206 -> 77.2
    (400, 530, 405, 250, "77.2"),
    # everything collected: (100 + 50 - 0) / (100 + 50 - 0) = 100.0
    (100, 50, 0, 0, "100.0"),
    # nothing collected: (100 + 50 - 150) / (150 - 40) = 0.0
    (100, 50, 150, 40, "0.0"),
    # (1 + 1 - 1) / (1 + 1 - 0.5)... in cents: 100 / 150 x 100 = 66.667 -> 66.7
    ("1.00", "1.00", "1.00", "0.50", "66.7"),
]


@pytest.mark.parametrize(("begin", "sales", "end", "current", "expected"), CEI)
def test_collection_effectiveness_index(begin, sales, end, current, expected):
    result = collection_effectiveness_index(
        beginning_receivables=eur(begin),
        credit_sales=eur(sales),
        ending_receivables=eur(end),
        ending_current=eur(current),
    )
    assert result.value == Decimal(expected)


def test_cei_with_nothing_collectible():
    result = collection_effectiveness_index(
        beginning_receivables=eur(0), credit_sales=eur(100), ending_receivables=eur(100), ending_current=eur(100)
    )
    assert result.value is None
    assert "collectible" in result.reason


def test_aging_shares():
    # 250/405 = 61.728 -> 61.7, 100/405 = 24.691 -> 24.7, 55/405 = 13.580 -> 13.6, 0 -> 0.0
    shares = aging_shares({"not_due": eur(250), "days_1_30": eur(100), "days_31_60": eur(55), "over_90": eur(0)})
    assert {k: v.value for k, v in shares.items()} == {
        "not_due": Decimal("61.7"),
        "days_1_30": Decimal("24.7"),
        "days_31_60": Decimal("13.6"),
        "over_90": Decimal("0.0"),
    }
    assert list(shares) == ["not_due", "days_1_30", "days_31_60", "over_90"]


def test_aging_shares_edge_cases():
    assert all(v.value is None for v in aging_shares({"not_due": eur(0)}).values())
    with pytest.raises(KpiError, match="negative"):
        aging_shares({"not_due": eur(10), "credits": eur(-5)})
    with pytest.raises(KpiError, match="several currencies"):
        aging_shares({"not_due": eur(10), "days_1_30": Money.of(5, "USD")})


PROMISES = [
    # 5 of 6 kept: 83.333 -> 83.3 kept, 16.7 broken
    (5, 1, "83.3", "16.7"),
    # 1 of 8 kept: 12.5 kept, 87.5 broken
    (1, 7, "12.5", "87.5"),
    # 2 of 3 kept: 66.667 -> 66.7, 33.3 broken (the complement, so they add up to 100)
    (2, 1, "66.7", "33.3"),
    (0, 4, "0.0", "100.0"),
]


@pytest.mark.parametrize(("kept", "broken", "kept_rate", "broken_rate"), PROMISES)
def test_promise_rates(kept, broken, kept_rate, broken_rate):
    rates = promise_rates(kept=kept, broken=broken)
    assert (rates.kept.value, rates.broken.value) == (Decimal(kept_rate), Decimal(broken_rate))


def test_promise_rates_edge_cases():
    rates = promise_rates(kept=0, broken=0)
    assert rates.kept.value is None
    assert rates.broken.value is None
    with pytest.raises(KpiError):
        promise_rates(kept=-1, broken=2)


def test_average_resolution_days():
    day = dt.date(2026, 3, 1)
    # 4, 10 and 15 days: 29 / 3 = 9.667 -> 9.7
    disputes = [(day, day + dt.timedelta(days=n)) for n in (4, 10, 15)]
    assert average_resolution_days(disputes).value == Decimal("9.7")
    assert average_resolution_days([]).value is None
    with pytest.raises(KpiError):
        average_resolution_days([(day, day - dt.timedelta(days=1))])


# --- calendar months and rounding -------------------------------------------------------------


def test_calendar_months():
    assert calendar_months(dt.date(2024, 3, 31), 3) == [
        Period(dt.date(2024, 1, 1), dt.date(2024, 1, 31)),
        Period(dt.date(2024, 2, 1), dt.date(2024, 2, 29)),
        Period(dt.date(2024, 3, 1), dt.date(2024, 3, 31)),
    ]
    months = calendar_months(dt.date(2026, 1, 15), 2)
    assert [p.days for p in months] == [31, 15]
    assert months[0].start == dt.date(2025, 12, 1)
    with pytest.raises(KpiError):
        calendar_months(dt.date(2026, 1, 15), 0)


@pytest.mark.parametrize(
    ("fraction", "places", "expected"),
    [
        (Fraction(135, 2), 1, "67.5"),
        (Fraction(1, 20), 1, "0.1"),
        (Fraction(-1, 20), 1, "-0.1"),
        (Fraction(1, 6), 1, "0.2"),
        (Fraction(149, 100), 0, "1"),
        (Fraction(15, 10), 0, "2"),
    ],
)
def test_round_fraction_is_half_up(fraction, places, expected):
    assert round_fraction(fraction, places) == Decimal(expected)


# --- properties -----------------------------------------------------------------------------

cents = st.integers(min_value=1, max_value=10**12)


@given(
    receivables=cents,
    extra=st.integers(min_value=1, max_value=10**9),
    sales=st.lists(st.integers(min_value=0, max_value=10**11), min_size=1, max_size=13),
)
def test_dso_grows_with_receivables(receivables, extra, sales):
    if not any(sales):
        sales[0] = 1
    money = [Money(s, "EUR") for s in sales]
    low, high = Money(receivables, "EUR"), Money(receivables + extra, "EUR")
    assert count_back_dso(receivables=low, sales=money).value <= count_back_dso(receivables=high, sales=money).value
    total = Money(sum(sales), "EUR")
    days = 30 * len(sales)
    assert (
        simple_dso(receivables=low, credit_sales=total, days=days).value
        <= simple_dso(receivables=high, credit_sales=total, days=days).value
    )


@given(
    monthly=st.integers(min_value=1, max_value=10**10),
    months=st.integers(min_value=1, max_value=24),
    days=st.integers(min_value=28, max_value=31),
    share=st.fractions(min_value=0, max_value=1),
)
def test_count_back_equals_simple_dso_when_sales_are_constant(monthly, months, days, share):
    receivables = Money(int(monthly * months * share), "EUR")
    count_back = count_back_dso(receivables=receivables, sales=[Money(monthly, "EUR")] * months, days=days)
    simple = simple_dso(receivables=receivables, credit_sales=Money(monthly * months, "EUR"), days=days * months)
    assert count_back.value == simple.value
    assert not count_back.at_least


@given(receivables=cents, sales=st.lists(cents, min_size=1, max_size=13))
def test_count_back_never_exceeds_the_months_given(receivables, sales):
    result = count_back_dso(receivables=Money(receivables, "EUR"), sales=[Money(s, "EUR") for s in sales])
    assert Decimal(0) <= result.value <= 30 * len(sales)
    assert result.at_least == (receivables > sum(sales))
