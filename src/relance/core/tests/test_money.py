"""Money: exact minor units, no mixing of currencies, half-up rounding, formatting per language."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from relance.core.money import Money, MoneyError, round_half_up, to_minor


def test_major_units_become_minor_units_per_currency_exponent():
    assert Money.of("1234.56", "EUR").minor == 123456
    assert Money.of("1234", "JPY").minor == 1234
    assert Money.of("1.234", "KWD").minor == 1234


def test_more_decimals_than_the_currency_allows_is_refused_unless_rounding_is_asked():
    with pytest.raises(MoneyError, match="more than 2 decimals"):
        Money.of("10.005", "EUR")
    assert Money.of("10.005", "EUR", rounding=True).minor == 1001  # half-up
    assert Money.of("-10.005", "EUR", rounding=True).minor == -1001  # halves away from zero


def test_floats_and_unknown_currencies_are_refused():
    with pytest.raises(MoneyError, match="float"):
        Money.of(0.1, "EUR")  # type: ignore[arg-type]
    with pytest.raises(MoneyError, match="unknown currency"):
        Money(100, "XYZ")
    with pytest.raises(MoneyError):
        Money(1.5, "EUR")  # type: ignore[arg-type]


def test_arithmetic_is_exact_and_refuses_to_mix_currencies():
    total = Money.of("0.10", "EUR") + Money.of("0.20", "EUR")
    assert total == Money.of("0.30", "EUR")
    assert total.amount == Decimal("0.30")
    with pytest.raises(MoneyError, match="cannot combine EUR with GBP"):
        _ = Money.of("1", "EUR") + Money.of("1", "GBP")
    with pytest.raises(MoneyError):
        _ = Money.of("1", "EUR") < Money.of("1", "USD")


def test_multiplication_by_a_rate_rounds_half_up_to_the_cent():
    # 40.00 EUR x 12.15 % = 4.86 EUR exactly; 33.33 x 0.5 = 16.665 -> 16.67
    assert Money.of("40.00", "EUR") * Decimal("0.1215") == Money.of("4.86", "EUR")
    assert Money.of("33.33", "EUR") * Decimal("0.5") == Money.of("16.67", "EUR")
    with pytest.raises(TypeError):
        _ = Money.of("1", "EUR") * 1.5  # type: ignore[operator]


def test_formatting_follows_the_readers_language():
    amount = Money.of("1234.56", "EUR")
    assert amount.format("en") == "€1,234.56"
    assert amount.format("fr") == "1\u202f234,56\u00a0€"
    assert Money.of("1234", "JPY").format("en") == "¥1,234"


def test_allocation_splits_without_losing_a_cent():
    parts = Money.of("100.00", "EUR").allocate([1, 1, 1])
    assert [p.minor for p in parts] == [3334, 3333, 3333]
    assert sum(p.minor for p in parts) == 10000


@given(st.integers(min_value=-(10**15), max_value=10**15), st.sampled_from(["EUR", "JPY", "KWD", "GBP"]))
def test_round_trip_between_minor_units_and_decimal_is_exact(minor, currency):
    money = Money(minor, currency)
    assert to_minor(money.amount, currency) == minor
    assert Money.of(str(money.amount), currency) == money


@given(st.decimals(min_value=-1000, max_value=1000, places=3, allow_nan=False))
def test_half_up_rounding_never_differs_from_the_exact_value_by_more_than_half_a_cent(value):
    rounded = round_half_up(value, 2)
    assert abs(rounded - value) <= Decimal("0.005")


@pytest.mark.parametrize("locale", ["en", "fr", "de", "en_GB", "de_CH", "nl", "es", "it", "pt", "fr_CH"])
@pytest.mark.parametrize("currency", ["EUR", "USD", "GBP", "CHF", "JPY", "KWD", "SEK"])
def test_fast_formatting_prints_exactly_what_babel_prints(locale, currency):
    from babel.numbers import format_currency

    from relance.core.money import currency_exponent, format_minor

    exponent = currency_exponent(currency)
    for minor in [0, 1, -1, 5, 99, 100, 999, 1000, 123456, -123456, 100000000, 9876543210123, -7]:
        expected = format_currency(Decimal(minor).scaleb(-exponent), currency, locale=locale)
        assert format_minor(minor, currency, locale) == expected, (minor, currency, locale)
