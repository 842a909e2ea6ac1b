"""Business dates. "Today" always comes from here, in the company's time zone."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone


def today_in(tz_name: str) -> dt.date:
    """The current date in the given IANA time zone (the company's)."""
    return timezone.now().astimezone(ZoneInfo(tz_name)).date()


def days_between(start: dt.date, end: dt.date) -> int:
    return (end - start).days
