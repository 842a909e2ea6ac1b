"""relance snapshots: take today's receivables snapshot, or back-fill the past month-ends.

    relance snapshots                         today's snapshot of every company (idempotent)
    relance snapshots --backfill [--months 12] [--replace]   past month-ends from the ledger, then today's
    relance snapshots --company "Atelier Durand SAS" --date 2026-03-31

The daily run takes a snapshot by itself; this command is for a new install (so the dashboard's
overdue trend has its past months at once) and for cron-driven installs without the worker.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from relance.core.audit import Actor
from relance.finance.snapshots import snapshot_take, snapshots_backfill
from relance.ledger.management.commands._company import resolve_company
from relance.ledger.models import Company
from relance.ledger.selectors import company_today


class Command(BaseCommand):
    help = "Take today's receivables snapshot (the dashboard's overdue trend), or back-fill past month-ends."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--company", help="company id or exact name (default: every company)")
        parser.add_argument("--date", type=dt.date.fromisoformat, help="the day to snapshot (default: today, local)")
        parser.add_argument("--backfill", action="store_true", help="also compute the past month-ends from the ledger")
        parser.add_argument("--months", type=int, default=12, help="month-ends to back-fill (default 12)")
        parser.add_argument("--replace", action="store_true", help="recompute month-ends that already have a snapshot")

    def handle(self, *args: Any, **options: Any) -> None:
        companies = [resolve_company(options["company"])] if options["company"] else list(Company.objects.all())
        actor = Actor.system("relance snapshots")
        for company in companies:
            day = options["date"] or company_today(company)
            if options["backfill"]:
                result = snapshots_backfill(
                    company=company, as_of=day, months=max(1, options["months"]), replace=options["replace"],
                    actor=actor,
                )  # fmt: skip
                self.stdout.write(
                    f"{company.name}: {len(result.written)} month-ends computed from the ledger"
                    + (f" ({result.written[0]} to {result.written[-1]})" if result.written else "")
                    + (f", {len(result.kept)} kept (already taken)" if result.kept else "")
                )
            rows = snapshot_take(company=company, as_of=day, actor=actor)
            self.stdout.write(f"{company.name}: snapshot of {day} taken ({len(rows)} rows)")
