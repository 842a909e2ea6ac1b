"""The fast amount formatting prints exactly what Money.format prints."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from relance.core.money import Money
from relance.documents.amounts import format_money, money_formatter

CURRENCIES = ["EUR", "GBP", "USD", "CHF", "JPY", "KWD", "INR", "XOF"]
LANGUAGES = ["en", "fr", "de_CH", "en_IN", "es"]


@given(
    minor=st.integers(min_value=-(10**15), max_value=10**15),
    currency=st.sampled_from(CURRENCIES),
    language=st.sampled_from(LANGUAGES),
)
def test_same_text_as_money_format(minor, currency, language):
    amount = Money(minor, currency)
    assert format_money(amount, language) == amount.format(language)


@pytest.mark.parametrize(
    ("minor", "language", "text"),
    [
        (123_456_789, "fr", "1\u202f234\u202f567,89\xa0€"),
        (-123_456_789, "en", "-€1,234,567.89"),
        (0, "fr", "0,00\xa0€"),
        (5, "en", "€0.05"),
    ],
)
def test_examples(minor, language, text):
    assert format_money(Money(minor, "EUR"), language) == text


def test_grouping_it_cannot_reproduce_falls_back_to_babel():
    formatter = money_formatter("EUR", "en_IN")  # 12,34,567.89: groups of two
    assert formatter(123_456_789) == Money(123_456_789, "EUR").format("en_IN")
