"""Working days: weekends and the public holidays of a country (the `holidays` package).

A step that falls on a non-working day moves to the next working day; the daily run does
nothing on a non-working day. Answers are memoised per date: the engine asks the same question
for thousands of invoices.
"""

from __future__ import annotations

import datetime as dt

import holidays

ONE_DAY = dt.timedelta(days=1)


class BusinessCalendar:
    def __init__(
        self,
        country: str,
        *,
        weekend: frozenset[int] = frozenset({5, 6}),
        closed: frozenset[dt.date] = frozenset(),
    ) -> None:
        self.country = country
        self.weekend = weekend
        self.closed = closed
        try:
            self._holidays: holidays.HolidayBase = holidays.country_holidays(country)
        except NotImplementedError:  # a country the package does not know: weekends only
            self._holidays = holidays.HolidayBase()
        self._working: dict[dt.date, bool] = {}
        self._next: dict[dt.date, dt.date] = {}
        self._schedules: dict[tuple[dt.date, tuple[int, ...]], tuple[dt.date, ...]] = {}

    def is_business_day(self, day: dt.date) -> bool:
        working = self._working.get(day)
        if working is None:
            working = day.weekday() not in self.weekend and day not in self._holidays and day not in self.closed
            self._working[day] = working
        return working

    def next_business_day(self, day: dt.date) -> dt.date:
        """`day` itself when it is a working day, else the first working day after it."""
        found = self._next.get(day)
        if found is None:
            found = day
            while not self.is_business_day(found):
                found += ONE_DAY
            self._next[day] = found
        return found

    def schedule(self, due_date: dt.date, offsets: tuple[int, ...]) -> tuple[dt.date, ...]:
        """The working day of each offset from a due date. Thousands of invoices share a due date,
        so each (due date, steps) pair is computed once."""
        key = (due_date, offsets)
        found = self._schedules.get(key)
        if found is None:
            found = tuple(self.next_business_day(due_date + dt.timedelta(days=o)) for o in offsets)
            self._schedules[key] = found
        return found

    def why_closed(self, day: dt.date) -> str:
        if day.weekday() in self.weekend:
            return "weekend"
        return self._holidays.get(day) or "closed"
