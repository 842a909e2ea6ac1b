"""relance send-test: one e-mail of a template, with a real customer's data, to an address of yours."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError, CommandParser

from relance.collection.messages import EmailError, email_send_now
from relance.core.audit import Actor
from relance.ledger.management.commands._company import resolve_company
from relance.ledger.models import Company, Customer
from relance.ledger.selectors import company_today
from relance.messaging.render import RenderError
from relance.messaging.sending import send_outbox


class Command(BaseCommand):
    help = "Send one e-mail of a template, filled with a customer's account, to the given address (for checking)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("customer", help="customer code")
        parser.add_argument("template", help="template code, e.g. preventive, overdue_firm")
        parser.add_argument("--to", required=True, action="append", help="address to send to (repeatable)")
        parser.add_argument("--company", help="company id or name (needed when there are several)")
        parser.add_argument("--date", type=dt.date.fromisoformat, help="statement date (default: today)")
        parser.add_argument("--queue-only", action="store_true", help="queue it, let the worker send it")

    def handle(self, *args: object, **options: object) -> None:
        if options["company"]:
            company = resolve_company(str(options["company"]))
        else:
            companies = list(Company.objects.all()[:2])
            if len(companies) != 1:
                raise CommandError("several companies (or none): name one with --company")
            company = companies[0]
        customer = Customer.objects.filter(company=company, code=str(options["customer"])).first()
        if customer is None:
            raise CommandError(f"no customer with code {options['customer']!r} in {company.name}")
        today = options["date"] or company_today(company)
        try:
            message = email_send_now(
                company=company, customer=customer, template_code=str(options["template"]),
                today=today, actor=Actor.system("relance send-test"),  # type: ignore[arg-type]
                to_override=list(options["to"]), reference="test",  # type: ignore[call-overload]
            )  # fmt: skip
        except (EmailError, RenderError) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"queued: {message.subject!r} to {', '.join(message.to)} ({message.message_id})")
        if not options["queue_only"]:
            report = send_outbox(ids=[message.pk], actor=Actor.system("relance send-test"))
            message.refresh_from_db()
            self.stdout.write(f"{message.status}: {report.summary()}")
            if message.status != "sent":
                raise CommandError(f"not sent: {message.last_error}")
