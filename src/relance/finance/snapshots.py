"""Receivables snapshots: take today's, back-fill past month-ends, read the monthly trend.

    snapshot_take(company=c, as_of=today)           # the daily run; idempotent per day
    snapshots_backfill(company=c, as_of=today, months=12)   # a new install gets a trend
    snapshot_trend(company=c, end=today, months=12, collector_id=None)

A snapshot is what the ledger's own definition of "open at a date" (`open_items_sql`) gave on
that date, per currency and per collector of the customers, aged by days past due: the same
figures as the aging and the statements of that day. Taking a day again replaces its rows (one
transaction, the company row locked), so a second run the same day changes nothing. The
back-fill computes the past month-ends from the ledger (every allocation is dated, so the open
amount at a past date is exact) and leaves the dates that already have a snapshot alone: a
snapshot records what was known on its day.

The trend takes, for each calendar month, the latest snapshot of the month (the month-end, or
the last day taken so far in the current month).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Max, Sum
from django.db.models.functions import TruncMonth

from relance.core.audit import Actor, record
from relance.finance.models import ReceivablesSnapshot, SnapshotSource
from relance.ledger.models import Company
from relance.ledger.selectors import open_items_sql

FIGURES = ("not_due", "days_1_30", "days_31_60", "days_61_90", "days_over_90", "credits")


def _rows_at(company: Company, dates: Sequence[dt.date]) -> dict[dt.date, list[dict[str, Any]]]:
    """date -> one dict per (collector, currency) with the figures, one SQL statement for all dates."""
    parts: list[str] = []
    params: list[Any] = []
    debit = "t.item_type NOT IN ('credit_note', 'payment')"
    for index, day in enumerate(dates):
        sql, item_params = open_items_sql(company_id=company.pk, as_of=day)
        limits = [day - dt.timedelta(days=n) for n in (0, 30, 60, 90)]
        parts.append(
            f"""SELECT {index} AS k, c.collector_id, t.currency,
                   SUM(CASE WHEN {debit} AND t.due_date >= %s THEN t.open_amount ELSE 0 END),
                   SUM(CASE WHEN {debit} AND t.due_date < %s AND t.due_date >= %s THEN t.open_amount ELSE 0 END),
                   SUM(CASE WHEN {debit} AND t.due_date < %s AND t.due_date >= %s THEN t.open_amount ELSE 0 END),
                   SUM(CASE WHEN {debit} AND t.due_date < %s AND t.due_date >= %s THEN t.open_amount ELSE 0 END),
                   SUM(CASE WHEN {debit} AND t.due_date < %s THEN t.open_amount ELSE 0 END),
                   SUM(CASE WHEN {debit} THEN 0 ELSE t.open_amount END),
                   COUNT(DISTINCT CASE WHEN {debit} AND t.open_amount > 0 THEN t.customer_id END),
                   COUNT(DISTINCT CASE WHEN {debit} AND t.open_amount > 0 AND t.due_date < %s
                                       THEN t.customer_id END)
              FROM ({sql}) t JOIN ledger_customer c ON c.id = t.customer_id
             GROUP BY c.collector_id, t.currency"""  # noqa: S608 - built from constants; values are parameters
        )
        bucket_params = [limits[0], limits[0], limits[1], limits[1], limits[2], limits[2], limits[3], limits[3]]
        params += [*bucket_params, day, *item_params]
    found: dict[dt.date, list[dict[str, Any]]] = {day: [] for day in dates}
    if not dates:
        return found
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        rows = cursor.fetchall()
    for row in rows:
        values = [int(v or 0) for v in row[3:9]]
        figures = dict(zip(FIGURES, values, strict=True))
        debit_total = sum(values[:5])
        overdue = sum(values[1:5])
        found[dates[int(row[0])]].append(
            {
                "collector_id": row[1],
                "currency": row[2],
                **figures,
                "open": debit_total,
                "overdue": overdue,
                "customers": int(row[9] or 0),
                "customers_overdue": int(row[10] or 0),
            }
        )
    return found


def _write(company: Company, day: dt.date, rows: list[dict[str, Any]], source: str) -> list[ReceivablesSnapshot]:
    if not rows:  # nothing open: one row of zeros, so the day still counts as taken
        rows = [{"collector_id": None, "currency": company.currency}]
    return ReceivablesSnapshot.objects.bulk_create(
        [ReceivablesSnapshot(company=company, date=day, source=source, **row) for row in rows]
    )


@transaction.atomic
def snapshot_take(*, company: Company, as_of: dt.date, actor: Actor | None = None) -> list[ReceivablesSnapshot]:
    """Record what is open at the end of `as_of`; taking the same day again replaces its rows."""
    Company.objects.select_for_update().filter(pk=company.pk).first()  # one writer per company at a time
    rows = _rows_at(company, [as_of])[as_of]
    ReceivablesSnapshot.objects.filter(company=company, date=as_of).delete()
    written = _write(company, as_of, rows, SnapshotSource.DAILY)
    if actor is not None:
        record(actor=actor, code="finance.snapshot.taken", company=company, obj=company,
               data={"date": as_of.isoformat(), "rows": len(written)})  # fmt: skip
    return written


def month_ends_before(as_of: dt.date, months: int) -> list[dt.date]:
    """The last day of each of the `months` calendar months before `as_of`'s month, oldest first."""
    ends = []
    year, month = as_of.year, as_of.month
    for _ in range(months):
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        ends.append(dt.date(year, month, calendar.monthrange(year, month)[1]))
    return ends[::-1]


@dataclass(frozen=True, slots=True)
class BackfillResult:
    written: list[dt.date]  # month-ends computed from the ledger
    kept: list[dt.date]  # month-ends that already had a snapshot (left as they were)


@transaction.atomic
def snapshots_backfill(
    *, company: Company, as_of: dt.date, months: int = 12, replace: bool = False, actor: Actor | None = None
) -> BackfillResult:
    """Compute the snapshots of the `months` month-ends before `as_of` from the ledger.

    Month-ends that already have a snapshot are kept unless `replace` (then recomputed). One SQL
    statement for all the dates, whatever their number.
    """
    if months < 1:
        raise ValueError("at least one month")
    Company.objects.select_for_update().filter(pk=company.pk).first()
    ends = month_ends_before(as_of, months)
    existing = set(ReceivablesSnapshot.objects.filter(company=company, date__in=ends).values_list("date", flat=True))
    todo = ends if replace else [day for day in ends if day not in existing]
    rows = _rows_at(company, todo)
    if replace:
        ReceivablesSnapshot.objects.filter(company=company, date__in=todo).delete()
    for day in todo:
        _write(company, day, rows[day], SnapshotSource.BACKFILL)
    result = BackfillResult(written=todo, kept=[day for day in ends if day not in todo])
    if actor is not None and todo:
        record(actor=actor, code="finance.snapshot.backfilled", company=company, obj=company,
               data={"dates": [d.isoformat() for d in todo]})  # fmt: skip
    return result


@dataclass(frozen=True, slots=True)
class TrendPoint:
    """The latest snapshot of one month (summed over collectors, or one collector's), one currency."""

    month: dt.date  # first day of the month
    date: dt.date  # the day of the snapshot
    currency: str
    not_due: int
    days_1_30: int
    days_31_60: int
    days_61_90: int
    days_over_90: int
    credits: int
    open: int
    overdue: int


def snapshot_trend(
    *,
    company: Company,
    end: dt.date,
    months: int = 12,
    collector_id: int | None = None,
    unassigned: bool = False,
) -> tuple[dict[dt.date, dt.date], dict[tuple[dt.date, str], TrendPoint]]:
    """(month -> date of its latest snapshot, (month, currency) -> figures), in two queries.

    Months run back from `end`'s month; only snapshots dated up to `end` count. `collector_id`
    keeps one collector's rows, `unassigned` the rows of customers without a collector; neither:
    the whole company. A month absent from the first mapping has no snapshot.
    """
    first = end.replace(day=1)
    for _ in range(months - 1):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    base = ReceivablesSnapshot.objects.filter(company=company, date__range=(first, end))
    latest = dict(
        base.annotate(month=TruncMonth("date"))
        .order_by()
        .values("month")
        .annotate(last=Max("date"))
        .values_list("month", "last")
    )
    latest = {(m.date() if isinstance(m, dt.datetime) else m): d for m, d in latest.items()}
    rows = base.filter(date__in=list(latest.values()))
    if collector_id is not None:
        rows = rows.filter(collector_id=collector_id)
    elif unassigned:
        rows = rows.filter(collector__isnull=True)
    sums = {name: Sum(name) for name in (*FIGURES, "open", "overdue")}
    points: dict[tuple[dt.date, str], TrendPoint] = {}
    by_date = defaultdict(list)
    for row in rows.order_by().values("date", "currency").annotate(**sums):
        by_date[row["date"]].append(row)
    for day, values in by_date.items():
        month = day.replace(day=1)
        for row in values:
            points[(month, row["currency"])] = TrendPoint(
                month=month,
                date=day,
                currency=row["currency"],
                **{name: int(row[name] or 0) for name in (*FIGURES, "open", "overdue")},
            )
    return latest, points
