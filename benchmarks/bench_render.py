"""Reminder e-mail rendering benchmark: complete e-mails (HTML + text + MIME) per second, one core.

    python benchmarks/bench_render.py                 # 5,000 e-mails, French courteous reminder
    python benchmarks/bench_render.py --count 20000 --template overdue_firm --language en
    python benchmarks/bench_render.py --profile /tmp/render.prof

What is timed, per e-mail, for N different customers: the shipped default template (Markdown with
hashtags, compiled once and cached like in production) filled with that customer's data — a
10-line statement (6 overdue with per-invoice PDF links, 4 not yet due), totals, penalties,
bank details with the RF reference, the interactive-page button, payment and statement links,
amounts and dates formatted for the reader's language — inside the e-mail layout whose CSS was
inlined by css-inline; then the MIME message (multipart/alternative, quoted-printable, encoded
headers) as bytes. The contexts are built in memory beforehand (reading the statement from the
database belongs to the daily-run benchmark). The last e-mail is parsed back with Python's
`email` package and checked (every invoice number, the totals).

Judged against DESIGN.md: at least 2,000 complete e-mails per second per core. Exit 0 when met,
1 when missed, 2 when an e-mail is wrong.
"""

from __future__ import annotations

import argparse
import datetime as dt
import email
import email.policy
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

TARGET_PER_SECOND = 2000
WARM_UP = 50


def build_contexts(count: int, language: str) -> list[object]:
    from relance.core.money import Money
    from relance.messaging.context import BankDetails, Line, MessageContext, Totals
    from relance.messaging.hashtags import NEEDS

    today = dt.date(2026, 11, 24)
    contexts = []
    for n in range(count):
        overdue, not_due = [], []
        for i in range(6):
            amount = Money(10_000 + (n * 7919 + i * 104729) % 5_000_000, "EUR")
            due = today - dt.timedelta(days=5 + (n + i * 11) % 80)
            overdue.append(
                Line(f"F-{n:06d}-{i}", due - dt.timedelta(days=30), due, amount, amount, (today - due).days,
                     "overdue", pdf_url=f"https://relance.example/p/tok{n}/invoices/{n * 10 + i}.pdf")
            )  # fmt: skip
        for i in range(4):
            amount = Money(5_000 + (n * 31 + i * 977) % 900_000, "EUR")
            due = today + dt.timedelta(days=3 + (n + i) % 40)
            not_due.append(Line(f"F-{n:06d}-N{i}", due - dt.timedelta(days=30), due, amount, amount, 0, "not_due"))
        overdue_total = sum(line.open_amount.minor for line in overdue)
        not_due_total = sum(line.open_amount.minor for line in not_due)
        totals = Totals(
            "EUR", Money(overdue_total, "EUR"), Money(not_due_total, "EUR"), Money(0, "EUR"),
            Money(overdue_total // 50, "EUR"),
        )  # fmt: skip
        contexts.append(
            MessageContext(
                language=language,
                today=today,
                company_name="Atelier Durand SAS",
                customer_name=f"Client {n} SARL",
                customer_code=f"C{n:06d}",
                contact_name="Marie Leroy",
                collector_name="Camille Martin",
                collector_email="camille@durand.example",
                collector_phone="+33 1 23 45 67 89",
                overdue=overdue,
                not_due=not_due,
                totals=[totals],
                penalties_shown=True,
                bank=BankDetails("Atelier Durand SAS", "FR7630006000011234567890189", "AGRIFRPP", f"RF18C{n:06d}"),
                page_url=f"https://relance.example/p/tok{n}/",
                payment_url=f"https://relance.example/p/tok{n}/pay/",
                statement_pdf_url=f"https://relance.example/p/tok{n}/statement.pdf",
                statement_excel_url=f"https://relance.example/p/tok{n}/statement.xlsx",
                payment_deadline=today + dt.timedelta(days=8),
                company_footer=["Atelier Durand SAS", "12 rue de la Paix, 75002 Paris", "552 100 554 RCS Paris"],
                provides=frozenset(NEEDS) - {"promise", "dispute"},
            )
        )
    return contexts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--template", default="overdue_courteous")
    parser.add_argument("--language", default="fr")
    parser.add_argument("--profile", help="write cProfile stats to this file")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    os.environ.setdefault("RELANCE_DEBUG", "0")
    import django

    django.setup()
    from relance.messaging.mime import Envelope, build_mime, make_message_id
    from relance.messaging.render import EmailLayout, compiled_email_for, render_email
    from relance.messaging.services import default_templates

    (template,) = [
        t for t in default_templates() if (t.code, t.channel, t.language) == (args.template, "email", args.language)
    ]
    contexts = build_contexts(args.count + WARM_UP, args.language)
    layout = EmailLayout(args.language, "Atelier Durand SAS", tuple(contexts[0].company_footer))  # type: ignore[attr-defined]

    def one(context: object) -> bytes:
        compiled = compiled_email_for(
            subject=template.subject, body_source=template.body, body_format="markdown", layout=layout
        )
        rendered = render_email(compiled, context)  # type: ignore[arg-type]
        return build_mime(
            Envelope(
                from_email="Atelier Durand SAS <relance@durand.example>",
                to=["Marie Leroy <marie@client.example>"],
                reply_to="Camille Martin <camille@durand.example>",
                subject=rendered.subject,
                text=rendered.text,
                html=rendered.html,
                message_id=make_message_id("durand.example"),
                headers={"Auto-Submitted": "auto-generated", "X-Relance-Customer": "C1"},
            )
        )

    for context in contexts[:WARM_UP]:
        one(context)
    measured = contexts[WARM_UP:]
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    cpu0, wall0 = time.process_time(), time.perf_counter()
    total_bytes = 0
    last = b""
    for context in measured:
        last = one(context)
        total_bytes += len(last)
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(args.profile)

    message = email.message_from_bytes(last, policy=email.policy.default)
    html = message.get_body(("html",)).get_content()
    text = message.get_body(("plain",)).get_content()
    context: Any = measured[-1]
    numbers = [line.number for line in [*context.overdue, *context.not_due]]
    wrong = [number for number in numbers if number not in html or number not in text]
    overdue_total = context.totals[0].overdue.format(args.language)  # type: ignore[attr-defined]
    if overdue_total not in text:
        wrong.append(f"total {overdue_total}")

    rate = len(measured) / wall
    cpu_rate = len(measured) / cpu
    print(f"machine: {platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"template {args.template} ({args.language}), 10-line statement, {len(measured):,} e-mails")
    print(f"average e-mail {total_bytes / len(measured) / 1024:.1f} KB (HTML + text, MIME)")
    print(f"wall {wall:.3f} s -> {rate:,.0f} e-mails/s; CPU {cpu:.3f} s -> {cpu_rate:,.0f} e-mails/s per core")
    print(f"target {TARGET_PER_SECOND:,}/s per core: x{cpu_rate / TARGET_PER_SECOND:.2f}")
    if wrong:
        print(f"WRONG: missing from the last e-mail: {wrong}")
        return 2
    met = cpu_rate >= TARGET_PER_SECOND
    print("PASS" if met else "FAIL")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
