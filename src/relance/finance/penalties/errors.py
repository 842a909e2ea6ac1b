"""Errors of the penalty engine, each with a stable code that views, commands and documents can report."""

from __future__ import annotations

from relance.core.errors import RelanceError


class PenaltyError(RelanceError):
    """A penalty cannot be computed as asked (bad input, unsupported currency, contract rate too low)."""

    code = "penalties.invalid"


class MissingRateError(PenaltyError):
    """A reference rate needed for a half-year is not in the rate table: never computed as zero."""

    code = "penalties.missing_rate"

    def __init__(self, message: str, *, table: str, period: str) -> None:
        super().__init__(message)
        self.table = table
        self.period = period


class RateFileError(PenaltyError):
    """A rate table file cannot be read (bad header, bad period or rate, duplicate row)."""

    code = "penalties.rate_file"
