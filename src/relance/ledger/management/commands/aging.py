"""relance aging: a company's receivables by age at a date, per currency."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandParser

from relance.ledger.management.commands._company import add_company_argument, resolve_company
from relance.ledger.selectors import BUCKET_LABELS, aging_for_company, company_today


class Command(BaseCommand):
    help = "Print the aging buckets (not due, 1-30, 31-60, 61-90, over 90 days, credits) at a date."

    def add_arguments(self, parser: CommandParser) -> None:
        add_company_argument(parser)
        parser.add_argument("--date", type=dt.date.fromisoformat, help="default: today in the company's time zone")
        parser.add_argument("--language", default=None, help="format amounts for this language (default: company's)")

    def handle(self, *args: object, **options: object) -> None:
        company = resolve_company(options["company"])  # type: ignore[arg-type]
        as_of = options["date"] or company_today(company)
        language = str(options["language"] or company.language)
        self.stdout.write(f"{company.name}: aging at {as_of}")
        aging = aging_for_company(company=company, as_of=as_of)  # type: ignore[arg-type]
        if not aging:
            self.stdout.write("no open items")
        for currency, buckets in aging.items():
            self.stdout.write(f"\n{currency}")
            for name, amount in buckets.buckets():
                self.stdout.write(f"  {BUCKET_LABELS[name]:18} {amount.format(language):>22}")
            self.stdout.write(f"  {'Balance':18} {buckets.balance.format(language):>22}")
