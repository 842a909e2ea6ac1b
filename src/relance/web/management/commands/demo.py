"""relance demo: a demo database with realistic data, then the web app on 127.0.0.1.

Design: the demo runs on the database of the settings, which `relance demo` expects to be a
dedicated file (`DATABASE_URL=sqlite:///var/demo.sqlite3`). It never mixes with real data: when
the database holds a company the demo did not create, it stops. It migrates, builds the demo
when there is none (or rebuilds it with --reset), and otherwise keeps the data and gives the
demo users a new password. Then it serves with Django's threaded server without auto-reload, on
the first free port from --port.

It lives in `web`, the top layer, because it sets up every app: the ledger (customers, invoices,
payments), then collection (the standard scenarios, and today's run so the agenda has work).
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from relance.collection.messages import emails_dispatch
from relance.collection.services.run import collection_run
from relance.collection.standard import scenarios_install_standard
from relance.core.audit import Actor
from relance.core.dates import today_in
from relance.core.models import AuditEvent
from relance.finance.snapshots import snapshot_take, snapshots_backfill
from relance.ledger.demo import (
    ADMIN_USERNAME,
    COLLECTORS,
    DEMO_EVENT,
    build_demo,
    delete_demo,
    demo_company_ids,
    reset_demo_passwords,
)
from relance.ledger.management.commands.serve import find_free_port, run_server
from relance.ledger.models import Company, Customer, Invoice
from relance.messaging.services import templates_install_defaults

DEMO_TIMEZONE = "Europe/Paris"  # the main demo company's; "today" of the demo data


class Command(BaseCommand):
    help = (
        "Create a demo company with realistic customers, invoices and payments, then start the web app "
        "on 127.0.0.1. Use a dedicated database: DATABASE_URL=sqlite:///var/demo.sqlite3 relance demo"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8000, help="first port to try (default 8000)")
        parser.add_argument("--no-serve", action="store_true", help="prepare the data, print the login, do not serve")
        parser.add_argument("--seed", type=int, default=2026, help="random seed of the data (default 2026)")
        parser.add_argument("--reset", action="store_true", help="delete the demo data and build it again")
        parser.add_argument("--customers", type=int, default=300, help="number of customers (default 300)")
        parser.add_argument("--invoices", type=int, default=3000, help="number of invoices and credit notes")

    def handle(self, *args: Any, **options: Any) -> None:
        self._check_database()
        call_command("migrate", interactive=False, verbosity=0)
        demo_ids = demo_company_ids()
        foreign = Company.objects.exclude(pk__in=demo_ids)
        if foreign.exists():
            names = ", ".join(foreign.order_by("name").values_list("name", flat=True)[:5])
            raise CommandError(
                f"This database holds companies the demo did not create ({names}); the demo will not touch it. "
                "Run the demo on its own database: ./scripts/demo, "
                "or DATABASE_URL=sqlite:///var/demo.sqlite3 relance demo"
            )
        today = today_in(DEMO_TIMEZONE)
        notes: list[str] = []
        port = options["port"]
        if not options["no_serve"]:
            free = find_free_port("127.0.0.1", port)
            if free != port:
                notes.append(f"Port {port} is in use; using port {free} instead.")
            port = free
        if "RELANCE_BASE_URL" not in os.environ:
            # The links of the demo's e-mails lead to this server.
            settings.RELANCE_BASE_URL = f"http://127.0.0.1:{port}"
        if options["reset"] or not demo_ids:
            if demo_ids:
                self.stdout.write("Deleting the previous demo data...")
                delete_demo()
            self.stdout.write("Building the demo data...")
            try:
                result = build_demo(
                    seed=options["seed"], today=today, customers=options["customers"], invoices=options["invoices"]
                )
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
            password = result.admin_password
            self.queued = 0
            actions = self._collection(today)
            notes.append(
                f"Built in {result.seconds:.1f} s: {result.customers} customers, {result.invoices} invoices and "
                f"credit notes, {result.payments} payments (seed {options['seed']}, today {today})."
            )
            notes.append(
                f"Standard scenarios and e-mail templates installed; today's run planned {actions} actions "
                f"and queued {self.queued} reminder e-mails in the outbox (not sent: `relance outbox status`)."
            )
        else:
            password = reset_demo_passwords()
            built_for = self._built_for()
            notes.append("Kept the existing demo data; the demo users have a new password.")
            if built_for is not None and built_for != today:
                notes.append(f"The data was built around {built_for}; `relance demo --reset` rebuilds it around today.")
        self._banner(port=port, password=password, notes=notes, serving=not options["no_serve"])
        if not options["no_serve"]:
            run_server("127.0.0.1", port)

    queued = 0

    def _collection(self, today: dt.date) -> int:
        actor = Actor.system("demo")
        created = 0
        for company in Company.objects.order_by("pk"):
            scenarios_install_standard(company=company, actor=actor)
            templates_install_defaults(company=company, actor=actor)
            created += collection_run(company=company, today=today, actor=actor, keep_outcomes=False).created_count
            # Today's reminder e-mails wait in the outbox (the demo's customers are fictitious):
            # `relance outbox send` would send them through the configured mail server.
            self.queued += emails_dispatch(company=company, today=today, actor=actor).queued
            # The dashboard's 12-month trend: month-ends from the ledger, then today's snapshot.
            snapshots_backfill(company=company, as_of=today)
            snapshot_take(company=company, as_of=today)
        return created

    def _check_database(self) -> None:
        if connection.vendor != "sqlite":
            self.stdout.write(f"Note: the demo runs on the {connection.vendor} database of DATABASE_URL.")
        elif "DATABASE_URL" not in os.environ:
            self.stdout.write(
                f"Note: using the default database {settings.DATABASES['default']['NAME']}. To keep the demo apart, "
                "run ./scripts/demo, or DATABASE_URL=sqlite:///var/demo.sqlite3 relance demo"
            )

    def _built_for(self) -> dt.date | None:
        event = AuditEvent.objects.filter(code=DEMO_EVENT).order_by("-created_at", "-id").first()
        try:
            return dt.date.fromisoformat(event.data["today"]) if event is not None else None
        except (KeyError, TypeError, ValueError):
            return None

    def _banner(self, *, port: int, password: str, notes: list[str], serving: bool) -> None:
        companies = ", ".join(
            f"{company.name} ({Customer.objects.filter(company=company).count()} customers, "
            f"{Invoice.objects.filter(company=company).count()} invoices)"
            for company in Company.objects.order_by("pk")
        )
        collectors = ", ".join(f"{c.username} ({c.first_name} {c.last_name})" for c in COLLECTORS)
        database = settings.DATABASES["default"]["NAME"]
        url = f"http://127.0.0.1:{port}/"
        rule = "=" * 78
        lines = [
            "",
            rule,
            "  Relance demo" + (" is starting" if serving else " is ready"),
            "",
            f"  Open:        {url}" if serving else "  Serve with:  relance demo (without --no-serve, same database)",
            f"  Admin:       {url}admin/",
            f"  Username:    {ADMIN_USERNAME}",
            f"  Password:    {password}",
            f"  Collectors:  {collectors}, same password",
            f"  Companies:   {companies}",
            f"  Database:    {database}",
            *(f"  {note}" for note in notes),
        ]
        if serving:
            lines += ["", "  Stop with Ctrl+C. Run `relance demo` again to get a new password."]
        lines += [rule, ""]
        self.stdout.write("\n".join(lines))
