"""relance run: the daily collection run (what to send, call, print or hand over today)."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandParser

from relance.collection.messages import emails_dispatch, emails_dispatch_and_send
from relance.collection.services.run import collection_run, decisions_by_customer
from relance.core.audit import Actor
from relance.finance.snapshots import snapshot_take
from relance.ledger.management.commands._company import resolve_company
from relance.ledger.models import Company
from relance.ledger.selectors import company_today


class Command(BaseCommand):
    help = (
        "Run collection for one company (or all): decide today's actions, record them, queue today's e-mails "
        "and send them (e-mails to confirm wait for a collector). Idempotent."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--company", help="company id or name (default: every company)")
        parser.add_argument("--date", type=dt.date.fromisoformat, help="business date (default: today, local time)")
        parser.add_argument("--dry-run", action="store_true", help="show the decisions, write nothing")
        parser.add_argument("--quiet", action="store_true", help="print only the totals")
        parser.add_argument(
            "--no-send",
            action="store_true",
            help="queue today's e-mails in the outbox but leave the sending to the worker",
        )

    def handle(self, *args: object, **options: object) -> None:
        companies = [resolve_company(str(options["company"]))] if options["company"] else list(Company.objects.all())
        for company in companies:
            today = options["date"] or company_today(company)
            result = collection_run(
                company=company, today=today, actor=Actor.system("relance run"),  # type: ignore[arg-type]
                dry_run=bool(options["dry_run"]), keep_outcomes=not options["quiet"],
            )  # fmt: skip
            label = "dry run" if result.dry_run else "run"
            self.stdout.write(f"{company.name}: {label} of {today}")
            if not options["quiet"]:
                for code, decisions in sorted(decisions_by_customer(result).items()):
                    for decision in decisions:
                        self.stdout.write(
                            f"  {code:12} {decision.step.channel:6} {decision.step.label:15} {decision.step.name}"
                        )
                        for reason in decision.reasons:
                            self.stdout.write(f"  {'':12} - {reason}")
                for action, reason in result.cancelled:
                    self.stdout.write(f"  cancelled: {action.customer.code} {action.channel} ({reason})")
            self.stdout.write(
                f"  created: {result.created_count}  "
                f"already done today: {result.already_done}  cancelled: {len(result.cancelled)}  "
                f"promises kept: {result.promises_kept}  broken: {result.promises_broken}"
            )
            if result.dry_run:
                continue
            actor = Actor.system("relance run")
            # Dashboard: the day's receivables snapshot (overdue trend); idempotent per day.
            snapshot_take(company=company, as_of=today)  # type: ignore[arg-type]
            sent = None
            if options["no_send"]:
                dispatched = emails_dispatch(company=company, today=today, actor=actor)
            else:
                dispatched, sent = emails_dispatch_and_send(company=company, today=today, actor=actor)
            self.stdout.write(
                f"  e-mails queued: {dispatched.queued}  without an address (task for the collector): "
                f"{dispatched.to_task}  failed: {dispatched.failed}"
            )
            for error in dispatched.errors[:20]:
                self.stdout.write(f"    - {error}")
            if sent is not None:
                self.stdout.write(f"  outbox: {sent.summary()}")
