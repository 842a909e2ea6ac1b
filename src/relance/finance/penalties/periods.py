"""Half-years: the unit in which every statutory reference rate is fixed (1 January and 1 July).

A `HalfYear` is written ``2025-H1`` (1 January to 30 June) or ``2025-H2`` (1 July to 31
December), in the rate files, on the command line and in error messages alike.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from relance.finance.penalties.errors import PenaltyError

_PATTERN = re.compile(r"^(\d{4})-H([12])$")


@dataclass(frozen=True, slots=True, order=True)
class HalfYear:
    year: int
    half: int

    def __post_init__(self) -> None:
        if self.half not in (1, 2):
            raise PenaltyError(f"a half-year is 1 or 2, not {self.half}")
        if not 1 <= self.year <= 9998:
            raise PenaltyError(f"year {self.year} is out of range")

    @classmethod
    def parse(cls, text: str) -> HalfYear:
        """``HalfYear.parse("2026-H2")``; anything else is a `PenaltyError` that shows the expected form."""
        match = _PATTERN.match(text.strip())
        if match is None:
            raise PenaltyError(f"not a half-year: {text!r} (expected YYYY-H1 or YYYY-H2, e.g. 2026-H2)")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, day: dt.date) -> HalfYear:
        """The half-year that contains `day`."""
        return cls(day.year, 1 if day.month <= 6 else 2)

    @property
    def start(self) -> dt.date:
        """First day: 1 January or 1 July."""
        return dt.date(self.year, 1 if self.half == 1 else 7, 1)

    @property
    def end(self) -> dt.date:
        """First day of the next half-year (exclusive end), so ``end - start`` is its number of days."""
        return self.next().start

    def next(self) -> HalfYear:
        return HalfYear(self.year, 2) if self.half == 1 else HalfYear(self.year + 1, 1)

    def previous(self) -> HalfYear:
        return HalfYear(self.year, 1) if self.half == 2 else HalfYear(self.year - 1, 2)

    def __str__(self) -> str:
        return f"{self.year}-H{self.half}"
