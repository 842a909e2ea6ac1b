"""Amounts typed in the editors are parsed exactly into minor units (Decimal, never float)."""

import pytest

from relance.web.editors.forms import AmountError, format_major_input, parse_major_amount


@pytest.mark.parametrize(
    ("typed", "minor"),
    [
        ("1 234,56", 123456),
        ("1234.56", 123456),
        ("1,234.56", 123456),
        ("1.234,56", 123456),
        ("1\u202f234,56", 123456),  # narrow no-break space, as French formatting prints it
        ("5 000 €", 500000),
        ("EUR 12.5", 1250),
        ("0,05", 5),
        ("1234", 123400),
        ("1.234", 123400),  # one mark followed by three digits groups thousands in EUR
        ("1 234 567,89", 123456789),
        ("0.10", 10),
        ("99999999.99", 9999999999),  # a float would not hold every cent of such amounts
    ],
)
def test_amounts_typed_the_usual_ways_become_exact_minor_units(typed, minor):
    assert parse_major_amount(typed, "EUR") == minor


@pytest.mark.parametrize("typed", ["1,2345", "12abc", "1.5.6", "--5", "€", "1,23,4"])
def test_amounts_that_are_not_amounts_are_refused_not_guessed(typed):
    with pytest.raises(AmountError):
        parse_major_amount(typed, "EUR")


def test_currencies_keep_their_own_decimals():
    assert parse_major_amount("1234", "JPY") == 1234
    assert parse_major_amount("1,234", "KWD") == 1234  # three decimals: a decimal mark, not a group
    with pytest.raises(AmountError):
        parse_major_amount("12.5", "JPY")


def test_an_amount_is_written_back_in_the_readers_habit(settings):
    from django.utils import translation

    with translation.override("fr"):
        assert format_major_input(123456, "EUR") == "1234,56"
    with translation.override("en"):
        assert format_major_input(123456, "EUR") == "1234.56"
        assert parse_major_amount(format_major_input(123456, "EUR"), "EUR") == 123456
