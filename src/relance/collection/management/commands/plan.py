"""relance plan: what will happen to whom on which day if nothing changes."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError, CommandParser

from relance.collection.selectors import plan_ahead
from relance.ledger.management.commands._company import add_company_argument, resolve_company
from relance.ledger.models import Customer
from relance.ledger.selectors import company_today


class Command(BaseCommand):
    help = "List the actions the daily run would take over the next days if nobody paid or answered."

    def add_arguments(self, parser: CommandParser) -> None:
        add_company_argument(parser)
        parser.add_argument("--days", type=int, default=30)
        parser.add_argument("--from", dest="start", type=dt.date.fromisoformat, help="first day (default: today)")
        parser.add_argument("--customer", help="one customer code")

    def handle(self, *args: object, **options: object) -> None:
        company = resolve_company(options["company"])  # type: ignore[arg-type]
        customer = None
        if options["customer"]:
            customer = Customer.objects.filter(company=company, code=options["customer"]).first()
            if customer is None:
                raise CommandError(f"no customer {options['customer']!r}")
        start = options["start"] or company_today(company)
        planned = plan_ahead(company=company, start=start, days=int(options["days"]), customer=customer)  # type: ignore[arg-type]
        for item in planned:
            d = item.decision
            self.stdout.write(
                f"{item.date}  {item.customer_code:12} {d.step.channel:6} {d.step.label:15} {d.step.name}"
                f"  ({len(d.item_steps)} item(s))"
            )
        self.stdout.write(f"{len(planned)} action(s) over {options['days']} day(s) from {start}")
