"""Amounts as `Money.format(language)` prints them, fast.

`Money.format` goes through Babel's number-pattern machinery on every call (about 50 µs); a
statement prints some 25 amounts, which made a sixth of its rendering time. Here the layout of
an amount — prefix, suffix, group and decimal separators, negative form — is learnt ONCE per
currency and language from `Money.format` itself, then applied with integer arithmetic (about
2 µs). Before it is used, the fast form is checked against `Money.format` on a range of values;
for a currency or language whose layout it cannot reproduce exactly (groups of 2, no grouping
below 10,000...) every amount goes through `Money.format`, so the output is always identical.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from relance.core.money import Money, currency_exponent

_DIGITS = re.compile(r"\d")
_CHECKS = (0, 1, 5, 10, 99, 100, 999, 1_000, 1_234, 12_345, 100_000, 123_456, 1_234_567, 99_999_999, 10**15 + 7)


@dataclass(frozen=True, slots=True)
class _Layout:
    prefix: str
    suffix: str
    negative_prefix: str
    negative_suffix: str
    group: str
    decimal: str
    exponent: int

    def format(self, minor: int) -> str:
        major, fraction = divmod(abs(minor), 10**self.exponent)
        body = f"{major:,}".replace(",", self.group)
        if self.exponent:
            body += f"{self.decimal}{fraction:0{self.exponent}d}"
        if minor < 0:
            return f"{self.negative_prefix}{body}{self.negative_suffix}"
        return f"{self.prefix}{body}{self.suffix}"


def _split(text: str) -> tuple[str, str, str] | None:
    """(prefix, number, suffix) of a formatted amount."""
    digits = [m.start() for m in _DIGITS.finditer(text)]
    if not digits:
        return None
    return text[: digits[0]], text[digits[0] : digits[-1] + 1], text[digits[-1] + 1 :]


def _learn(currency: str, language: str) -> _Layout | None:
    exponent = currency_exponent(currency)
    probe = 1_234_567 * 10**exponent + (int("891"[:exponent]) if exponent else 0)
    positive = _split(Money(probe, currency).format(language))
    negative = _split(Money(-probe, currency).format(language))
    if positive is None or negative is None or positive[1] != negative[1]:
        return None
    number = positive[1]
    decimal = ""
    if exponent:
        decimal, number = number[-exponent - 1], number[: -exponent - 1]
    separators = re.split(r"\d+", number)[1:-1]
    if len(separators) != 2 or separators[0] != separators[1]:
        return None
    return _Layout(positive[0], positive[2], negative[0], negative[2], separators[0], decimal, exponent)


@cache
def money_formatter(currency: str, language: str) -> Callable[[int], str]:
    """A function of minor units giving exactly `Money(minor, currency).format(language)`."""
    layout = _learn(currency, language)
    if layout is not None:
        for value in _CHECKS:
            for minor in (value, -value):
                if layout.format(minor) != Money(minor, currency).format(language):
                    layout = None
                    break
            if layout is None:
                break
    if layout is None:
        return lambda minor: Money(minor, currency).format(language)
    return layout.format


def format_money(amount: Money, language: str) -> str:
    """`amount.format(language)`, fast."""
    return money_formatter(amount.currency, language)(amount.minor)
