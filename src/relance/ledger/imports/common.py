"""What every file kind's importer shares: the row error, the counters and the batch interface."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Protocol

from relance.ledger.imports.cells import RowReader
from relance.ledger.models import Company


@dataclass(frozen=True, slots=True)
class RowError:
    row: int  # as a spreadsheet numbers rows: the header is row 1
    column: str
    reason: str

    def __str__(self) -> str:
        where = f"row {self.row}" if self.row else "file"
        return f"{where}, column {self.column!r}: {self.reason}" if self.column else f"{where}: {self.reason}"


@dataclass
class Counters:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    closed: int = 0


@dataclass
class ImportContext:
    company: Company
    as_of: dt.date
    snapshot: bool
    create_customers: bool
    reader: RowReader
    counters: Counters = field(default_factory=Counters)
    errors: list[RowError] = field(default_factory=list)
    # Once a row is bad and the user did not ask to apply the valid rows, nothing will be kept:
    # importers stop writing and only go on validating, so every problem is reported at once.
    writing: bool = True

    def error(self, row: int, column: str, reason: str) -> None:
        self.errors.append(RowError(row, column, reason))


class Importer(Protocol):
    def process(self, batch: list[tuple[int, dict[str, Any]]]) -> None:
        """Validate then (if ctx.writing) apply a batch of (row number, typed values)."""

    def note_bad_row(self, row: int, values: dict[str, Any]) -> None:
        """A row with unreadable cells: remember its identity so duplicates and snapshot closing see it."""

    def finish(self) -> None:
        """After the last batch: snapshot closing and anything deferred."""
