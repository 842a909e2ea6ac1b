"""Ratios of the dashboard: collection effectiveness, aging shares, promises, dispute resolution.

Percentages are `Decimal` with `PERCENT_PLACES` (one) decimal and days with `DAYS_PLACES` (one),
rounded half-up once from the exact fraction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction

from relance.core.money import Money
from relance.finance.kpis.base import DAYS_PLACES, PERCENT_PLACES, Kpi, KpiError, one_currency, round_fraction


def collection_effectiveness_index(
    *, beginning_receivables: Money, credit_sales: Money, ending_receivables: Money, ending_current: Money
) -> Kpi:
    """Collection effectiveness index (CEI), in percent: what was collected of what could be.

        CEI = (B + S - E) / (B + S - Ec) x 100

    B: receivables at the start of the period, S: credit sales of the period, E: receivables at
    its end, Ec: the part of E not yet due at the end. The numerator is what was collected; the
    denominator what was collectible (everything except what was not due yet).

    Worked example: B 400, S 530, E 405, Ec 250: (400 + 530 - 405) / (400 + 530 - 250) x 100 =
    525 / 680 x 100 = 77.206 -> 77.2 %.

    Nothing collectible (denominator zero or less): no figure.
    """
    one_currency([beginning_receivables, credit_sales, ending_receivables, ending_current])
    collectible = beginning_receivables.minor + credit_sales.minor - ending_current.minor
    if collectible <= 0:
        return Kpi.none("nothing was collectible in the period: CEI is undefined")
    collected = beginning_receivables.minor + credit_sales.minor - ending_receivables.minor
    return Kpi(round_fraction(Fraction(collected * 100, collectible), PERCENT_PLACES))


def aging_shares(buckets: Mapping[str, Money]) -> dict[str, Kpi]:
    """Each aging bucket's share of the total, in percent, in the order given.

        share(b) = amount(b) / Σ amounts x 100

    Worked example: not due 250, 1-30 days 100, 31-60 days 55 (405 in all): 250/405 = 61.728 ->
    61.7 %, 100/405 = 24.691 -> 24.7 %, 55/405 = 13.580 -> 13.6 %. Each share is rounded on its
    own, so the shares may add up to 99.9 or 100.1.

    Pass the debit buckets (invoices and debit notes); unapplied credits are not a bucket of what
    is owed, and a negative amount is refused. Nothing owed: no figure for any bucket.
    """
    one_currency(buckets.values())
    if any(amount.minor < 0 for amount in buckets.values()):
        raise KpiError("aging buckets cannot be negative: leave unapplied credits out")
    total = sum(amount.minor for amount in buckets.values())
    if total == 0:
        return {name: Kpi.none("nothing outstanding") for name in buckets}
    return {
        name: Kpi(round_fraction(Fraction(amount.minor * 100, total), PERCENT_PLACES))
        for name, amount in buckets.items()
    }


@dataclass(frozen=True, slots=True)
class PromiseRates:
    kept: Kpi
    broken: Kpi


def promise_rates(*, kept: int, broken: int) -> PromiseRates:
    """Promises kept and broken, in percent of the promises whose date has passed.

        kept % = kept / (kept + broken) x 100,  broken % = 100 - kept %

    Promises still pending are not counted. The broken share is the complement of the rounded
    kept share, so the two always add up to 100.

    Worked example: 5 kept, 1 broken: 5/6 = 83.333 -> 83.3 % kept, 16.7 % broken.
    """
    for value in (kept, broken):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise KpiError(f"promise counts are whole numbers, got {value!r}")
    if kept + broken == 0:
        reason = "no promise has fallen due yet"
        return PromiseRates(Kpi.none(reason), Kpi.none(reason))
    kept_share = round_fraction(Fraction(kept * 100, kept + broken), PERCENT_PLACES)
    return PromiseRates(Kpi(kept_share), Kpi(100 - kept_share))


def average_resolution_days(disputes: Iterable[tuple[dt.date, dt.date]]) -> Kpi:
    """Average time to resolve a dispute, in days, over the resolved disputes given.

        average = Σ (resolved - opened) / number of disputes

    Worked example: disputes resolved after 4, 10 and 15 days: 29 / 3 = 9.667 -> 9.7 days.

    Each dispute is (opened, resolved) as dates; one resolved before it was opened is refused.
    No resolved dispute: no figure.
    """
    durations = []
    for opened, resolved in disputes:
        days = (resolved - opened).days
        if days < 0:
            raise KpiError(f"a dispute opened on {opened} cannot be resolved on {resolved}")
        durations.append(days)
    if not durations:
        return Kpi.none("no dispute resolved in the period")
    return Kpi(round_fraction(Fraction(sum(durations), len(durations)), DAYS_PLACES))
