"""relance outbox: send the queued e-mails, show the outbox, queue a message again.

relance outbox send [--loop] [--limit N] [--company ID] [--interval S]
relance outbox status [--company ID]
relance outbox retry ID [--force]
"""

from __future__ import annotations

import signal
import threading
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections
from django.db.models import Count, Min
from django.utils import timezone

from relance.core.audit import Actor
from relance.ledger.models import Company
from relance.messaging.models import OutboxMessage, OutboxStatus
from relance.messaging.sending import OutboxError, SendReport, due_messages, outbox_retry, send_outbox


class Command(BaseCommand):
    help = "Send the queued e-mails (once each), show the outbox, or queue a message again."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True, metavar="send|status|retry")
        send = commands.add_parser("send", help="send what is due, batch after batch over one connection")
        send.add_argument("--loop", action="store_true", help="keep running, sending what becomes due")
        send.add_argument("--limit", type=int, default=None, help="claim at most N messages (per pass with --loop)")
        send.add_argument("--company", type=int, default=None, help="only this company's messages (id)")
        send.add_argument("--interval", type=float, default=10.0, help="seconds between passes with --loop")
        send.add_argument("--batch", type=int, default=50, help="messages claimed per transaction")
        status = commands.add_parser("status", help="messages per status, the oldest due, recent failures")
        status.add_argument("--company", type=int, default=None)
        retry = commands.add_parser("retry", help="queue a failed (or, with --force, a sent) message again now")
        retry.add_argument("id", help="the message's id or uuid")
        retry.add_argument("--force", action="store_true", help="also a sent message: it will be received twice")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        company = self._company(options.get("company"))
        if action == "send":
            self._send(company, options)
        elif action == "status":
            self._status(company)
        else:
            self._retry(options["id"], force=options["force"])

    def _company(self, pk: int | None) -> Company | None:
        if pk is None:
            return None
        company = Company.objects.filter(pk=pk).first()
        if company is None:
            raise CommandError(f"no company with id {pk}")
        return company

    def _send(self, company: Company | None, options: dict[str, Any]) -> None:
        actor = Actor.system("relance outbox send")
        if not options["loop"]:
            report = send_outbox(limit=options["limit"], company=company, batch_size=options["batch"], actor=actor)
            self._print(report)
            if report.errors and not report.sent:
                raise CommandError("; ".join(report.errors))
            return
        stop = threading.Event()
        for name in (signal.SIGTERM, signal.SIGINT):
            signal.signal(name, lambda *_: stop.set())  # finish the batch in hand, then stop
        while not stop.is_set():
            close_old_connections()
            started = time.monotonic()
            try:
                report = send_outbox(limit=options["limit"], company=company, batch_size=options["batch"], actor=actor)
            except Exception as exc:  # a database hiccup: logged, retried at the next pass
                self.stderr.write(f"outbox: {exc}")
            else:
                if report.claimed or report.recovered_requeued or report.recovered_unconfirmed:
                    self._print(report)
            stop.wait(max(0.0, options["interval"] - (time.monotonic() - started)))

    def _print(self, report: SendReport) -> None:
        self.stdout.write(f"{timezone.now():%Y-%m-%d %H:%M:%S} {report.summary()}")
        for error in report.errors:
            self.stderr.write(error)

    def _status(self, company: Company | None) -> None:
        rows = OutboxMessage.objects.all()
        if company is not None:
            rows = rows.filter(company=company)
        counts = dict(rows.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
        for value, label in OutboxStatus.choices:
            self.stdout.write(f"{label:<20} {counts.get(value, 0):>8}")
        unconfirmed = rows.filter(status=OutboxStatus.SENT, unconfirmed=True).count()
        self.stdout.write(f"{'sent, unconfirmed':<20} {unconfirmed:>8}")
        now = timezone.now()
        due = due_messages(now=now, company=company)
        oldest = due.aggregate(oldest=Min("created_at"))["oldest"]
        self.stdout.write(
            f"{'due now':<20} {due.count():>8}" + (f"  (oldest queued {oldest:%Y-%m-%d %H:%M})" if oldest else "")
        )
        waiting = rows.filter(status=OutboxStatus.FAILED_TRANSIENT).aggregate(next=Min("next_attempt_at"))["next"]
        if waiting:
            self.stdout.write(f"next retry at {waiting:%Y-%m-%d %H:%M:%S}")
        failures = rows.filter(status=OutboxStatus.FAILED_PERMANENT).order_by("-pk")[:10]
        if failures:
            self.stdout.write("recent permanent failures:")
            for row in failures:
                self.stdout.write(f"  {row.pk:>8}  {', '.join(row.to)[:60]:<60}  {row.last_error[:100]}")

    def _retry(self, ident: str, *, force: bool) -> None:
        rows = (
            OutboxMessage.objects.filter(pk=int(ident)) if ident.isdigit() else OutboxMessage.objects.filter(uuid=ident)
        )
        try:
            message = rows.get()
        except (OutboxMessage.DoesNotExist, ValueError, Exception) as exc:
            raise CommandError(f"no outbox message {ident}") from exc
        try:
            row = outbox_retry(message=message, actor=Actor.system("relance outbox retry"), force=force)
        except OutboxError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"outbox message {row.pk} queued again: {row.subject} -> {', '.join(row.to)}")
