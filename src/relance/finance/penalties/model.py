"""Value objects in and out of the penalty engine.

In: `InvoiceFacts` (amount, issue and due dates) and `PaymentFact` (a date and an amount that
reduces the open amount: a payment, a credit note or any allocation; a negative amount reopens).

Out: `PenaltyResult`, a tuple of `InterestLine` (one per period of constant open amount and
rate) and `IndemnityLine` (fixed sums), with totals. Every line has a stable `code` ("interest",
"indemnity") and a `basis` code ("fr.L441-10", "de.BGB288.5"...) that the documents layer
translates; `legal_text` is the citation in its own language, ready to print as is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from relance.core.money import Money
from relance.finance.penalties.errors import PenaltyError
from relance.finance.penalties.periods import HalfYear


@dataclass(frozen=True, slots=True, kw_only=True)
class InvoiceFacts:
    """An invoice (or debit note) as the engine sees it. `amount` is positive; its currency is the invoice's."""

    amount: Money
    due_date: dt.date
    issue_date: dt.date | None = None
    reference: str = ""  # invoice number, for messages only

    def __post_init__(self) -> None:
        if self.amount.minor <= 0:
            raise PenaltyError(f"{self.label} must have a positive amount, got {self.amount}")
        if self.issue_date is not None and self.due_date < self.issue_date:
            raise PenaltyError(f"{self.label} is due {self.due_date}, before its issue {self.issue_date}")

    @property
    def label(self) -> str:
        return f"invoice {self.reference}" if self.reference else "the invoice"

    @property
    def currency(self) -> str:
        return self.amount.currency


@dataclass(frozen=True, slots=True, kw_only=True)
class PaymentFact:
    """An amount applied to the invoice on a date (payment, credit note, settlement; negative reopens)."""

    date: dt.date
    amount: Money


@dataclass(frozen=True, slots=True, kw_only=True)
class InterestLine:
    """Interest on `open_amount` from `start` to `end`: ``days = (end - start).days``.

    `start` is the due date or the date of the previous change (payment, new half-year); `end` the
    date of the next change, the payment date or the computation date. Consecutive lines chain:
    one line's `end` is the next one's `start`, as in a French "décompte" ("du 15/03/2025 au
    14/05/2025 : 60 jours"). `rate` = `reference_rate` + `margin` when the rate comes from a table,
    else the contractual rate (`reference_rate` and `margin` are None then).
    """

    start: dt.date
    end: dt.date
    days: int
    open_amount: Money
    rate: Decimal  # percent per year
    day_basis: int  # 365: interest = open x rate x days / day_basis
    amount: Money  # rounded half-up to the minor unit, once, for this line
    basis: str  # stable code of the legal basis, e.g. "fr.L441-10"
    legal_text: str  # "Code de commerce, art. L441-10"
    reference_rate: Decimal | None = None
    margin: Decimal | None = None
    rate_table: str | None = None  # "ecb_mro"
    rate_period: HalfYear | None = None  # the half-year whose reference rate applies
    rate_source: str = ""  # where the reference rate comes from, or "contract"
    code: str = "interest"


@dataclass(frozen=True, slots=True, kw_only=True)
class IndemnityLine:
    """A fixed sum due once per late invoice (EUR 40 in France, Germany and the EU; GBP 40/70/100 in the UK)."""

    amount: Money
    basis: str  # "fr.D441-5"
    legal_text: str
    code: str = "indemnity"


@dataclass(frozen=True, slots=True, kw_only=True)
class PenaltyResult:
    """Penalties of one invoice at `as_of`. Totals are sums of the (already rounded) lines."""

    rule: str  # rule code: "fr", "de", "uk", "eu", "contract"
    currency: str
    due_date: dt.date
    as_of: dt.date
    interest_lines: tuple[InterestLine, ...]
    indemnity_lines: tuple[IndemnityLine, ...]
    days_late: int  # from the due date to the end of the last interest period (0 if never late)

    @property
    def is_late(self) -> bool:
        return self.days_late > 0

    @property
    def lines(self) -> tuple[InterestLine | IndemnityLine, ...]:
        """Interest lines in date order, then the fixed sums: the order a statement prints them."""
        return (*self.interest_lines, *self.indemnity_lines)

    @property
    def interest(self) -> Money:
        return sum((line.amount for line in self.interest_lines), Money.zero(self.currency))

    @property
    def indemnity(self) -> Money:
        return sum((line.amount for line in self.indemnity_lines), Money.zero(self.currency))

    @property
    def total(self) -> Money:
        return self.interest + self.indemnity
