"""What every KPI shares: the result type, exact half-up rounding, currency checks, calendar months."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from relance.core.errors import RelanceError
from relance.core.money import Money

DAYS_PLACES = 1  # DSO, best possible DSO, days delinquent, resolution time: 67.5 days
PERCENT_PLACES = 1  # CEI, aging shares, promise rates: 83.3 %


class KpiError(RelanceError):
    """The inputs cannot make a figure at all (several currencies, negative days...)."""

    code = "finance.kpi.invalid"


@dataclass(frozen=True, slots=True)
class Kpi:
    """One figure: `value` rounded half-up, or None with the `reason` there is none.

    `at_least` marks a lower bound (count-back DSO whose receivables exceed every month given).
    `note` explains a value that needs it (a net credit balance counted as 0 days).
    """

    value: Decimal | None
    reason: str = ""
    at_least: bool = False
    note: str = ""

    @classmethod
    def none(cls, reason: str) -> Kpi:
        return cls(None, reason=reason)

    @property
    def available(self) -> bool:
        return self.value is not None


def round_fraction(value: Fraction, places: int) -> Decimal:
    """`value` rounded to `places` decimals, halves away from zero, computed exactly.

    Integer arithmetic on the fraction, so there is no intermediate rounding: 135/2 -> 67.5,
    1/6 -> 0.2 (one place), -1/20 -> -0.1 (one place).
    """
    scaled = value * 10**places
    quotient, remainder = divmod(abs(scaled.numerator), scaled.denominator)
    if 2 * remainder >= scaled.denominator:
        quotient += 1
    sign = -1 if scaled < 0 else 1
    return Decimal(sign * quotient).scaleb(-places)


def one_currency(amounts: Iterable[Money]) -> str:
    """The single currency of `amounts`; a KpiError if they mix currencies or are not Money."""
    currencies = set()
    for amount in amounts:
        if not isinstance(amount, Money):
            raise KpiError(f"expected Money, got {type(amount).__name__}")
        currencies.add(amount.currency)
    if len(currencies) > 1:
        raise KpiError(f"several currencies ({', '.join(sorted(currencies))}): compute each currency on its own")
    return currencies.pop() if currencies else ""


def check_days(days: int) -> int:
    if isinstance(days, bool) or not isinstance(days, int) or days <= 0:
        raise KpiError(f"a period needs a positive whole number of days, got {days!r}")
    return days


@dataclass(frozen=True, slots=True)
class Period:
    """A stretch of calendar days, both ends included."""

    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def calendar_months(end: dt.date, months: int) -> list[Period]:
    """The `months` calendar months ending with `end`'s month, oldest first.

    The last one runs from the first of `end`'s month to `end` (a part of the month when `end` is
    not its last day). calendar_months(date(2024, 3, 31), 3) -> Jan 1-31 (31 days), Feb 1-29
    (29 days), Mar 1-31 (31 days).
    """
    if months < 1:
        raise KpiError("at least one month is needed")
    periods = [Period(end.replace(day=1), end)]
    year, month = end.year, end.month
    for _ in range(months - 1):
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        last = calendar.monthrange(year, month)[1]
        periods.append(Period(dt.date(year, month, 1), dt.date(year, month, last)))
    return periods[::-1]
