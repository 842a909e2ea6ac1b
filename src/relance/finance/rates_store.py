"""The reference rate tables on disk: the files shipped in the package plus the site's own additions.

Two folders hold one CSV file per table (``ecb_mro.csv``, ``de_basiszins.csv``,
``boe_reference.csv``, ``fr_legal.csv``), each with the header ``period,rate_pct,source``:

- ``relance/finance/rates/`` ships with the package: compiled from the official series, one row
  per half-year with its source. A new release adds the half-years published since.
- the **site folder** (setting ``RELANCE_RATES_DIR``, default ``<VAR_DIR>/rates``) receives the
  rows an administrator adds with ``relance rates add``, so an upgrade never loses them. A site
  row wins over a shipped row of the same half-year (it can only get there with ``--replace``).

`load_rate_book()` merges both into a `RateBook` for the engine; it re-reads the files only when
one of them changed (size or modification time), so callers may call it for every statement.
Rates are Decimals read from text, never floats.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from relance.finance.penalties import (
    TABLES,
    HalfYear,
    PenaltyError,
    RateBook,
    RateEntry,
    RateFileError,
    RateTable,
    TableSpec,
    parse_rate,
    table_spec,
)

SHIPPED_DIR = Path(__file__).resolve().parent / "rates"
HEADER = ("period", "rate_pct", "source")


def site_rates_dir() -> Path:
    """The administrator's folder: ``settings.RELANCE_RATES_DIR``, else ``settings.VAR_DIR / "rates"``."""
    from django.conf import settings

    configured = getattr(settings, "RELANCE_RATES_DIR", None)
    if configured:
        return Path(configured)
    return Path(getattr(settings, "VAR_DIR", "var")) / "rates"


def read_rate_file(path: Path) -> list[RateEntry]:
    """The rows of one table file; any bad row is a `RateFileError` naming the file and the line."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RateFileError(f"cannot read {path}: {exc.strerror}") from exc
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None:
        return []
    if tuple(cell.strip() for cell in header) != HEADER:
        raise RateFileError(f"{path}: the first line must be {','.join(HEADER)}, not {','.join(header)}")
    entries: list[RateEntry] = []
    seen: dict[HalfYear, int] = {}
    for number, row in enumerate(reader, start=2):
        if not row or not "".join(row).strip():
            continue
        if len(row) != len(HEADER):
            raise RateFileError(f"{path}, line {number}: expected 3 columns (period,rate_pct,source), got {len(row)}")
        try:
            period = HalfYear.parse(row[0])
            entry = RateEntry(period=period, rate=parse_rate(row[1]), source=row[2].strip(), origin=str(path))
        except PenaltyError as exc:
            raise RateFileError(f"{path}, line {number}: {exc.message}") from exc
        if period in seen:
            raise RateFileError(f"{path}, line {number}: {period} is already on line {seen[period]}")
        seen[period] = number
        entries.append(entry)
    return entries


def write_rate_file(path: Path, entries: list[RateEntry]) -> None:
    """Write a table file sorted by half-year, atomically (a reader never sees half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    for entry in sorted(entries, key=lambda e: e.period):
        writer.writerow([str(entry.period), format(entry.rate, "f"), entry.source])
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(buffer.getvalue())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _signature(path: Path) -> tuple[str, int, int] | None:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return (str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=16)
def _load(shipped_dir: str, site_dir: str, signatures: tuple[tuple[str, int, int] | None, ...]) -> RateBook:
    tables: dict[str, RateTable] = {}
    for spec in TABLES.values():
        shipped = Path(shipped_dir) / spec.filename
        site = Path(site_dir) / spec.filename
        entries: dict[HalfYear, RateEntry] = {}
        for path in (shipped, site):  # site rows last: they win
            if path.exists():
                entries.update({entry.period: entry for entry in read_rate_file(path)})
        tables[spec.name] = RateTable(spec=spec, entries=entries, origins=(str(shipped), str(site)))
    return RateBook(tables)


def load_rate_book(*, shipped_dir: Path | None = None, site_dir: Path | None = None) -> RateBook:
    """Shipped tables merged with the site's additions (site rows win). Cached until a file changes."""
    shipped = shipped_dir or SHIPPED_DIR
    site = site_dir or site_rates_dir()
    signatures = tuple(_signature(folder / spec.filename) for folder in (shipped, site) for spec in TABLES.values())
    return _load(str(shipped), str(site), signatures)


@dataclass(frozen=True, slots=True, kw_only=True)
class AddedRate:
    entry: RateEntry
    replaced: RateEntry | None
    path: Path


def add_rate(
    *,
    table: str,
    period: str | HalfYear,
    rate: str | Decimal,
    source: str,
    today: dt.date,
    replace: bool = False,
    shipped_dir: Path | None = None,
    site_dir: Path | None = None,
) -> AddedRate:
    """Add one half-year to a table in the site folder.

    Refuses an unknown table, a malformed half-year or rate, an empty source, a half-year more
    than one ahead of `today` (its rate cannot be known yet), and a half-year the table already
    has (shipped or added) unless `replace` is set.
    """
    spec = table_spec(table)
    half_year = period if isinstance(period, HalfYear) else HalfYear.parse(period)
    value = parse_rate(rate)
    if not source.strip():
        raise PenaltyError("--source is required: say where the rate comes from (publication, decision, date)")
    latest_allowed = HalfYear.of(today).next()
    if half_year > latest_allowed:
        raise PenaltyError(
            f"{half_year} is too far ahead: on {today} the latest rate that can be known is {latest_allowed}"
        )
    site = site_dir or site_rates_dir()
    book = load_rate_book(shipped_dir=shipped_dir, site_dir=site)
    existing = book.table(spec.name).get(half_year)
    if existing is not None and not replace:
        raise PenaltyError(
            f"{spec.name} already has {half_year}: {existing.rate} % from {existing.origin} "
            f"(source: {existing.source}); use --replace to override it",
            code="penalties.rate_exists",
        )
    path = site / spec.filename
    rows = [entry for entry in (read_rate_file(path) if path.exists() else []) if entry.period != half_year]
    entry = RateEntry(period=half_year, rate=value, source=source.strip(), origin=str(path))
    write_rate_file(path, [*rows, entry])
    return AddedRate(entry=entry, replaced=existing, path=path)


def missing_rates(*, on: dt.date, book: RateBook) -> list[tuple[TableSpec, HalfYear]]:
    """Tables that lack the half-year containing `on`."""
    period = HalfYear.of(on)
    return [(spec, period) for spec in TABLES.values() if book.table(spec.name).get(period) is None]
