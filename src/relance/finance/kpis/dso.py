"""Days sales outstanding: how many days of credit sales are still unpaid.

Days are `Decimal` with `DAYS_PLACES` (one) decimal, rounded half-up once from the exact
fraction. Amounts are `Money`; mixing currencies is a `KpiError` (compute each currency apart).
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from relance.core.money import Money
from relance.finance.kpis.base import DAYS_PLACES, Kpi, KpiError, check_days, one_currency, round_fraction

NO_SALES = "no credit sales in the period: DSO is undefined"


def _credit_balance(receivables: Money) -> Kpi | None:
    if receivables.minor > 0:
        return None
    if receivables.minor == 0:
        return Kpi(round_fraction(Fraction(0), DAYS_PLACES), note="nothing outstanding")
    return Kpi(
        round_fraction(Fraction(0), DAYS_PLACES),
        note=f"net credit balance of {-receivables}: nothing outstanding, counted as 0 days",
    )


def count_back_dso(*, receivables: Money, sales: Sequence[Money], days: Sequence[int] | int = 30) -> Kpi:
    """DSO by the count-back method.

    Start from the receivables at the end of the period and walk back month by month, most recent
    month first: while the receivables left cover a month's credit sales, that month counts all
    its days and its sales are taken off; the month they no longer cover counts the share
    `left / sales x days`; then stop.

        DSO = d1 + d2 + … + dk + (R - S1 - … - Sk) / S(k+1) x d(k+1)

    Worked example (30-day months): receivables 405, sales 205, 158, 167 (most recent first).
    405 - 205 = 200 left: 30 days; 200 - 158 = 42 left: 30 more days; 42 of 167 is
    42/167 x 30 = 7.545 days. DSO = 67.545, shown 67.5 (about 68 days).

    `sales` and `days` are given most recent first; `days` is one number for every month or one
    per month (the calendar days of each month, see `calendar_months`).

    - A month with no sales (or more credit notes than sales) covers nothing: it counts all its
      days and nothing is taken off.
    - Receivables still left after the last month given: the figure is the days of all the months
      given, marked `at_least` (the true DSO is longer; give more months).
    - Receivables of zero or less (a net credit balance): 0 days, with a note.
    - No credit sales in any month: no figure.
    """
    month_days = [days] * len(sales) if isinstance(days, int) else list(days)
    if len(month_days) != len(sales):
        raise KpiError(f"{len(sales)} months of sales but {len(month_days)} month lengths")
    for value in month_days:
        check_days(value)
    one_currency([receivables, *sales])
    if all(s.minor <= 0 for s in sales):
        return Kpi.none(NO_SALES)
    if (balance := _credit_balance(receivables)) is not None:
        return balance
    left = receivables.minor
    total = Fraction(0)
    for month_sales, month_length in zip(sales, month_days, strict=True):
        if month_sales.minor <= 0 or left >= month_sales.minor:
            total += month_length
            left -= max(month_sales.minor, 0)
            if left == 0:
                break
            continue
        total += Fraction(left, month_sales.minor) * month_length
        left = 0
        break
    if left > 0:
        return Kpi(
            round_fraction(total, DAYS_PLACES),
            at_least=True,
            reason=(
                f"receivables exceed the credit sales of the {len(sales)} months given "
                f"({Money(left, receivables.currency)} left): the DSO is longer"
            ),
        )
    return Kpi(round_fraction(total, DAYS_PLACES))


def _ratio_days(amount: Money, sales: Money, days: int) -> Kpi:
    check_days(days)
    one_currency([amount, sales])
    if sales.minor <= 0:
        return Kpi.none(NO_SALES)
    if (balance := _credit_balance(amount)) is not None:
        return balance
    return Kpi(round_fraction(Fraction(amount.minor * days, sales.minor), DAYS_PLACES))


def simple_dso(*, receivables: Money, credit_sales: Money, days: int) -> Kpi:
    """DSO by the simple (average) method: receivables / credit sales of the period x its days.

        DSO = R / S x d

    Worked example: receivables 405, credit sales 530 (205 + 158 + 167) over 90 days:
    405 / 530 x 90 = 68.774 -> 68.8 days. (Count-back on the same figures: 67.5; the simple
    method uses the average month, count-back the most recent ones.)

    No credit sales (zero or less): no figure. Receivables of zero or less: 0 days, with a note.
    """
    return _ratio_days(receivables, credit_sales, days)


def best_possible_dso(*, current_receivables: Money, credit_sales: Money, days: int) -> Kpi:
    """Best possible DSO: the DSO if every customer paid exactly on the due date.

        BPDSO = current (not yet due) receivables / credit sales x d

    Worked example: 250 not yet due of the 405 owed, credit sales 530 over 90 days:
    250 / 530 x 90 = 42.453 -> 42.5 days.
    """
    return _ratio_days(current_receivables, credit_sales, days)


def average_days_delinquent(*, dso: Kpi, best_possible: Kpi) -> Kpi:
    """Average days delinquent: ADD = DSO - best possible DSO, the days customers pay late.

    Computed from the two rounded figures, so the three figures on a page add up: with the simple
    DSO 68.8 and the best possible DSO 42.5 of the examples above, ADD = 26.3 days. It may be
    negative when unapplied credits exceed the overdue receivables. A lower-bound DSO makes a
    lower-bound ADD.
    """
    if dso.value is None:
        return Kpi.none(dso.reason)
    if best_possible.value is None:
        return Kpi.none(best_possible.reason)
    return Kpi(dso.value - best_possible.value, at_least=dso.at_least, reason=dso.reason if dso.at_least else "")
