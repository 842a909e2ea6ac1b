"""Send benchmark: the outbox (`send_outbox`) against bare smtplib, same messages, same SMTP server.

    python benchmarks/bench_send.py                     # 2,000 e-mails, HTML ~15 KB + text + a 20 KB PDF
    python benchmarks/bench_send.py --count 500 --no-attachment --runs 5

Data: N outbox rows queued in a fresh SQLite database (temporary directory, migrated here), each a
realistic reminder: an HTML body of about 15 KB (a statement table), its plain-text part, a 20 KB
PDF attachment (random bytes behind a PDF header, so base64 cannot shrink it), a Reply-To, three
custom headers, one recipient.

The server: aiosmtpd on 127.0.0.1, in its own process, counting the messages it accepts (so the
sender and the server do not share a GIL).

What is timed, each `--runs` times (best of), alternately:
- **outbox**: `send_outbox()` on the N queued rows: recovery check, claims of 50 rows, the MIME
  built from each row (`messaging.mime.build_mime`), MAIL/RCPT/DATA by hand with the two-phase
  end of DATA, one small commit per message (`committing` + the previous row's SENT, its audit
  event and signal), over one SMTP connection. The rows are queued again between runs (not timed).
- **bare smtplib**: `smtplib.SMTP.sendmail()` of the same MIME bytes (built beforehand, not timed)
  over one connection to the same server: no database, no MIME building.

Judged against DESIGN.md "Performance targets": outbox rate ≥ 80% of the bare smtplib rate.
Exit status: 0 when met, 1 when missed, 2 when a result is wrong (a message missing or sent twice,
a row not SENT).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import smtplib
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_RATIO = 0.80
CELL = "padding:4px 8px;border-bottom:1px solid #ddd"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve(port: int, counter, ready) -> None:  # type: ignore[no-untyped-def]
    """The SMTP server process: accepts everything, counts the messages."""
    from aiosmtpd.controller import Controller

    class Counting:
        async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
            with counter.get_lock():
                counter.value += 1
            return "250 2.0.0 OK"

    controller = Controller(Counting(), hostname="127.0.0.1", port=port, data_size_limit=64 * 1024 * 1024)
    controller.start()
    ready.set()
    threading.Event().wait()


def html_body(n: int) -> str:
    rows = "".join(
        f'<tr><td style="{CELL}">F-{n}-{i:03d}</td>'
        f'<td style="{CELL}">2026-{1 + i % 12:02d}-{1 + i % 28:02d}</td>'
        f'<td style="{CELL};text-align:right">{(n * 37 + i * 101) % 9000 + 100:,}.00 €</td>'
        f'<td style="{CELL}"><a href="https://relance.example/i/{n}/{i}.pdf">PDF</a></td></tr>'
        for i in range(48)
    )
    return (
        '<!DOCTYPE html><html><body style="font-family:Arial,sans-serif;color:#222">'
        f"<p>Dear customer {n},</p><p>Please find below the statement of your account.</p>"
        f'<table role="presentation" style="border-collapse:collapse;width:100%">{rows}</table>'
        '<p><a href="https://relance.example/p/token/" style="background:#0b5;color:#fff;padding:8px 16px">'
        "See and pay online</a></p><p>Kind regards,<br>Atelier Durand SAS</p></body></html>"
    )


def text_body(n: int) -> str:
    lines = "\n".join(
        f"F-{n}-{i:03d}  2026-{1 + i % 12:02d}-{1 + i % 28:02d}  {(n * 37 + i * 101) % 9000 + 100:>8,}.00 EUR"
        for i in range(48)
    )
    intro = f"Dear customer {n},\n\nPlease find below the statement of your account.\n\n"
    return f"{intro}{lines}\n\nKind regards,\nAtelier Durand SAS\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-attachment", action="store_true", help="no 20 KB PDF attached")
    parser.add_argument("--batch", type=int, default=50, help="rows claimed per transaction")
    args = parser.parse_args()

    port = free_port()
    context = multiprocessing.get_context("spawn")
    counter = context.Value("q", 0)
    ready = context.Event()
    server = context.Process(target=serve, args=(port, counter, ready), daemon=True)
    server.start()
    if not ready.wait(30):
        print("the SMTP server did not start", file=sys.stderr)
        return 2

    tmp = tempfile.TemporaryDirectory(prefix="bench-send-")
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings.dev",
        DATABASE_URL=f"sqlite:///{tmp.name}/send.sqlite3",
        RELANCE_VAR_DIR=tmp.name,
        RELANCE_DEBUG="0",
        RELANCE_EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        RELANCE_EMAIL_HOST="127.0.0.1",
        RELANCE_EMAIL_PORT=str(port),
        RELANCE_LOG_LEVEL="ERROR",
    )
    for name in [
        n for n in os.environ if n.startswith("RELANCE_EMAIL_") and n.endswith(("USER", "PASSWORD", "TLS", "SSL"))
    ]:
        del os.environ[name]
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from relance.core.models import AuditEvent
    from relance.ledger.models import Company, Customer
    from relance.messaging.models import OutboxAttachment, OutboxMessage, OutboxStatus
    from relance.messaging.sending import mime_of, send_outbox

    call_command("migrate", verbosity=0)
    company = Company.objects.create(name="Atelier Durand SAS")
    customers = Customer.objects.bulk_create(
        Customer(company=company, code=f"C{n:05d}", name=f"Customer {n}") for n in range(200)
    )
    pdf = b"%PDF-1.4\n" + os.urandom(20 * 1024 - 9)
    rows = OutboxMessage.objects.bulk_create(
        OutboxMessage(
            company=company,
            customer=customers[n % len(customers)],
            reference=f"action:{n}",
            template_code="overdue_firm",
            language="en",
            message_id=f"<bench-{n:06d}@durand.example>",
            from_email="Atelier Durand SAS <factures@durand.example>",
            to=[f"Accounts payable <ap{n}@customer{n % 200}.example>"],
            reply_to="Camille Martin <camille@durand.example>",
            subject=f"Statement of account C{n % 200:05d}: 3 invoices overdue",
            text=text_body(n),
            html=html_body(n),
            headers={
                "Auto-Submitted": "auto-generated",
                "X-Relance-Customer": f"C{n % 200:05d}",
                "X-Relance-Reference": f"action:{n}",
            },
        )
        for n in range(args.count)
    )
    if not args.no_attachment:
        OutboxAttachment.objects.bulk_create(
            OutboxAttachment(message=row, filename=f"statement-{row.pk}.pdf", content=pdf) for row in rows
        )
    mimes = [mime_of(row) for row in OutboxMessage.objects.prefetch_related("attachments").order_by("pk")]
    average = sum(len(m) for m in mimes) / len(mimes)
    print(
        f"{args.count:,} e-mails of {average / 1024:.1f} KB on average (HTML {len(html_body(1)) / 1024:.1f} KB, "
        f"text {len(text_body(1)) / 1024:.1f} KB, {'no attachment' if args.no_attachment else 'a 20 KB PDF'}); "
        f"aiosmtpd on 127.0.0.1:{port} in its own process"
    )
    print(
        f"machine: {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"SQLite {connection.Database.sqlite_version}"
    )

    cpu: dict[str, list[float]] = {"bare": [], "outbox": []}

    def bare() -> float:
        cpu_started = time.process_time()
        started = time.perf_counter()
        smtp = smtplib.SMTP("127.0.0.1", port, timeout=30)
        for n, data in enumerate(mimes):
            smtp.sendmail("factures@durand.example", [f"ap{n}@customer{n % 200}.example"], data)
        smtp.quit()
        cpu["bare"].append(time.process_time() - cpu_started)
        return time.perf_counter() - started

    def outbox() -> tuple[float, object]:
        OutboxMessage.objects.update(status=OutboxStatus.QUEUED, phase="", sent_at=None, claimed_by="", claimed_at=None)
        AuditEvent.objects.all().delete()
        cpu_started = time.process_time()
        started = time.perf_counter()
        report = send_outbox(batch_size=args.batch)
        elapsed = time.perf_counter() - started
        cpu["outbox"].append(time.process_time() - cpu_started)
        return elapsed, report

    wrong: list[str] = []
    bare_times: list[float] = []
    outbox_times: list[float] = []
    for run in range(1, args.runs + 1):
        before = counter.value
        seconds = bare()
        bare_times.append(seconds)
        if counter.value - before != args.count:
            wrong.append(f"bare run {run}: the server received {counter.value - before}")
        before = counter.value
        seconds, report = outbox()
        outbox_times.append(seconds)
        received = counter.value - before
        sent_rows = OutboxMessage.objects.filter(status=OutboxStatus.SENT, unconfirmed=False).count()
        if received != args.count or report.sent != args.count or sent_rows != args.count:  # type: ignore[attr-defined]
            wrong.append(f"outbox run {run}: received {received}, reported {report.sent}, rows sent {sent_rows}")  # type: ignore[attr-defined]
        print(
            f"run {run}: bare smtplib {bare_times[-1]:6.2f} s ({args.count / bare_times[-1]:6.0f}/s, "
            f"CPU {cpu['bare'][-1] * 1000 / args.count:.2f} ms/e-mail)   "
            f"outbox {outbox_times[-1]:6.2f} s ({args.count / outbox_times[-1]:6.0f}/s, "
            f"CPU {cpu['outbox'][-1] * 1000 / args.count:.2f} ms/e-mail)   load {os.getloadavg()[0]:.2f}"
        )

    bare_rate = args.count / min(bare_times)
    outbox_rate = args.count / min(outbox_times)
    ratio = outbox_rate / bare_rate
    print(f"bare smtplib (best of {args.runs}): {bare_rate:8.1f} e-mails/s")
    print(f"outbox       (best of {args.runs}): {outbox_rate:8.1f} e-mails/s")
    print(
        f"ratio outbox / bare: {ratio:.3f} (target >= {TARGET_RATIO:.2f}) -> "
        f"{'PASS' if ratio >= TARGET_RATIO else 'FAIL'}"
    )
    server.terminate()
    tmp.cleanup()
    if wrong:
        print("WRONG: " + "; ".join(wrong), file=sys.stderr)
        return 2
    return 0 if ratio >= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
