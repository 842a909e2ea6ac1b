"""Statement PDF benchmark: N statements of account of 10 lines, rendered one after the other.

    python benchmarks/bench_statement_pdf.py                      # 1,000 PDFs, built-in font
    python benchmarks/bench_statement_pdf.py --count 200 --font /usr/share/fonts/truetype/dejavu
    python benchmarks/bench_statement_pdf.py --profile /tmp/pdf.prof

What is timed: `relance.documents.pdf.statement_pdf()` for N different customers, each with a
10-line statement (6 overdue, 4 not yet due; amounts and dates differ per customer) and a SEPA
QR code (EPC069-12, with the customer's RF reference), letterhead, address, totals and bank
details — the whole PDF, in one process, on one core. The statements are built in memory
beforehand (the database read is `ledger.selectors.customer_statement`, not measured here), and 10
warm-up PDFs are rendered before the clock starts.

Judged against DESIGN.md "Performance targets": at least 100 statement PDFs per second. The peer
(OCA account_credit_control, wkhtmltopdf) takes 1.3 s per summary PDF; the ratio to it is
printed too. Wall-clock figures are judged; CPU time of the process is printed beside them, since
on a shared machine other processes lengthen the wall time.

The last PDF is checked with poppler's pdftotext (every invoice number present) and zbar's
zbarimg (the QR code decodes to that statement's EPC payload) when those tools are installed.

Exit status: 0 when the target is met, 1 when it is missed, 2 when a PDF is wrong.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_PDFS_PER_SECOND = 100
PEER_SECONDS_PER_PDF = 1.3
WARM_UP = 10
SETTINGS = "config.settings.dev"


def build_inputs(count: int, lines: int) -> list[tuple[object, object, object]]:
    """(company, customer, statement) triples, unsaved models, one customer per statement."""
    from relance.core.money import Money
    from relance.ledger.models import Company, Customer
    from relance.ledger.selectors import CurrencyTotals, OpenItem, Statement

    company = Company(
        pk=1,
        name="Atelier Durand",
        legal_name="Atelier Durand SAS",
        legal_id="552 100 554 RCS Paris",
        vat_id="FR40552100554",
        address_line1="12 rue de la Paix",
        postal_code="75002",
        city="Paris",
        country="FR",
        email="compta@atelier-durand.fr",
        phone="+33 1 23 45 67 89",
        website="https://atelier-durand.fr",
        iban="FR7630006000011234567890189",
        bic="AGRIFRPP",
        language="fr",
    )
    as_of = dt.date(2026, 3, 15)
    overdue_count = lines * 6 // 10
    result = []
    for n in range(count):
        customer = Customer(
            pk=n + 1,
            company=company,
            code=f"C-{n:05d}",
            name=f"Société Cliente n°{n} SARL",
            address_line1=f"{n % 90 + 1} avenue de la République",
            postal_code="69002",
            city="Lyon",
            country="FR",
            language="fr" if n % 2 == 0 else "en",
        )
        statement = Statement(customer=customer, as_of=as_of)
        zero = Money.zero("EUR")
        totals = CurrencyTotals("EUR", zero, zero, zero)
        for i in range(lines):
            overdue = i < overdue_count
            due = as_of + dt.timedelta(days=(-95 + 13 * i) if overdue else (4 + 9 * i))
            amount = Money(10_000 + (n * 7919 + i * 104_729) % 5_000_000, "EUR")
            item = OpenItem(
                item_type="invoice",
                item_id=n * 100 + i,
                number=f"F-2026-{n:05d}-{i:02d}",
                issue_date=due - dt.timedelta(days=30),
                due_date=due,
                amount=amount,
                open_amount=amount,
                days_overdue=max((as_of - due).days, 0),
            )
            if overdue:
                statement.overdue.append(item)
                totals.overdue += amount
            else:
                statement.not_due.append(item)
                totals.not_due += amount
        statement.totals["EUR"] = totals
        result.append((company, customer, statement))
    return result


def verify(data: bytes, company: object, customer: object, statement: object) -> str:
    """'' when the PDF holds what it must, else what is wrong; 'not verified' without the tools."""
    from relance.documents.payment_qr import transfer_for

    if not data.startswith(b"%PDF-") or not data.rstrip().endswith(b"%%EOF"):
        return "not a complete PDF"
    if not (shutil.which("pdftotext") and shutil.which("pdftoppm") and shutil.which("zbarimg")):
        return "not verified (install poppler-utils and zbar-tools)"
    with tempfile.TemporaryDirectory() as folder:
        pdf = Path(folder) / "statement.pdf"
        pdf.write_bytes(data)
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True).stdout.decode()
        missing = [item.number for item in statement.items if item.number not in text]  # type: ignore[attr-defined]
        if missing:
            return f"invoices missing from the text: {missing}"
        subprocess.run(["pdftoppm", "-r", "200", "-png", str(pdf), f"{folder}/page"], check=True)
        payloads = []
        for image in sorted(Path(folder).glob("page*.png")):
            args = ["zbarimg", "--raw", "-q", "-Sdisable", "-Sqrcode.enable", "-Sbinary", str(image)]
            scan = subprocess.run(args, capture_output=True, check=False)
            if scan.returncode == 0:
                payloads.append(scan.stdout.decode().removesuffix("\n"))
    transfer = transfer_for(company, customer, statement.totals["EUR"])  # type: ignore[arg-type, attr-defined]
    if transfer is None or payloads != [transfer.payload()]:
        return f"QR code payloads {payloads!r} differ from the expected transfer"
    return ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1000, help="PDFs to render (default 1000)")
    parser.add_argument("--lines", type=int, default=10, help="open items per statement (default 10)")
    parser.add_argument(
        "--font", default="", help="a folder with DejaVuSans.ttf and DejaVuSans-Bold.ttf (default: built-in Helvetica)"
    )
    parser.add_argument("--profile", default="", help="write cProfile stats of the timed loop to this file")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS)
    import django
    from django.conf import settings

    django.setup()
    if args.font:
        folder = Path(args.font)
        settings.RELANCE_PDF_FONTS = {
            "regular": str(folder / "DejaVuSans.ttf"),
            "bold": str(folder / "DejaVuSans-Bold.ttf"),
        }
    from relance.documents.pdf import statement_pdf

    inputs = build_inputs(args.count + WARM_UP, args.lines)
    for company, customer, statement in inputs[:WARM_UP]:
        statement_pdf(company=company, customer=customer, statement=statement)  # type: ignore[arg-type]
    timed = inputs[WARM_UP:]

    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    load = os.getloadavg()[0]
    started, cpu_started = time.perf_counter(), time.process_time()
    sizes = 0
    data = b""
    for company, customer, statement in timed:
        data = statement_pdf(company=company, customer=customer, statement=statement)  # type: ignore[arg-type]
        sizes += len(data)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(args.profile)

    problem = verify(data, *timed[-1])
    rate, cpu_rate = args.count / seconds, args.count / cpu_seconds
    per_pdf = seconds / args.count
    print(f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} CPUs, load average {load:.2f} at start")
    print(f"python {platform.python_version()}, font: {args.font or 'built-in Helvetica'}")
    print(f"rendered {args.count} statement PDFs of {args.lines} lines (with SEPA QR code) in {seconds:.2f} s")
    print(f"  {rate:.1f} PDFs/s wall, {per_pdf * 1000:.2f} ms per PDF, average {sizes / args.count / 1024:.1f} KiB")
    print(f"  {cpu_rate:.1f} PDFs/s of process CPU time ({cpu_seconds / args.count * 1000:.2f} ms per PDF)")
    ratio, cpu_ratio = rate / TARGET_PDFS_PER_SECOND, cpu_rate / TARGET_PDFS_PER_SECOND
    print(f"  target {TARGET_PDFS_PER_SECOND}/s: ratio {ratio:.2f} (CPU time: {cpu_ratio:.2f})")
    print(f"  OCA peer {PEER_SECONDS_PER_PDF} s per PDF: {PEER_SECONDS_PER_PDF / per_pdf:.0f}x faster")
    if problem.startswith("not verified"):
        print(f"  check: {problem}")
    elif problem:
        print(f"WRONG: {problem}")
        return 2
    else:
        print("  check: last PDF's text holds every invoice number; its QR code decodes to its EPC payload")
    verdict = rate >= TARGET_PDFS_PER_SECOND
    print(f"RESULT: {'PASS' if verdict else 'FAIL'} ({rate:.1f} PDFs/s, target {TARGET_PDFS_PER_SECOND})")
    return 0 if verdict else 1


if __name__ == "__main__":
    sys.exit(main())
