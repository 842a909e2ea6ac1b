"""relance worker: run background tasks and start each company's daily run at its local time.

One process: a scheduler thread ticks every minute (`schedule_due_runs`), and the database task
worker (django-tasks-db's `db_worker`) runs what is enqueued. Start several workers on several
machines with PostgreSQL; set RELANCE_CONN_MAX_AGE for them.
"""

from __future__ import annotations

import threading

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from relance.collection.tasks import schedule_due_runs


class Command(BaseCommand):
    help = "Run the background worker and the daily-run scheduler."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-scheduler", action="store_true", help="only run tasks (for extra workers)")
        parser.add_argument("--tick", type=float, default=60.0, help="seconds between scheduler checks")

    def handle(self, *args: object, **options: object) -> None:
        stop = threading.Event()
        if not options["no_scheduler"]:
            thread = threading.Thread(target=self._schedule, args=(stop, float(options["tick"])), daemon=True)
            thread.start()
        try:
            call_command("db_worker", "--queue-name", "*")
        finally:
            stop.set()

    def _schedule(self, stop: threading.Event, tick: float) -> None:
        while not stop.is_set():
            close_old_connections()
            try:
                for company_id, day in schedule_due_runs():
                    self.stdout.write(f"scheduled the run of {day} for company {company_id}")
            except Exception as exc:  # keep the scheduler alive; the error is logged and retried next tick
                self.stderr.write(f"scheduler: {exc}")
            stop.wait(tick)
