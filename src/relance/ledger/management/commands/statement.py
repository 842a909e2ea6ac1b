"""relance statement CUSTOMER_CODE: a customer's statement of account at a date."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError, CommandParser

from relance.ledger.management.commands._company import add_company_argument, resolve_company
from relance.ledger.models import Customer
from relance.ledger.selectors import company_today, customer_statement


class Command(BaseCommand):
    help = "Print a customer's statement of account: overdue items, items not yet due, credits, totals."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("customer", help="customer code")
        add_company_argument(parser)
        parser.add_argument("--date", type=dt.date.fromisoformat, help="default: today in the company's time zone")

    def handle(self, *args: object, **options: object) -> None:
        company = resolve_company(options["company"])  # type: ignore[arg-type]
        customer = Customer.objects.filter(company=company, code=options["customer"]).first()
        if customer is None:
            raise CommandError(f"no customer {options['customer']!r} in {company.name}")
        as_of = options["date"] or company_today(company)
        statement = customer_statement(company=company, customer=customer, as_of=as_of)  # type: ignore[arg-type]
        language = customer.language
        self.stdout.write(f"Statement of account of {customer.name} ({customer.code}) at {as_of}")
        for title, items in (("Overdue", statement.overdue), ("Not yet due", statement.not_due),
                             ("Credits", statement.credits)):  # fmt: skip
            if not items:
                continue
            self.stdout.write(f"\n{title}")
            for item in items:
                late = f"{item.days_overdue:4d} d late" if item.days_overdue else ""
                self.stdout.write(
                    f"  {item.item_type:12} {item.number:16} due {item.due_date}  "
                    f"{item.amount.format(language):>16} open {item.open_amount.format(language):>16} {late}"
                )
        for currency, totals in statement.totals.items():
            self.stdout.write(
                f"\n{currency}: overdue {totals.overdue.format(language)}, not due {totals.not_due.format(language)}, "
                f"credits {totals.credits.format(language)}, balance {totals.balance.format(language)}"
            )
