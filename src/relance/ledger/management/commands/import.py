"""relance import <kind> <file>: load customers, contacts, invoices or payments from CSV or Excel."""

from __future__ import annotations

import datetime as dt
import sys

from django.core.management.base import BaseCommand, CommandError, CommandParser

from relance.core.audit import Actor
from relance.core.errors import RelanceError
from relance.ledger.imports.mapping import FIELDS
from relance.ledger.imports.service import import_file
from relance.ledger.imports.values import DATE_FORMATS
from relance.ledger.management.commands._company import add_company_argument, resolve_company
from relance.ledger.models import ImportMode

SHOWN_ERRORS = 50


class Command(BaseCommand):
    help = (
        "Import a CSV or Excel file. Columns are recognised from common English and French headers; "
        "--map FIELD=COLUMN overrides, and the mapping is remembered per company and kind. "
        "Nothing is applied when any row is bad, unless --apply-valid-rows."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=list(FIELDS), help="what the file holds")
        parser.add_argument("file", help="a .csv, .txt, .xlsx, .xls or .ods file")
        add_company_argument(parser)
        parser.add_argument("--mode", choices=[m.value for m in ImportMode], default=ImportMode.DELTA,
                            help="snapshot: the file lists every open item, absent items are closed as settled "
                                 "(invoices only); delta: only what changed (default)")  # fmt: skip
        parser.add_argument("--map", action="append", default=[], metavar="FIELD=COLUMN",
                            help="use COLUMN of the file for FIELD (repeatable); see --fields")  # fmt: skip
        parser.add_argument("--fields", action="store_true", help="list the fields of this kind and exit")
        parser.add_argument("--date-format", choices=list(DATE_FORMATS), help="default: detected from the file")
        parser.add_argument("--decimal", choices=[".", ","], help="decimal separator; default: detected")
        parser.add_argument("--encoding", help="file encoding, e.g. utf-8, latin-1; default: detected")
        parser.add_argument("--delimiter", help="CSV delimiter; default: detected among ; , tab |")
        parser.add_argument(
            "--apply-valid-rows",
            action="store_true",
            help="apply the good rows and report the bad ones (default: apply nothing)",
        )
        parser.add_argument(
            "--create-customers",
            action="store_true",
            help="create customers for unknown customer codes (invoices only)",
        )
        parser.add_argument("--as-of", type=dt.date.fromisoformat, help="business date of the import (default: today)")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: object, **options: object) -> None:
        kind = str(options["kind"])
        if options["fields"]:
            for spec in FIELDS[kind]:
                flag = "required" if spec.required else "optional"
                self.stdout.write(f"{spec.name:20} {flag:9} {spec.type:9} e.g. {', '.join(spec.synonyms[:4])}")
            return
        company = resolve_company(options["company"])  # type: ignore[arg-type]
        columns = {}
        for item in options["map"]:  # type: ignore[attr-defined]
            field, sep, header = str(item).partition("=")
            if not sep:
                raise CommandError(f"--map expects FIELD=COLUMN, got {item!r}")
            columns[field.strip()] = header.strip()
        parse_options = {k: options[k] for k in ("date_format", "decimal", "encoding", "delimiter") if options[k]}
        if parse_options.get("delimiter") == "\\t":
            parse_options["delimiter"] = "\t"
        bar = None
        progress = None
        if not options["no_progress"]:
            from tqdm import tqdm

            bar = tqdm(total=0, unit="B", unit_scale=True, desc=f"import {kind}", file=sys.stderr, leave=False)

            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.update(done - bar.n)

        try:
            result = import_file(
                company=company, kind=kind, path=str(options["file"]), actor=Actor.system("relance import"),
                mode=str(options["mode"]), columns=columns, options=parse_options,  # type: ignore[arg-type]
                apply_valid_rows=bool(options["apply_valid_rows"]), create_customers=bool(options["create_customers"]),
                as_of=options["as_of"], progress=progress,  # type: ignore[arg-type]
            )  # fmt: skip
        except RelanceError as exc:
            raise CommandError(str(exc)) from exc
        finally:
            if bar is not None:
                bar.close()
        c = result.counters
        self.stdout.write(f"{kind} import of {options['file']} into {company.name}: {result.status}")
        if result.columns:
            self.stdout.write("columns: " + ", ".join(f"{f}<-{h!r}" for f, h in result.columns.items()))
        if result.formats:
            self.stdout.write("formats: " + ", ".join(f"{f}: {v}" for f, v in result.formats.items()))
        self.stdout.write(
            f"rows: {result.rows}  created: {c.created}  updated: {c.updated}  unchanged: {c.unchanged}  "
            f"closed: {c.closed}  errors: {len(result.errors)}"
            + (f"  customers created: {result.customers_created}" if result.customers_created else "")
        )
        for error in result.errors[:SHOWN_ERRORS]:
            self.stderr.write(f"  {error}")
        if len(result.errors) > SHOWN_ERRORS:
            self.stderr.write(
                f"  ... and {len(result.errors) - SHOWN_ERRORS} more (see the import run #{result.run_id} in the admin)"
            )
        if not result.applied:
            raise CommandError(
                "nothing was applied" + ("; fix the rows above or use --apply-valid-rows" if result.rows else "")
            )
