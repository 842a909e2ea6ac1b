"""Reference rate tables, in memory: one rate per half-year, each with its source.

The engine never reads files: it receives a `RateBook` (the tables by name) and asks it for the
rate of a table and a half-year. A half-year that is not in the table raises `MissingRateError`,
whose message names the table, the half-year, the files consulted and the command that adds it:
a missing rate is never a silent zero. `relance.finance.rates_store` builds the book from the
files shipped in the package plus the administrator's own additions.

Every table holds the reference rate *as the law reads it for that half-year*, so the rules do a
single lookup:

| table | value for half-year ``YYYY-Hn`` |
|---|---|
| ``ecb_mro`` | ECB main refinancing operations rate in force on 1 January (H1) / 1 July (H2) |
| ``de_basiszins`` | Basiszinssatz (§ 247 BGB) published by the Bundesbank for that half-year |
| ``boe_reference`` | Bank of England Bank Rate in force on 31 December (for H1) / 30 June (for H2) just before it |
| ``fr_legal`` | French taux de l'intérêt légal, "autres cas" (creditor not a private person) |
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from types import MappingProxyType

from relance.finance.penalties.errors import MissingRateError, PenaltyError
from relance.finance.penalties.periods import HalfYear

# Rates beyond these bounds are typing mistakes (a rate of 215 for 2.15), not reference rates.
MIN_RATE = Decimal("-10")
MAX_RATE = Decimal("50")
MAX_DECIMALS = 3


@dataclass(frozen=True, slots=True, kw_only=True)
class TableSpec:
    """What a table holds; `name` is the code used in files, commands and lines."""

    name: str
    label: str
    description: str

    @property
    def filename(self) -> str:
        return f"{self.name}.csv"


TABLES: Mapping[str, TableSpec] = MappingProxyType(
    {
        spec.name: spec
        for spec in (
            TableSpec(
                name="ecb_mro",
                label="ECB main refinancing rate",
                description="ECB main refinancing operations rate in force on 1 January (H1) / 1 July (H2); "
                "France L441-10 (+10 points) and Directive 2011/7/EU (+8 points)",
            ),
            TableSpec(
                name="de_basiszins",
                label="German Basiszinssatz",
                description="Basiszinssatz (BGB § 247) of the half-year, published by the Deutsche Bundesbank; "
                "BGB § 288(2) adds 9 points",
            ),
            TableSpec(
                name="boe_reference",
                label="Bank of England reference rate",
                description="Bank of England Bank Rate in force on 31 December (for H1) / 30 June (for H2) "
                "before the half-year; Late Payment of Commercial Debts (Interest) Act 1998 adds 8 points",
            ),
            TableSpec(
                name="fr_legal",
                label="French legal interest rate",
                description="Taux de l'intérêt légal, autres cas, of the half-year; a contractual rate in France "
                "may not be below 3 times it (L441-10)",
            ),
        )
    }
)


def table_spec(name: str) -> TableSpec:
    try:
        return TABLES[name]
    except KeyError:
        raise PenaltyError(f"unknown rate table {name!r}; tables: {', '.join(TABLES)}") from None


def parse_rate(text: str | Decimal) -> Decimal:
    """A rate in percent per year, as written in the files and on the command line ("2.15", "-0.88")."""
    try:
        rate = text if isinstance(text, Decimal) else Decimal(text.strip())
    except InvalidOperation:
        raise PenaltyError(f"not a rate: {text!r} (expected a percentage such as 2.15)") from None
    if not rate.is_finite():
        raise PenaltyError(f"not a rate: {text!r}")
    exponent = rate.as_tuple().exponent
    assert isinstance(exponent, int)  # finite, checked above
    if -exponent > MAX_DECIMALS:
        raise PenaltyError(f"rate {text} has more than {MAX_DECIMALS} decimals")
    if not MIN_RATE <= rate <= MAX_RATE:
        raise PenaltyError(f"rate {text} % is outside {MIN_RATE}..{MAX_RATE} %: a percentage is expected (2.15)")
    return rate


@dataclass(frozen=True, slots=True, kw_only=True)
class RateEntry:
    period: HalfYear
    rate: Decimal  # percent per year
    source: str
    origin: str = ""  # the file the row came from

    def __post_init__(self) -> None:
        if not self.source.strip():
            raise PenaltyError(f"the rate for {self.period} needs a source")


@dataclass(frozen=True, slots=True, kw_only=True)
class RateTable:
    """One table: its spec, its rows by half-year and the files it was read from (for messages)."""

    spec: TableSpec
    entries: Mapping[HalfYear, RateEntry] = field(default_factory=dict)
    origins: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.spec.name

    def get(self, period: HalfYear) -> RateEntry | None:
        return self.entries.get(period)

    def rate_for(self, period: HalfYear) -> RateEntry:
        entry = self.entries.get(period)
        if entry is None:
            where = " or ".join(self.origins) if self.origins else "the rate tables"
            raise MissingRateError(
                f"no {self.spec.label} for {period} in {where}: add it with "
                f"`relance rates add {self.name} {period} RATE --source TEXT`",
                table=self.name,
                period=str(period),
            )
        return entry

    def periods(self) -> list[HalfYear]:
        return sorted(self.entries)

    def with_entry(self, entry: RateEntry) -> RateTable:
        return replace(self, entries={**self.entries, entry.period: entry})


@dataclass(frozen=True, slots=True)
class RateBook:
    """All tables by name. Immutable: `with_rate` returns a new book (handy in tests)."""

    tables: Mapping[str, RateTable]

    @classmethod
    def empty(cls) -> RateBook:
        return cls({name: RateTable(spec=spec) for name, spec in TABLES.items()})

    @classmethod
    def from_rates(cls, rates: Mapping[str, Mapping[str, str | Decimal]], *, source: str = "given") -> RateBook:
        """``RateBook.from_rates({"ecb_mro": {"2025-H1": "3.15"}})``: a book built in code (tests, previews)."""
        book = cls.empty()
        for table, rows in rates.items():
            for period, rate in rows.items():
                book = book.with_rate(table, HalfYear.parse(period), parse_rate(rate), source=source)
        return book

    def table(self, name: str) -> RateTable:
        spec = table_spec(name)
        return self.tables.get(name) or RateTable(spec=spec)

    def rate(self, name: str, period: HalfYear) -> RateEntry:
        return self.table(name).rate_for(period)

    def with_rate(self, name: str, period: HalfYear, rate: Decimal, *, source: str, origin: str = "") -> RateBook:
        entry = RateEntry(period=period, rate=parse_rate(rate), source=source, origin=origin)
        return RateBook({**self.tables, name: self.table(name).with_entry(entry)})

    def __iter__(self) -> Iterator[RateTable]:
        return iter(self.table(name) for name in TABLES)
