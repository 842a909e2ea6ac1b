"""Receivables KPIs as pure functions: DSO (count-back and simple), best possible DSO, average
days delinquent, collection effectiveness index, aging shares, promise and dispute figures.

No Django, no ORM: the inputs are `Money` amounts, day counts and plain numbers (read from the
ledger by `relance.finance.selectors.kpi_inputs`). Every result is a `Kpi`: a `Decimal` rounded
half-up once, at the end, from an exact fraction (days and percentages to one decimal), or `None`
with the reason there is no figure. See docs/kpis.md.
"""

from relance.finance.kpis.base import DAYS_PLACES, PERCENT_PLACES, Kpi, KpiError, Period, calendar_months
from relance.finance.kpis.dso import (
    average_days_delinquent,
    best_possible_dso,
    count_back_dso,
    simple_dso,
)
from relance.finance.kpis.ratios import (
    PromiseRates,
    aging_shares,
    average_resolution_days,
    collection_effectiveness_index,
    promise_rates,
)

__all__ = [
    "DAYS_PLACES",
    "PERCENT_PLACES",
    "Kpi",
    "KpiError",
    "Period",
    "PromiseRates",
    "aging_shares",
    "average_days_delinquent",
    "average_resolution_days",
    "best_possible_dso",
    "calendar_months",
    "collection_effectiveness_index",
    "count_back_dso",
    "promise_rates",
    "simple_dso",
]
