"""Every figure of the dashboard, read in a fixed number of queries whatever the size of the ledger.

    scope = Scope(customers=ws.customers(all_customers=True), collector=None, tag=None)
    board = dashboard_figures(company=c, scope=scope, as_of=today, months=3)

The receivables figures come from `finance.selectors.kpi_inputs` (two SQL statements for twelve
months of sales and month-end balances, restricted to the scope's customers as a subquery) and
the formulas from `finance.kpis`; nothing is recomputed here. The period is the last `months`
calendar months ending on `as_of` (the last one running to `as_of`); count-back DSO walks back
through up to twelve months whatever the period, because it needs as many months as the
receivables cover. The overdue trend reads the daily snapshots (`finance.snapshots`): the latest
snapshot of each month; a month without one (or a tag filter: snapshots are kept per collector,
not per tag) takes its month-end figures from the ledger, marked as such. Promises, disputes
and actions are counted from `collection`'s models for the scope's customers.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from relance.accounts.models import User
from relance.collection.models import (
    Action,
    ActionStatus,
    Dispute,
    DisputeReason,
    DisputeStatus,
    Promise,
    PromiseStatus,
)
from relance.core.money import Money
from relance.finance.kpis import (
    Kpi,
    aging_shares,
    average_days_delinquent,
    average_resolution_days,
    best_possible_dso,
    collection_effectiveness_index,
    count_back_dso,
    promise_rates,
    simple_dso,
)
from relance.finance.kpis.base import Period
from relance.finance.selectors import Balances, KpiInputs, kpi_inputs
from relance.finance.snapshots import snapshot_trend
from relance.ledger.models import Company, Customer, Tag

HISTORY_MONTHS = 12  # months of sales and balances read: count-back's reach and the trend's length
PERIODS = (1, 3, 6, 12)  # the period selector, in calendar months
DEFAULT_PERIOD = 3
BUCKETS = (
    ("not_due", _("Not due")),
    ("days_1_30", _("1-30 days")),
    ("days_31_60", _("31-60 days")),
    ("days_61_90", _("61-90 days")),
    ("days_over_90", _("Over 90 days")),
)
OVERDUE_BUCKETS = BUCKETS[1:]
CHANNELS = ("email", "call", "letter", "task")


@dataclass(frozen=True)
class Scope:
    """The customers the figures are about: the user's portfolio narrowed by the filters."""

    customers: QuerySet[Customer]
    collector: User | None = None
    unassigned: bool = False  # customers without a collector
    tag: Tag | None = None

    @property
    def snapshots_apply(self) -> bool:
        """Snapshots are kept per collector: they serve the company, a collector and 'no collector'."""
        return self.tag is None


@dataclass(frozen=True)
class AgingBar:
    key: str
    label: str
    amount: Money
    share: Kpi


@dataclass(frozen=True)
class TrendRow:
    month: dt.date
    date: dt.date  # the day the figures are of
    from_snapshot: bool
    buckets: dict[str, Money]
    credits: Money

    @property
    def overdue(self) -> Money:
        return sum((self.buckets[key] for key, _label in OVERDUE_BUCKETS), Money.zero(self.credits.currency))

    @property
    def open(self) -> Money:
        return self.overdue + self.buckets["not_due"]


@dataclass(frozen=True)
class MonthRow:
    period: Period
    credit_sales: Money
    receivables: Money  # net receivables at the month's end
    in_period: bool


@dataclass
class CurrencyBlock:
    """The receivables figures of one currency (currencies are never mixed)."""

    currency: str
    period: Period
    credit_sales: Money
    receivables: Money  # net: open debits minus unapplied credits
    overdue: Money
    credits: Money
    count_back: Kpi
    simple: Kpi
    best_possible: Kpi
    days_delinquent: Kpi
    cei: Kpi
    aging: list[AgingBar]
    months: list[MonthRow]
    trend: list[TrendRow]

    @property
    def open(self) -> Money:
        return sum((bar.amount for bar in self.aging), Money.zero(self.currency))


@dataclass
class DisputeReasonRow:
    reason: str
    label: str
    open: int
    open_age: Kpi  # average days open so far
    resolved: int  # resolved or rejected in the period
    resolution: Kpi  # average days to resolve, in the period


@dataclass
class CollectorRow:
    label: str
    automatic: bool
    done: dict[str, int]  # channel -> count
    skipped: int

    @property
    def total(self) -> int:
        return sum(self.done.values())


@dataclass
class Dashboard:
    as_of: dt.date
    months: int
    period: Period
    blocks: list[CurrencyBlock]
    promises: dict[str, int]  # status -> count, promised dates in the period
    promises_kept: Kpi
    promises_broken: Kpi
    disputes: list[DisputeReasonRow]
    disputes_open: int
    disputes_open_age: Kpi
    disputes_resolved: int
    disputes_resolution: Kpi
    collectors: list[CollectorRow] = field(default_factory=list)
    snapshots_used: bool = False


def _period(inputs: KpiInputs, months: int) -> tuple[Period, Balances, list[Money], int]:
    """(period, opening balances, sales of its months, its days) of the last `months` months."""
    chosen = inputs.months[-months:]
    opening = inputs.opening if months >= len(inputs.months) else inputs.months[-months - 1].closing
    period = Period(chosen[0].period.start, chosen[-1].period.end)
    return period, opening, [m.credit_sales for m in chosen], sum(m.period.days for m in chosen)


def _trend(inputs: KpiInputs, latest: dict[dt.date, dt.date], points: dict, use_snapshots: bool) -> list[TrendRow]:
    rows = []
    code = inputs.currency
    for month in inputs.months:
        start = month.period.start
        if use_snapshots and start in latest:
            point = points.get((start, code))
            values = {key: Money(getattr(point, key) if point else 0, code) for key, _label in BUCKETS}
            credits = Money(point.credits if point else 0, code)
            rows.append(TrendRow(start, latest[start], True, values, credits))
        else:
            closing = month.closing
            values = {key: getattr(closing, key) for key, _label in BUCKETS}
            rows.append(TrendRow(start, closing.date, False, values, closing.credits))
    return rows


def _block(inputs: KpiInputs, months: int, trend: list[TrendRow]) -> CurrencyBlock:
    period, opening, sales, days = _period(inputs, months)
    at_end = inputs.at_end
    sales_total = sum(sales, Money.zero(inputs.currency))
    simple = simple_dso(receivables=at_end.balance, credit_sales=sales_total, days=days)
    best = best_possible_dso(current_receivables=at_end.not_due, credit_sales=sales_total, days=days)
    shares = aging_shares(at_end.buckets())
    first_in_period = len(inputs.months) - months
    return CurrencyBlock(
        currency=inputs.currency,
        period=period,
        credit_sales=sales_total,
        receivables=at_end.balance,
        overdue=at_end.overdue,
        credits=at_end.credits,
        count_back=count_back_dso(
            receivables=at_end.balance, sales=inputs.sales_recent_first(), days=inputs.days_recent_first()
        ),
        simple=simple,
        best_possible=best,
        days_delinquent=average_days_delinquent(dso=simple, best_possible=best),
        cei=collection_effectiveness_index(
            beginning_receivables=opening.balance,
            credit_sales=sales_total,
            ending_receivables=at_end.balance,
            ending_current=at_end.not_due,
        ),
        aging=[AgingBar(key, str(label), getattr(at_end, key), shares[key]) for key, label in BUCKETS],
        months=[
            MonthRow(m.period, m.credit_sales, m.closing.balance, index >= first_in_period)
            for index, m in enumerate(inputs.months)
        ],
        trend=trend,
    )


def _promises(company: Company, customers: QuerySet[Customer], period: Period) -> dict[str, int]:
    rows = (
        Promise.objects.filter(company=company, customer__in=customers, promised_date__range=(period.start, period.end))
        .order_by()
        .values("status")
        .annotate(n=Count("id"))
    )
    counts = {status: 0 for status in PromiseStatus.values}
    counts.update({row["status"]: row["n"] for row in rows})
    return counts


def _disputes(
    company: Company, customers: QuerySet[Customer], period: Period
) -> tuple[list[DisputeReasonRow], int, Kpi, int, Kpi]:
    """Open at the end of the period by reason (with their age), resolved in it (with the time taken)."""
    end = period.end
    rows = (
        Dispute.objects.filter(company=company, customer__in=customers, opened_on__lte=end)
        .filter(
            Q(resolved_on__isnull=True, status=DisputeStatus.OPEN)
            | Q(resolved_on__gt=end)
            | Q(resolved_on__range=(period.start, end), status__in=(DisputeStatus.RESOLVED, DisputeStatus.REJECTED))
        )
        .order_by()
        .values_list("reason", "opened_on", "resolved_on")
    )
    open_by: dict[str, list[tuple[dt.date, dt.date]]] = defaultdict(list)
    resolved_by: dict[str, list[tuple[dt.date, dt.date]]] = defaultdict(list)
    for reason, opened, resolved in rows:
        if resolved is None or resolved > end:
            open_by[reason].append((opened, end))
        else:
            resolved_by[reason].append((opened, resolved))
    table = []
    for reason, label in DisputeReason.choices:
        if reason not in open_by and reason not in resolved_by:
            continue
        table.append(
            DisputeReasonRow(
                reason=reason,
                label=str(label),
                open=len(open_by[reason]),
                open_age=average_resolution_days(open_by[reason]),
                resolved=len(resolved_by[reason]),
                resolution=average_resolution_days(resolved_by[reason]),
            )
        )
    table.sort(key=lambda row: (-row.open, -row.resolved, row.label))
    all_open = [pair for pairs in open_by.values() for pair in pairs]
    all_resolved = [pair for pairs in resolved_by.values() for pair in pairs]
    return (
        table,
        len(all_open),
        average_resolution_days(all_open),
        len(all_resolved),
        average_resolution_days(all_resolved),
    )


def _collectors(company: Company, customers: QuerySet[Customer], period: Period) -> list[CollectorRow]:
    """Actions done (per channel) and skipped in the period, per person who did them; the e-mails
    the outbox sent by itself are one 'automatic' row."""
    zone = ZoneInfo(company.timezone)
    start = dt.datetime.combine(period.start, dt.time.min, tzinfo=zone)
    stop = dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    rows = (
        Action.objects.filter(
            company=company,
            customer__in=customers,
            status__in=(ActionStatus.DONE, ActionStatus.SKIPPED),
            done_at__gte=start,
            done_at__lt=stop,
        )
        .order_by()
        .values_list("done_by", "channel", "status")
        .annotate(n=Count("id"))
    )
    rows = list(rows)
    labels = {row[0] for row in rows}
    users = (
        {
            user.username: (user.get_full_name() or user.username)
            for user in User.objects.filter(username__in=labels).only("username", "first_name", "last_name")
        }
        if labels
        else {}
    )
    automatic = str(_("Relance (automatic)"))
    found: dict[str, CollectorRow] = {}
    for done_by, channel, status, count in rows:
        name = users.get(done_by)
        key = name or automatic
        row = found.setdefault(key, CollectorRow(key, name is None, Counter(), 0))
        if status == ActionStatus.SKIPPED:
            row.skipped += count
        else:
            row.done[channel if channel in CHANNELS else "task"] += count
    result = sorted(found.values(), key=lambda row: (row.automatic, -row.total, row.label))
    for row in result:
        row.done = {channel: row.done.get(channel, 0) for channel in CHANNELS}
    return result


def dashboard_figures(*, company: Company, scope: Scope, as_of: dt.date, months: int = DEFAULT_PERIOD) -> Dashboard:
    """The whole dashboard of `scope` at `as_of` over the last `months` months (see the module doc)."""
    months = max(1, min(months, HISTORY_MONTHS))
    inputs = kpi_inputs(company, end=as_of, months=HISTORY_MONTHS, customers=scope.customers)
    latest: dict[dt.date, dt.date] = {}
    points: dict = {}
    if scope.snapshots_apply and inputs:
        latest, points = snapshot_trend(
            company=company,
            end=as_of,
            months=HISTORY_MONTHS,
            collector_id=scope.collector.pk if scope.collector is not None else None,
            unassigned=scope.unassigned,
        )
    order = sorted(inputs, key=lambda code: (code != company.currency, code))
    blocks = [
        _block(inputs[code], months, _trend(inputs[code], latest, points, scope.snapshots_apply)) for code in order
    ]
    start = as_of.replace(day=1)
    for _month in range(months - 1):
        start = (start - dt.timedelta(days=1)).replace(day=1)
    period = Period(start, as_of)
    promises = _promises(company, scope.customers, period)
    rates = promise_rates(kept=promises[PromiseStatus.KEPT], broken=promises[PromiseStatus.BROKEN])
    disputes, open_count, open_age, resolved_count, resolution = _disputes(company, scope.customers, period)
    return Dashboard(
        as_of=as_of,
        months=months,
        period=period,
        blocks=blocks,
        promises=promises,
        promises_kept=rates.kept,
        promises_broken=rates.broken,
        disputes=disputes,
        disputes_open=open_count,
        disputes_open_age=open_age,
        disputes_resolved=resolved_count,
        disputes_resolution=resolution,
        collectors=_collectors(company, scope.customers, period),
        snapshots_used=bool(latest),
    )
