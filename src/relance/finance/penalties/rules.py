"""Jurisdictions as small rule objects: where the rate comes from, and which fixed sum is due.

A rule answers two questions for the engine:

- `rate_segments(due_date, start, end, rates)`: the annual rate(s) that apply to the days from
  `start` to `end` of a delay that began at `due_date`, split where the rate changes;
- `indemnities(late_amount)`: the fixed sums due once because the invoice was paid late (or is
  still unpaid after its due date).

| code | rate | fixed sum |
|---|---|---|
| ``fr`` | ECB MRO of each half-year + 10 points (L441-10), or a contractual rate >= 3 x legal rate | EUR 40 (D441-5) |
| ``de`` | Basiszinssatz of each half-year + 9 points (BGB § 288(2), § 247) | EUR 40 (§ 288(5)) |
| ``uk`` | BoE rate on 31 Dec / 30 Jun before interest starts + 8 points, fixed for the debt | GBP 40 / 70 / 100 |
| ``eu`` | ECB MRO of each half-year + 8 points (Directive 2011/7/EU) | EUR 40 (art. 6) |
| ``contract`` | a fixed annual rate set by the company | an optional fixed fee |

`get_rule("fr", rate_of_delay_start=True)` builds one by code. Statutory rules compute in their
own currency only (a French rule on a USD invoice is refused: the EUR 40 cannot be added to
dollars, and no exchange rate is guessed); use the ``contract`` rule for other currencies.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar, Protocol

from relance.core.money import Money
from relance.finance.penalties.errors import PenaltyError
from relance.finance.penalties.model import IndemnityLine
from relance.finance.penalties.periods import HalfYear
from relance.finance.penalties.rates import RateBook, parse_rate

DAY_BASIS = 365  # actual days / 365, leap years included, for every statutory rule


@dataclass(frozen=True, slots=True, kw_only=True)
class RateSegment:
    """One rate over the days from `start` to `end` (``(end - start).days`` days)."""

    start: dt.date
    end: dt.date
    rate: Decimal
    reference_rate: Decimal | None = None
    margin: Decimal | None = None
    rate_table: str | None = None
    rate_period: HalfYear | None = None
    rate_source: str = ""


class PenaltyRule(Protocol):
    """What the engine needs from a jurisdiction."""

    @property
    def code(self) -> str: ...

    @property
    def currency(self) -> str | None:
        """The only invoice currency the rule accepts, or None for any."""
        ...

    @property
    def day_basis(self) -> int: ...

    @property
    def interest_basis(self) -> str:
        """Stable code of the legal basis of the interest lines."""
        ...

    @property
    def interest_text(self) -> str: ...

    def rate_segments(
        self, *, due_date: dt.date, start: dt.date, end: dt.date, rates: RateBook | None
    ) -> list[RateSegment]: ...

    def indemnities(self, *, late_amount: Money) -> list[IndemnityLine]: ...


def interest_start(due_date: dt.date) -> dt.date:
    """The first day of interest: the day after the due date (L441-10, § 286 BGB, s. 4 of the 1998 Act)."""
    return due_date + dt.timedelta(days=1)


def split_half_years(start: dt.date, end: dt.date) -> list[tuple[HalfYear, dt.date, dt.date]]:
    """Cut ``start..end`` at each 1 January / 1 July: ``[(half-year of the piece, piece start, piece end)]``."""
    pieces: list[tuple[HalfYear, dt.date, dt.date]] = []
    cursor = start
    while cursor < end:
        period = HalfYear.of(cursor)
        piece_end = min(end, period.end)
        pieces.append((period, cursor, piece_end))
        cursor = piece_end
    return pieces


def _need(rates: RateBook | None, code: str) -> RateBook:
    if rates is None:
        raise PenaltyError(f"the {code!r} penalty rule needs the reference rate tables (rates=...)")
    return rates


def _table_segment(
    *, rates: RateBook, table: str, period: HalfYear, margin: Decimal, start: dt.date, end: dt.date
) -> RateSegment:
    entry = rates.rate(table, period)
    return RateSegment(
        start=start,
        end=end,
        rate=entry.rate + margin,
        reference_rate=entry.rate,
        margin=margin,
        rate_table=table,
        rate_period=period,
        rate_source=entry.source,
    )


def _reference_segments(
    *,
    rates: RateBook,
    table: str,
    margin: Decimal,
    start: dt.date,
    end: dt.date,
    fixed_period: HalfYear | None,
) -> list[RateSegment]:
    """The table's rate of each half-year (variable), or of `fixed_period` for every day (fixed)."""
    if fixed_period is not None:
        return [_table_segment(rates=rates, table=table, period=fixed_period, margin=margin, start=start, end=end)]
    return [
        _table_segment(rates=rates, table=table, period=period, margin=margin, start=s, end=e)
        for period, s, e in split_half_years(start, end)
    ]


def _euro(amount: str) -> Money:
    return Money.of(amount, "EUR")


@dataclass(frozen=True, slots=True, kw_only=True)
class FranceRule:
    """Code de commerce L441-10 and D441-5.

    Default rate: ECB MRO rate in force on 1 January (H1) / 1 July (H2) + 10 points, each
    half-year's rate for its own days. `rate_of_delay_start=True` reads the law the other way: the
    rate of the half-year in which the delay started (the day after the due date) for all days.
    `contract_rate`: the rate set by the general terms, fixed for the whole delay; it may not be
    below 3 times the legal interest rate (taux d'intérêt légal, autres cas) of any half-year of the
    delay, and a lower rate is refused (`PenaltyError`), never silently raised.
    """

    code: ClassVar[str] = "fr"
    currency: ClassVar[str | None] = "EUR"
    day_basis: ClassVar[int] = DAY_BASIS
    margin: ClassVar[Decimal] = Decimal(10)
    floor_multiple: ClassVar[int] = 3

    contract_rate: Decimal | None = None
    rate_of_delay_start: bool = False

    def __post_init__(self) -> None:
        if self.contract_rate is not None:
            object.__setattr__(self, "contract_rate", parse_rate(self.contract_rate))
            if self.contract_rate < 0:
                raise PenaltyError("a contractual late-payment rate cannot be negative")

    @property
    def interest_basis(self) -> str:
        return "fr.L441-10.contract" if self.contract_rate is not None else "fr.L441-10"

    @property
    def interest_text(self) -> str:
        if self.contract_rate is not None:
            return "Code de commerce, art. L441-10 (taux contractuel)"
        return "Code de commerce, art. L441-10"

    def contract_floor(self, *, period: HalfYear, rates: RateBook) -> Decimal:
        """The lowest contractual rate allowed in `period`: 3 x the legal interest rate."""
        return rates.rate("fr_legal", period).rate * self.floor_multiple

    def rate_segments(
        self, *, due_date: dt.date, start: dt.date, end: dt.date, rates: RateBook | None
    ) -> list[RateSegment]:
        book = _need(rates, self.code)
        if self.contract_rate is not None:
            for period, _s, _e in split_half_years(start, end):
                floor = self.contract_floor(period=period, rates=book)
                if self.contract_rate < floor:
                    legal = book.rate("fr_legal", period).rate
                    raise PenaltyError(
                        f"contractual late-payment rate {self.contract_rate} % is below the legal floor of "
                        f"{floor} % in {period} (3 x taux d'intérêt légal {legal} %, Code de commerce L441-10)",
                        code="penalties.contract_rate_below_floor",
                    )
            return [RateSegment(start=start, end=end, rate=self.contract_rate, rate_source="contract")]
        fixed = HalfYear.of(interest_start(due_date)) if self.rate_of_delay_start else None
        return _reference_segments(
            rates=book, table="ecb_mro", margin=self.margin, start=start, end=end, fixed_period=fixed
        )

    def indemnities(self, *, late_amount: Money) -> list[IndemnityLine]:
        return [
            IndemnityLine(
                amount=_euro("40"),
                basis="fr.D441-5",
                legal_text="Code de commerce, art. L441-10 et D441-5 "
                "(indemnité forfaitaire pour frais de recouvrement)",
            )
        ]


@dataclass(frozen=True, slots=True, kw_only=True)
class GermanyRule:
    """BGB § 288(2) with § 247: Basiszinssatz of each half-year + 9 points (business debts); § 288(5): EUR 40.

    Simple interest only: interest never bears interest (§ 289).
    """

    code: ClassVar[str] = "de"
    currency: ClassVar[str | None] = "EUR"
    day_basis: ClassVar[int] = DAY_BASIS
    margin: ClassVar[Decimal] = Decimal(9)
    interest_basis: ClassVar[str] = "de.BGB288.2"
    interest_text: ClassVar[str] = "BGB § 288 Abs. 2, § 247 (Basiszinssatz + 9 Prozentpunkte)"

    def rate_segments(
        self, *, due_date: dt.date, start: dt.date, end: dt.date, rates: RateBook | None
    ) -> list[RateSegment]:
        return _reference_segments(
            rates=_need(rates, self.code), table="de_basiszins", margin=self.margin, start=start, end=end,
            fixed_period=None,
        )  # fmt: skip

    def indemnities(self, *, late_amount: Money) -> list[IndemnityLine]:
        return [IndemnityLine(amount=_euro("40"), basis="de.BGB288.5", legal_text="BGB § 288 Abs. 5 (Pauschale)")]


# (debt below this amount in pounds, fixed sum in pounds); the last applies to everything above
UK_FIXED_SUMS: tuple[tuple[Decimal | None, str], ...] = ((Decimal(1000), "40"), (Decimal(10000), "70"), (None, "100"))


@dataclass(frozen=True, slots=True, kw_only=True)
class UnitedKingdomRule:
    """Late Payment of Commercial Debts (Interest) Act 1998.

    Rate: the Bank of England rate in force on 31 December / 30 June immediately before the day
    interest starts to run (the day after the due date), + 8 points, fixed for the life of the debt
    (s. 6 and the Rate of Interest (No. 3) Order 2002). Fixed sum (s. 5A): GBP 40 for a debt under
    GBP 1,000, GBP 70 under GBP 10,000, GBP 100 from GBP 10,000; the debt is the amount that was
    late (the highest open amount during the delay, normally the open amount on the due date).
    """

    code: ClassVar[str] = "uk"
    currency: ClassVar[str | None] = "GBP"
    day_basis: ClassVar[int] = DAY_BASIS
    margin: ClassVar[Decimal] = Decimal(8)
    interest_basis: ClassVar[str] = "uk.LPCDA1998.s4"
    interest_text: ClassVar[str] = "Late Payment of Commercial Debts (Interest) Act 1998, s. 4 and s. 6"

    def rate_segments(
        self, *, due_date: dt.date, start: dt.date, end: dt.date, rates: RateBook | None
    ) -> list[RateSegment]:
        return _reference_segments(
            rates=_need(rates, self.code), table="boe_reference", margin=self.margin, start=start, end=end,
            fixed_period=HalfYear.of(interest_start(due_date)),
        )  # fmt: skip

    @staticmethod
    def fixed_sum(debt: Money) -> Money:
        for below, pounds in UK_FIXED_SUMS:
            if below is None or debt.amount < below:
                return Money.of(pounds, "GBP")
        raise AssertionError("unreachable: the last tier has no upper bound")  # pragma: no cover

    def indemnities(self, *, late_amount: Money) -> list[IndemnityLine]:
        return [
            IndemnityLine(
                amount=self.fixed_sum(late_amount),
                basis="uk.LPCDA1998.s5A",
                legal_text="Late Payment of Commercial Debts (Interest) Act 1998, s. 5A (fixed sum)",
            )
        ]


@dataclass(frozen=True, slots=True, kw_only=True)
class EUDefaultRule:
    """Directive 2011/7/EU: ECB MRO rate of the half-year (1 January / 1 July) + 8 points; EUR 40 (art. 6)."""

    code: ClassVar[str] = "eu"
    currency: ClassVar[str | None] = "EUR"
    day_basis: ClassVar[int] = DAY_BASIS
    margin: ClassVar[Decimal] = Decimal(8)
    interest_basis: ClassVar[str] = "eu.2011-7.art3"
    interest_text: ClassVar[str] = "Directive 2011/7/EU, art. 2(6) and art. 3"

    def rate_segments(
        self, *, due_date: dt.date, start: dt.date, end: dt.date, rates: RateBook | None
    ) -> list[RateSegment]:
        return _reference_segments(
            rates=_need(rates, self.code), table="ecb_mro", margin=self.margin, start=start, end=end,
            fixed_period=None,
        )  # fmt: skip

    def indemnities(self, *, late_amount: Money) -> list[IndemnityLine]:
        return [
            IndemnityLine(
                amount=_euro("40"),
                basis="eu.2011-7.art6",
                legal_text="Directive 2011/7/EU, art. 6(1) (compensation for recovery costs)",
            )
        ]


@dataclass(frozen=True, slots=True, kw_only=True)
class ContractRule:
    """A fixed annual rate and an optional fixed fee set by the company; any currency (the fee's must match)."""

    code: ClassVar[str] = "contract"
    currency: ClassVar[str | None] = None
    interest_basis: ClassVar[str] = "contract"
    interest_text: ClassVar[str] = "Contractual late-payment interest"

    rate: Decimal
    fee: Money | None = None
    day_basis: int = DAY_BASIS

    def __post_init__(self) -> None:
        object.__setattr__(self, "rate", parse_rate(self.rate))
        if self.rate < 0:
            raise PenaltyError("a contractual late-payment rate cannot be negative")
        if self.fee is not None and self.fee.minor < 0:
            raise PenaltyError("a contractual late-payment fee cannot be negative")
        if self.day_basis not in (360, 365):
            raise PenaltyError(f"day basis must be 365 or 360, not {self.day_basis}")

    def rate_segments(
        self, *, due_date: dt.date, start: dt.date, end: dt.date, rates: RateBook | None
    ) -> list[RateSegment]:
        return [RateSegment(start=start, end=end, rate=self.rate, rate_source="contract")]

    def indemnities(self, *, late_amount: Money) -> list[IndemnityLine]:
        if self.fee is None or not self.fee:
            return []
        if self.fee.currency != late_amount.currency:
            raise PenaltyError(
                f"the contractual fee is in {self.fee.currency} but the invoice is in {late_amount.currency}",
                code="penalties.currency",
            )
        return [IndemnityLine(amount=self.fee, basis="contract.fee", legal_text="Contractual late-payment fee")]


RULES: dict[str, Callable[..., PenaltyRule]] = {
    "fr": FranceRule,
    "de": GermanyRule,
    "uk": UnitedKingdomRule,
    "eu": EUDefaultRule,
    "contract": ContractRule,
}


def get_rule(code: str, **options: object) -> PenaltyRule:
    """The rule for a jurisdiction code, with its options (``get_rule("contract", rate=Decimal("12"))``)."""
    factory = RULES.get(code)
    if factory is None:
        raise PenaltyError(f"unknown penalty rule {code!r}; rules: {', '.join(RULES)}", code="penalties.unknown_rule")
    try:
        return factory(**options)
    except TypeError as exc:
        raise PenaltyError(f"bad options for the {code!r} penalty rule: {exc}") from exc


def rule_codes() -> Sequence[str]:
    return tuple(RULES)
