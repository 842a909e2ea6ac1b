"""Exact money: an integer number of minor units and an ISO 4217 currency.

Amounts never travel as floats. `Money` refuses to mix currencies, rounds only where asked and
then half-up, and formats with Babel in the reader's language. The number of minor units per
currency comes from ISO 4217 (via Babel): EUR has 2 decimals, JPY 0, KWD 3.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache

from babel.numbers import format_currency, get_currency_precision, list_currencies

from relance.core.errors import RelanceError


class MoneyError(RelanceError):
    code = "money.invalid"


@cache
def known_currencies() -> frozenset[str]:
    return frozenset(list_currencies())


def is_known_currency(code: str) -> bool:
    return code in known_currencies()


@cache
def currency_exponent(currency: str) -> int:
    """Number of decimals of the currency's minor unit (EUR 2, JPY 0, BHD 3)."""
    if not is_known_currency(currency):
        raise MoneyError(f"unknown currency {currency!r}")
    return int(get_currency_precision(currency))


@dataclass(frozen=True, slots=True)
class _MoneyPattern:
    positive: tuple[str, str]  # text before and after the digits
    negative: tuple[str, str]
    group: str
    decimal: str
    exponent: int


_SAMPLE_DIGITS = "1234567891"


@cache
def _money_pattern(currency: str, locale: str) -> _MoneyPattern:
    """Learn Babel's rendering of one currency in one locale from a sample, once.

    Babel takes about 30 µs per amount; a reminder e-mail prints dozens of them. The sample's
    prefix, suffix and separators are reused by `format_minor`, which a test checks against
    Babel over many amounts, currencies and locales.
    """
    exponent = currency_exponent(currency)
    sample = Decimal(int(_SAMPLE_DIGITS[: 7 + exponent])).scaleb(-exponent)

    def split(text: str) -> tuple[str, str, str]:
        first = next(i for i, c in enumerate(text) if c.isdigit())
        last = max(i for i, c in enumerate(text) if c.isdigit())
        return text[:first], text[first : last + 1], text[last + 1 :]

    before, digits, after = split(format_currency(sample, currency, locale=locale))
    neg_before, _, neg_after = split(format_currency(-sample, currency, locale=locale))
    group = digits[1] if not digits[1].isdigit() else ""
    decimal = digits[-exponent - 1] if exponent else ""
    return _MoneyPattern((before, after), (neg_before, neg_after), group, decimal, exponent)


def format_minor(minor: int, currency: str, locale: str = "en") -> str:
    """Format an amount in minor units as Babel's `format_currency` does for the locale."""
    return money_formatter(currency, locale)(minor)


@cache
def money_formatter(currency: str, locale: str = "en") -> Callable[[int], str]:
    """`format_minor` bound to one currency and locale, for pages that print hundreds of amounts
    (the pattern is looked up once, not per amount)."""
    pattern = _money_pattern(currency, locale)
    positive, negative, group, decimal = pattern.positive, pattern.negative, pattern.group, pattern.decimal
    exponent = pattern.exponent
    scale = 10**exponent

    def format_amount(minor: int) -> str:
        before, after = positive if minor >= 0 else negative
        units, fraction = divmod(abs(minor), scale)
        text = f"{units:,}"
        if group != ",":
            text = text.replace(",", group)
        if exponent:
            text = f"{text}{decimal}{fraction:0{exponent}d}"
        return f"{before}{text}{after}"

    return format_amount


def round_half_up(value: Decimal, exponent: int) -> Decimal:
    """Round to `exponent` decimals, halves away from zero (2.345 -> 2.35, -2.345 -> -2.35)."""
    return value.quantize(Decimal(1).scaleb(-exponent), rounding=ROUND_HALF_UP)


def to_minor(value: Decimal, currency: str, *, rounding: bool = False) -> int:
    """Convert a major-unit Decimal to minor units.

    Without `rounding`, a value with more decimals than the currency allows is an error: an
    import must not invent cents. With it, the value is rounded half-up.
    """
    exponent = currency_exponent(currency)
    places = value.as_tuple().exponent
    if isinstance(places, int) and places >= -exponent:  # no more decimals than allowed: exact, no rounding
        return int(value.scaleb(exponent))
    try:
        rounded = round_half_up(value, exponent)
    except InvalidOperation as exc:
        raise MoneyError(f"not a number: {value!r}") from exc
    if not rounding and rounded != value:
        raise MoneyError(f"{value} has more than {exponent} decimals for {currency}")
    return int(rounded.scaleb(exponent))


@dataclass(frozen=True, slots=True, order=False)
class Money:
    minor: int
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.minor, int) or isinstance(self.minor, bool):
            raise MoneyError(f"Money needs an integer number of minor units, got {type(self.minor).__name__}")
        if not is_known_currency(self.currency):
            raise MoneyError(f"unknown currency {self.currency!r}")

    # construction -------------------------------------------------------------------------
    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    @classmethod
    def of(cls, amount: str | int | Decimal, currency: str, *, rounding: bool = False) -> Money:
        """Money from major units: ``Money.of("12.34", "EUR")``. Floats are refused."""
        if isinstance(amount, float):
            raise MoneyError("floats are not accepted for money; pass a str or Decimal")
        try:
            value = Decimal(amount)
        except InvalidOperation as exc:
            raise MoneyError(f"not an amount: {amount!r}") from exc
        return cls(to_minor(value, currency, rounding=rounding), currency)

    # reading --------------------------------------------------------------------------------
    @property
    def amount(self) -> Decimal:
        """The amount in major units, exact (12.34 for 1234 cents)."""
        return Decimal(self.minor).scaleb(-currency_exponent(self.currency))

    def format(self, locale: str = "en") -> str:
        """`1 234,56 €` in French, `€1,234.56` in English (exactly what Babel prints, faster)."""
        return format_minor(self.minor, self.currency, locale)

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"

    # arithmetic -----------------------------------------------------------------------------
    def _check(self, other: object) -> Money:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise MoneyError(f"cannot combine {self.currency} with {other.currency}")
        return other

    def __add__(self, other: Money) -> Money:
        return Money(self.minor + self._check(other).minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        return Money(self.minor - self._check(other).minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.minor, self.currency)

    def __abs__(self) -> Money:
        return Money(abs(self.minor), self.currency)

    def __mul__(self, factor: int | Decimal) -> Money:
        """Multiply by an integer exactly, or by a Decimal with half-up rounding to the minor unit."""
        if isinstance(factor, bool) or not isinstance(factor, int | Decimal):
            raise TypeError("Money can be multiplied by an int or a Decimal only")
        if isinstance(factor, int):
            return Money(self.minor * factor, self.currency)
        return Money(int(round_half_up(Decimal(self.minor) * factor, 0)), self.currency)

    __rmul__ = __mul__

    def __lt__(self, other: Money) -> bool:
        return self.minor < self._check(other).minor

    def __le__(self, other: Money) -> bool:
        return self.minor <= self._check(other).minor

    def __gt__(self, other: Money) -> bool:
        return self.minor > self._check(other).minor

    def __ge__(self, other: Money) -> bool:
        return self.minor >= self._check(other).minor

    def __bool__(self) -> bool:
        return self.minor != 0

    def allocate(self, ratios: list[int]) -> list[Money]:
        """Split into parts proportional to `ratios` without losing a cent (largest remainder)."""
        total = sum(ratios)
        if total <= 0 or any(r < 0 for r in ratios):
            raise MoneyError("ratios must be non-negative and not all zero")
        parts = [self.minor * r // total for r in ratios]
        remainder = self.minor - sum(parts)
        order = sorted(range(len(ratios)), key=lambda i: (self.minor * ratios[i]) % total, reverse=True)
        for i in order[:remainder]:
            parts[i] += 1
        return [Money(p, self.currency) for p in parts]
