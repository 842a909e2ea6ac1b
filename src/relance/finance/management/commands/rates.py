"""relance rates list|add|check: the reference rate tables behind late-payment penalties.

    relance rates list [--table ecb_mro]
    relance rates add ecb_mro 2026-H2 2.15 --source "ECB decision of 5 June 2025, in force on 1 July 2026"
    relance rates check [--date 2026-07-01]

Added rows go to the site folder (setting RELANCE_RATES_DIR, default var/rates/), never into the
installed package, so an upgrade keeps them. `check` exits with an error when a table lacks the
half-year of the date, so it can run from cron or monitoring.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from relance.finance.penalties import TABLES, HalfYear, PenaltyError
from relance.finance.rates_store import add_rate, load_rate_book, missing_rates, site_rates_dir


class Command(BaseCommand):
    help = "List, add and check the reference rate tables used for late-payment penalties."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{list,add,check}")

        listing = actions.add_parser("list", help="print the tables, one half-year per line, with sources")
        listing.add_argument("--table", choices=list(TABLES), help="only this table")

        adding = actions.add_parser("add", help="add the rate of a half-year to a table (site folder)")
        adding.add_argument("table", choices=list(TABLES))
        adding.add_argument("period", help="half-year, e.g. 2026-H2")
        adding.add_argument("rate", help="rate in percent per year, e.g. 2.15 (the reference rate, without margin)")
        adding.add_argument("--source", required=True, help="where the rate comes from (publication and date)")
        adding.add_argument("--replace", action="store_true", help="override a half-year the table already has")

        checking = actions.add_parser("check", help="report the tables that lack the half-year of a date")
        checking.add_argument("--date", type=dt.date.fromisoformat, help="default: today")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            if action == "list":
                self.list_tables(options.get("table"))
            elif action == "add":
                self.add_row(options)
            else:
                self.check_tables(options.get("date") or timezone.localdate())
        except PenaltyError as exc:
            raise CommandError(exc.message) from exc

    def list_tables(self, only: str | None) -> None:
        book = load_rate_book()
        site = site_rates_dir()
        for table in book:
            if only and table.name != only:
                continue
            self.stdout.write(f"{table.name}: {table.spec.description}")
            for period in table.periods():
                entry = table.rate_for(period)
                where = "site" if entry.origin.startswith(str(site)) else "shipped"
                self.stdout.write(f"  {period}  {entry.rate:>7} %  {where:7}  {entry.source}")
            if not table.entries:
                self.stdout.write("  (empty)")
            self.stdout.write("")

    def add_row(self, options: dict[str, Any]) -> None:
        added = add_rate(
            table=options["table"],
            period=options["period"],
            rate=options["rate"],
            source=options["source"],
            replace=options["replace"],
            today=timezone.localdate(),
        )
        entry = added.entry
        self.stdout.write(f"added {options['table']} {entry.period} = {entry.rate} % to {added.path}")
        if added.replaced is not None:
            self.stdout.write(f"  replaces {added.replaced.rate} % from {added.replaced.origin}")

    def check_tables(self, day: dt.date) -> None:
        book = load_rate_book()
        period = HalfYear.of(day)
        missing = missing_rates(on=day, book=book)
        for table in book:
            entry = table.get(period)
            if entry is None:
                self.stdout.write(
                    f"{table.name:14} {period}  MISSING  add it with "
                    f"`relance rates add {table.name} {period} RATE --source TEXT`"
                )
            else:
                self.stdout.write(f"{table.name:14} {period}  {entry.rate:>7} %")
        if missing:
            names = ", ".join(spec.name for spec, _ in missing)
            raise CommandError(f"{len(missing)} rate table(s) lack {period}: {names}")
        self.stdout.write(f"all rate tables have {period}")
