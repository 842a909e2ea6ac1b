"""relance document: print a customer's statement or formal notice, or the day's letters, as PDF."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from relance.collection.letters import letters_to_print
from relance.collection.statements import formal_notice_pdf_for, statement_bundle, statement_pdf_for
from relance.ledger.management.commands._company import add_company_argument, resolve_company
from relance.ledger.models import Customer
from relance.ledger.selectors import company_today


class Command(BaseCommand):
    help = (
        "Write a PDF: `statement CODE` (statement of account), `notice CODE` (formal notice), or "
        "`letters` (every letter the run planned for the day, merged for printing)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=["statement", "notice", "letters"])
        parser.add_argument("customer", nargs="?", help="customer code (statement, notice)")
        add_company_argument(parser)
        parser.add_argument("--date", type=dt.date.fromisoformat, help="default: today")
        parser.add_argument("--language", choices=["en", "fr"], help="default: the customer's")
        parser.add_argument("-o", "--output", required=True, type=Path, help="PDF file to write")

    def handle(self, *args: object, **options: object) -> None:
        company = resolve_company(options["company"])  # type: ignore[arg-type]
        as_of = options["date"] or company_today(company)
        language = options["language"]
        if options["kind"] == "letters":
            pdf, count = letters_to_print(company=company, day=as_of)  # type: ignore[arg-type]
            if not count:
                raise CommandError(f"no letter to print for {as_of}")
            summary = f"{count} letter(s)"
        else:
            customer = Customer.objects.filter(company=company, code=options["customer"]).first()
            if customer is None:
                raise CommandError(f"no customer {options['customer']!r} in {company.name}")
            bundle = statement_bundle(company=company, customer=customer, as_of=as_of)  # type: ignore[arg-type]
            if options["kind"] == "statement":
                pdf = statement_pdf_for(bundle, language=language)  # type: ignore[arg-type]
            else:
                if not bundle.statement.overdue:
                    raise CommandError(f"{customer.code} has nothing overdue on {as_of}")
                pdf = formal_notice_pdf_for(bundle, language=language)  # type: ignore[arg-type]
            summary = f"{options['kind']} of {customer.code}"
        output = Path(str(options["output"]))
        output.write_bytes(pdf)
        self.stdout.write(f"{summary} written to {output} ({len(pdf):,} bytes)")
