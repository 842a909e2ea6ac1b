"""The penalty engine: one pure function from an invoice, its payments and a date to dated lines.

Conventions (docs/penalties.md explains them with examples):

- **Days** are date differences. A delay runs from the due date D to the end date E (the payment
  date, or the computation date `as_of` while the invoice is open) and counts ``(E - D).days``
  days: the first day of interest is the day after the due date and the payment day counts
  (due 15 March, paid 14 May: 60 days). A change (partial payment, new half-year rate) on date C
  splits it into ``(C - D).days`` days before and ``(E - C).days`` after, so consecutive lines chain
  (one line's end is the next line's start) and no day is counted twice or lost.
- **Open amount** during a line = invoice amount - everything applied on or before the line's
  start date, never below zero. A payment dated P therefore bears interest up to P and stops it
  from P on; payments dated after `as_of` are not known yet and are ignored.
- **Interest** of a line = open amount x rate x days / day basis (365), computed exactly with
  integers and rounded half-up to the minor unit once per line. Totals are sums of rounded lines,
  so the printed lines always add up to the printed total.
- **Fixed sums** are due once per invoice if any amount was open after the due date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from itertools import pairwise

from relance.core.money import Money
from relance.finance.penalties.errors import PenaltyError
from relance.finance.penalties.model import IndemnityLine, InterestLine, InvoiceFacts, PaymentFact, PenaltyResult
from relance.finance.penalties.rates import RateBook
from relance.finance.penalties.rules import PenaltyRule


def div_round_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded to the nearest integer, halves away from zero, in exact integers."""
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    sign = -1 if numerator < 0 else 1
    return sign * ((2 * abs(numerator) + denominator) // (2 * denominator))


def interest_minor(*, open_minor: int, rate: Decimal, days: int, day_basis: int) -> int:
    """open x rate % x days / day_basis, in minor units, exact then rounded half-up once."""
    rate_num, rate_den = rate.as_integer_ratio()
    return div_round_half_up(open_minor * rate_num * days, rate_den * 100 * day_basis)


def _payments(
    invoice: InvoiceFacts, payments: Iterable[PaymentFact | tuple[dt.date, Money]], as_of: dt.date
) -> list[tuple[dt.date, int]]:
    """Amounts applied on each date up to `as_of`, in minor units, sorted by date."""
    by_date: dict[dt.date, int] = {}
    for item in payments:
        payment = item if isinstance(item, PaymentFact) else PaymentFact(date=item[0], amount=item[1])
        if payment.amount.currency != invoice.currency:
            raise PenaltyError(
                f"a payment of {payment.amount} cannot be applied to {invoice.label} in {invoice.currency}",
                code="penalties.currency",
            )
        if payment.date <= as_of:
            by_date[payment.date] = by_date.get(payment.date, 0) + payment.amount.minor
    return sorted(by_date.items())


def _open_periods(
    *, amount: int, due_date: dt.date, as_of: dt.date, applied: list[tuple[dt.date, int]]
) -> list[tuple[dt.date, dt.date, int]]:
    """``[(start, end, open minor)]`` from the due date to `as_of`, cut at each payment, open amounts > 0 only."""
    if as_of <= due_date:
        return []
    cuts = sorted({due_date, as_of, *(day for day, _ in applied if due_date < day < as_of)})
    periods: list[tuple[dt.date, dt.date, int]] = []
    pending = iter(applied)
    upcoming = next(pending, None)
    paid = 0
    for start, end in pairwise(cuts):
        while upcoming is not None and upcoming[0] <= start:
            paid += upcoming[1]
            upcoming = next(pending, None)
        open_minor = max(0, amount - paid)
        if open_minor > 0:
            periods.append((start, end, open_minor))
    return periods


def compute_penalties(
    *,
    invoice: InvoiceFacts,
    payments: Iterable[PaymentFact | tuple[dt.date, Money]] = (),
    as_of: dt.date,
    rule: PenaltyRule,
    rates: RateBook | None = None,
) -> PenaltyResult:
    """Late-payment interest and fixed sums of one invoice at `as_of` under `rule`.

    `payments` are everything applied to the invoice (payments, credit notes, settlements) as
    `PaymentFact` or ``(date, Money)`` pairs, in the invoice's currency. `rates` is needed by every
    statutory rule (`relance.finance.rates_store.load_rate_book()`); a missing half-year raises
    `MissingRateError` — only for half-years in which an amount was actually open.
    """
    currency = invoice.currency
    if rule.currency is not None and rule.currency != currency:
        raise PenaltyError(
            f"the {rule.code!r} penalty rule computes amounts in {rule.currency} only; {invoice.label} "
            f"is in {currency} (use a contractual rule for other currencies)",
            code="penalties.currency",
        )
    applied = _payments(invoice, payments, as_of)
    periods = _open_periods(amount=invoice.amount.minor, due_date=invoice.due_date, as_of=as_of, applied=applied)

    interest_lines: list[InterestLine] = []
    for start, end, open_minor in periods:
        for segment in rule.rate_segments(due_date=invoice.due_date, start=start, end=end, rates=rates):
            days = (segment.end - segment.start).days
            if days <= 0 or segment.rate == 0:
                continue
            minor = interest_minor(open_minor=open_minor, rate=segment.rate, days=days, day_basis=rule.day_basis)
            interest_lines.append(
                InterestLine(
                    start=segment.start,
                    end=segment.end,
                    days=days,
                    open_amount=Money(open_minor, currency),
                    rate=segment.rate,
                    day_basis=rule.day_basis,
                    amount=Money(max(0, minor), currency),
                    basis=rule.interest_basis,
                    legal_text=rule.interest_text,
                    reference_rate=segment.reference_rate,
                    margin=segment.margin,
                    rate_table=segment.rate_table,
                    rate_period=segment.rate_period,
                    rate_source=segment.rate_source,
                )
            )

    indemnity_lines: list[IndemnityLine] = []
    days_late = 0
    if periods:
        days_late = (periods[-1][1] - invoice.due_date).days
        late_amount = Money(max(open_minor for _, _, open_minor in periods), currency)
        indemnity_lines = rule.indemnities(late_amount=late_amount)
    return PenaltyResult(
        rule=rule.code,
        currency=currency,
        due_date=invoice.due_date,
        as_of=as_of,
        interest_lines=tuple(interest_lines),
        indemnity_lines=tuple(indemnity_lines),
        days_late=days_late,
    )
