"""The scenario editor's calendar preview: `plan_ahead` for one customer, as month grids and a list."""

from __future__ import annotations

import calendar as pycalendar
import datetime as dt
from dataclasses import dataclass, field

from babel.dates import format_date, get_day_names

from relance.collection.domain.calendar import BusinessCalendar
from relance.collection.models import Scenario
from relance.collection.selectors import PlannedAction, plan_ahead
from relance.ledger.models import Company, Customer, Invoice

PREVIEW_DAYS = 60


@dataclass(frozen=True)
class PlannedRow:
    date: dt.date
    channel: str
    step_name: str
    step_label: str
    mode: str
    invoices: list[str]
    reasons: tuple[str, ...]


@dataclass
class Day:
    date: dt.date
    in_window: bool
    is_today: bool
    closed: bool
    actions: list[PlannedRow] = field(default_factory=list)


@dataclass
class Month:
    title: str
    weeks: list[list[Day]]


@dataclass
class Preview:
    start: dt.date
    end: dt.date
    rows: list[PlannedRow]
    months: list[Month]
    day_names: list[str]


def preview_for(
    *, company: Company, customer: Customer, scenario: Scenario, start: dt.date, language: str, days: int = PREVIEW_DAYS
) -> Preview:
    """What `scenario` (as it is now) would do to `customer` from `start`, if nobody paid or answered."""
    planned: list[PlannedAction] = plan_ahead(
        company=company, start=start, days=days, customer=customer, scenario=scenario
    )
    item_ids = {item for p in planned for item in p.decision.item_ids}
    numbers = dict(
        Invoice.objects.filter(company=company, pk__in=item_ids).values_list("pk", "number") if item_ids else []
    )
    rows = [
        PlannedRow(
            date=p.date,
            channel=str(p.decision.step.channel),
            step_name=p.decision.step.name,
            step_label=p.decision.step.label,
            mode=str(p.decision.mode),
            invoices=sorted(numbers.get(i, str(i)) for i in p.decision.item_ids),
            reasons=p.decision.reasons,
        )
        for p in planned
    ]
    end = start + dt.timedelta(days=days - 1)
    return Preview(start, end, rows, _months(company, start, end, rows, language), _day_names(language))


def _day_names(language: str) -> list[str]:
    names = get_day_names("abbreviated", locale=language)
    return [names[i] for i in range(7)]  # Monday first


def _months(company: Company, start: dt.date, end: dt.date, rows: list[PlannedRow], language: str) -> list[Month]:
    business = BusinessCalendar(company.country)
    by_day: dict[dt.date, list[PlannedRow]] = {}
    for row in rows:
        by_day.setdefault(row.date, []).append(row)
    months = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        weeks = []
        for week in pycalendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
            weeks.append(
                [
                    Day(
                        date=day,
                        in_window=start <= day <= end and day.month == month,
                        is_today=day == start,
                        closed=not business.is_business_day(day),
                        actions=by_day.get(day, []) if day.month == month else [],
                    )
                    for day in week
                ]
            )
        title = format_date(dt.date(year, month, 1), format="LLLL y", locale=language)
        months.append(Month(title[:1].upper() + title[1:], weeks))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months
