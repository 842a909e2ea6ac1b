"""The whole daily run on the peer's data set: decide, compose every e-mail, send them over SMTP.

    python benchmarks/bench_daily.py                       # 5,000 invoices, 1,000 customers
    python benchmarks/bench_daily.py --invoices 50000 --customers 10000
    python benchmarks/bench_daily.py --profile /tmp/daily.prof

Data: the peer's data set as in `bench_decide.py --peer` (5,000 open invoices of 1,000 customers,
due dates uniform from 90 days ago to 30 days ahead, one invoice in ten partly paid), each
customer with an accounts-payable contact, the default templates, a scenario whose steps are all
e-mails (the standard path: D-10 preventive, D+3 courteous, D+20, D+35, D+50 firm) so that every
customer with an invoice in reach gets one e-mail as in the peer's measure, penalties
on (French rules), the statement PDF attachment off (as in the peer's measure), in a fresh SQLite
database file. The mail server runs on loopback in its own process: Postfix's `smtp-sink` (a C
test server, `apt-get install postfix`) when installed, else aiosmtpd, whose Python code takes
more CPU per message than our sender (`--server` chooses).

What is timed, in one process, back to back: `collection_run` (the first run on this data: every
customer gets its step), `emails_dispatch` (each e-mail: the whole account read in batches,
penalties, signed links, rendered from the template, queued in the outbox) and `send_outbox`
(everything over one SMTP connection, exactly-once protocol). Checked: every customer due an
e-mail got one, the server received as many messages as the outbox sent.

Judged against the OCA peer's 51 s for the same day's run: the target is 30 times faster
(DESIGN.md). Exit 0 when met, 1 when missed, 2 when a result is wrong.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

PEER_SECONDS = 51.0
TARGET_FACTOR = 30

SERVER = """
import signal, sys, time
from aiosmtpd.controller import Controller
class Count:
    received = 0
    async def handle_DATA(self, server, session, envelope):
        Count.received += 1
        return "250 OK"
controller = Controller(Count(), hostname="127.0.0.1", port=int(sys.argv[1]))
controller.start()
print("ready", flush=True)
signal.signal(signal.SIGTERM, lambda *a: (print(Count.received, flush=True), controller.stop(), sys.exit(0)))
while True:
    time.sleep(1)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--invoices", type=int, default=5_000)
    parser.add_argument("--customers", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--profile", help="write cProfile stats of the timed part to this file")
    parser.add_argument("--no-send", action="store_true", help="stop after queueing (not judged)")
    parser.add_argument("--sequential", action="store_true", help="compose everything, then send (no overlap)")
    parser.add_argument(
        "--server",
        choices=["smtp-sink", "aiosmtpd"],
        default="smtp-sink" if shutil.which("smtp-sink") else "aiosmtpd",
        help="the mail server on loopback: Postfix's smtp-sink (C, a real MTA's test server; the default "
        "when installed) or aiosmtpd (Python; the tests' server, itself slower than our sender)",
    )
    args = parser.parse_args()

    port = free_port()
    print(f"mail server: {args.server} on 127.0.0.1:{port}")
    if args.server == "smtp-sink":
        server = subprocess.Popen(
            ["smtp-sink", "-u", "nobody", "-c", f"127.0.0.1:{port}", "256"],
            stdout=subprocess.PIPE, text=True, cwd=tempfile.gettempdir(),
        )  # fmt: skip
        time.sleep(0.3)
    else:
        server = subprocess.Popen(
            [sys.executable, "-c", SERVER, str(port)], stdout=subprocess.PIPE, text=True, cwd=tempfile.gettempdir()
        )
        assert server.stdout is not None
        if server.stdout.readline().strip() != "ready":
            print("the SMTP server did not start")
            return 2
    os.environ["RELANCE_EMAIL_HOST"] = "127.0.0.1"
    os.environ["RELANCE_EMAIL_PORT"] = str(port)
    with tempfile.TemporaryDirectory(prefix="relance-daily-") as folder:
        try:
            return measure(args, Path(folder) / "bench.sqlite3")
        finally:
            server.send_signal(signal.SIGTERM)
            out, _ = server.communicate(timeout=30)
            if args.server == "smtp-sink":  # its counter line: "sess=1 quit=1 mesg=1000", rewritten with \r
                last = out.replace("\r", "\n").strip().splitlines()[-1:] or ["?"]
                print(f"SMTP server (smtp-sink) counted: {last[0]}")
            else:
                print(f"SMTP server received {out.strip().splitlines()[-1] if out.strip() else '?'} messages")


def measure(args: argparse.Namespace, database: Path) -> int:
    from bench_decide import TODAY, build, setup_django

    setup_django(database)
    from django.db import connection, transaction

    from relance.collection.messages import emails_dispatch, emails_dispatch_and_send
    from relance.collection.models import Action, CollectionSettings, Scenario, Step
    from relance.collection.services.run import collection_run
    from relance.core.audit import Actor
    from relance.ledger.models import Company
    from relance.messaging.models import MailSettings, OutboxMessage
    from relance.messaging.sending import send_outbox
    from relance.messaging.services import templates_install_defaults

    started = time.perf_counter()
    company_id = build(args.invoices, args.customers, args.seed, -90, 30)
    company = Company.objects.get(pk=company_id)
    company.iban, company.bic, company.email = "FR7630006000011234567890189", "AGRIFRPP", "compta@bench.example"
    company.penalties_enabled = True
    company.save()
    actor = Actor.system("bench")
    templates_install_defaults(company=company, actor=actor)
    MailSettings.objects.filter(company=company).update(attach_statement_pdf=False)
    # One e-mail per customer, as the peer measured: the standard path with every step an e-mail.
    Scenario.objects.filter(company=company).update(is_default=False)
    email_only = Scenario.objects.create(company=company, name="E-mail only", is_default=True)
    steps = [
        (-10, "preventive"),
        (3, "overdue_courteous"),
        (20, "overdue_firm"),
        (35, "overdue_firm"),
        (50, "overdue_firm"),
    ]
    for order, (offset, template) in enumerate(steps):
        Step.objects.create(scenario=email_only, order=order, name=template, offset_days=offset, channel="email",
                            template_code=template)  # fmt: skip
    CollectionSettings.objects.filter(company=company).update(
        send_window_start=dt.time(0, 0), send_window_end=dt.time(23, 59, 59)
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT id, code FROM ledger_customer WHERE company_id = %s", [company_id])
        cursor.executemany(
            "INSERT INTO ledger_contact (company_id, customer_id, external_ref, name, email, phone, "
            "is_accounts_payable, is_buyer, is_finance, is_other, language, is_primary, email_failed_reason) "
            "VALUES (%s, %s, '', %s, %s, '', TRUE, FALSE, FALSE, FALSE, '', TRUE, '')",
            [(company_id, pk, f"AP {code}", f"ap.{code.lower()}@customer.example") for pk, code in cursor.fetchall()],
        )
    built = time.perf_counter() - started
    print(f"data: {args.invoices:,} invoices of {args.customers:,} customers built in {built:.1f} s")

    # A worker process has these loaded already (it has run before): load them before the clock starts.
    import relance.documents.payment_qr  # noqa: F401
    from relance.finance.rates_store import load_rate_book

    load_rate_book()
    from relance.collection.domain.calendar import BusinessCalendar

    BusinessCalendar(company.country).is_business_day(TODAY)  # the country's holiday tables, loaded once a process
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    t0 = time.perf_counter()
    result = collection_run(company=company, today=TODAY, actor=actor, keep_outcomes=False)
    t1 = time.perf_counter()
    if args.sequential or args.no_send:
        dispatched = emails_dispatch(company=company, today=TODAY, actor=actor)
        t2 = time.perf_counter()
        sent = send_outbox(actor=actor) if not args.no_send else None
    else:  # what `relance run` does: a sender thread sends each batch while the next is composed
        dispatched, sent = emails_dispatch_and_send(company=company, today=TODAY, actor=actor)
        t2 = time.perf_counter()
    t3 = time.perf_counter()
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(args.profile)

    email_actions = Action.objects.filter(company=company, channel="email").count()
    customers_emailed = OutboxMessage.objects.values("customer_id").distinct().count()
    sent_rows = OutboxMessage.objects.filter(status="sent").count()
    total = t3 - t0
    print(f"  decide and record ({result.created_count:,} actions)   {t1 - t0:8.3f} s")
    if args.sequential or args.no_send:
        print(f"  compose and queue ({dispatched.queued:,} e-mails)      {t2 - t1:8.3f} s")
        print(f"  send over SMTP ({sent_rows:,} sent)               {t3 - t2:8.3f} s")
    else:
        print(f"  compose, queue and send ({sent_rows:,} sent, overlapped) {t3 - t1:8.3f} s")
    print(f"  whole daily run                          {total:8.3f} s")
    factor = PEER_SECONDS / total
    print(f"peer (OCA credit control): {PEER_SECONDS} s -> Relance {factor:.1f}x faster (target {TARGET_FACTOR}x)")
    wrong = []
    if dispatched.queued != email_actions or dispatched.failed or dispatched.to_task:
        wrong.append(f"{email_actions} e-mail actions but {dispatched.queued} queued ({dispatched.errors[:3]})")
    if sent_rows != dispatched.queued:
        wrong.append(f"{dispatched.queued} queued but {sent_rows} sent ({sent.summary() if sent else 'not sent'})")
    if customers_emailed != dispatched.queued:
        wrong.append("more than one e-mail for a customer")
    if wrong:
        print("WRONG: " + "; ".join(wrong))
        return 2
    met = PEER_SECONDS / total >= TARGET_FACTOR
    print("PASS" if met else "FAIL")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
