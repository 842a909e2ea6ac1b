"""Decide benchmark: the daily run's decision over N open invoices of N/10 customers.

    python benchmarks/bench_decide.py                      # 1,000,000 invoices, 100,000 customers, SQLite
    python benchmarks/bench_decide.py --peer               # the peer's data set: 5,000 invoices, 1,000 customers
    python benchmarks/bench_decide.py --invoices 100000 --profile /tmp/decide.prof

Builds a fresh SQLite database in a temporary folder (plain executemany, seeded), installs the
standard scenarios, then measures in the same process:

- the baseline: one bare SQL aggregate over the same invoices
  (`SELECT customer_id, SUM(amount) FROM ledger_invoice WHERE company_id = ? GROUP BY customer_id`),
  best of 3 before the first run and best of 3 again right after the normal-day decide: the
  best of the six is the baseline (on a shared machine, the two are then timed side by side);
- decide: loading the facts (open amounts, disputes, promises, steps done, scenarios), running
  the engine for every customer and computing the next review dates, with the run's own
  `decide_batch` - everything `relance run` does except writing the actions;
- the full run (`collection_run`, actions written), and a second run the same day (idempotent).

It prints both times and the ratio judged by DESIGN.md: decide <= 3 x the aggregate, with peak
RSS under 300 MB. With --peer it prints decide next to the peer's 4.4 s (OCA credit control).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TODAY = dt.date(2026, 3, 18)  # a Wednesday, a working day in France
PEER_DECIDE_SECONDS = 4.4


def setup_django(database: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.dev"
    os.environ["RELANCE_DEBUG"] = "0"  # no query log: it would hold every statement in memory
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build(invoices: int, customers: int, seed: int, due_from: int, due_to: int) -> int:
    from django.db import connection, transaction
    from django.utils import timezone

    from relance.collection.standard import scenarios_install_standard
    from relance.core.audit import Actor
    from relance.ledger.models import Company

    rng = random.Random(seed)
    company = Company.objects.create(name="Bench SA", country="FR", currency="EUR", timezone="Europe/Paris")
    scenarios_install_standard(company=company, actor=Actor.system("bench"))
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO ledger_customer (company_id, code, name, legal_id, vat_id, address_line1, address_line2, "
            "postal_code, city, country, language, currency, status, penalty_rule, created_at, updated_at) "
            "VALUES (%s, %s, %s, '', '', '', '', '', '', 'FR', 'fr', '', 'active', '', %s, %s)",
            [(company.pk, f"C{i:06d}", f"Customer {i}", now, now) for i in range(customers)],
        )
        cursor.execute("SELECT id FROM ledger_customer WHERE company_id = %s ORDER BY id", [company.pk])
        customer_ids = [row[0] for row in cursor.fetchall()]
        rows = []
        for n in range(invoices):
            due = TODAY + dt.timedelta(days=rng.randint(due_from, due_to))
            issue = (due - dt.timedelta(days=30)).isoformat()
            amount = rng.randint(100_00, 20_000_00)
            rows.append((company.pk, customer_ids[n % customers], f"F{n:08d}", issue, due.isoformat(), amount, now))
            if len(rows) == 50_000:
                _insert_invoices(cursor, rows)
                rows = []
        _insert_invoices(cursor, rows)
        # one invoice in ten partly paid before today (an allocation to join, as in real life)
        cursor.execute(
            "INSERT INTO ledger_allocation (company_id, invoice_id, kind, amount, date, note, created_at) "
            "SELECT company_id, id, 'settlement', amount / 3, %s, '', %s FROM ledger_invoice WHERE id %% 10 = 0",
            [(TODAY - dt.timedelta(days=1)).isoformat(), now],
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return company.pk


def _insert_invoices(cursor, rows) -> None:  # type: ignore[no-untyped-def]
    if rows:
        cursor.executemany(
            "INSERT INTO ledger_invoice (company_id, customer_id, kind, number, issue_date, due_date, amount, "
            "currency, po_number, pdf, pdf_url, review_on, created_at, updated_at) "
            "VALUES (%s, %s, 'invoice', %s, %s, %s, %s, 'EUR', '', '', '', '0001-01-01', %s, %s)",
            [(*row, row[-1]) for row in rows],
        )


def timed(label: str, func, repeat: int = 1):  # type: ignore[no-untyped-def]
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - start)
    print(f"  {label:34} {best:8.3f} s")
    return best, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--invoices", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int)
    parser.add_argument("--peer", action="store_true", help="5,000 invoices of 1,000 customers, due -90..+30 days")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--profile", type=Path, help="cProfile the decide step into this file")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder with the database")
    args = parser.parse_args()
    invoices, due_from, due_to = args.invoices, -120, 45
    if args.peer:
        invoices, due_from, due_to = 5_000, -90, 30
    customers = args.customers or max(invoices // 10, 1) if not args.peer else 1_000
    folder = Path(tempfile.mkdtemp(prefix="relance-decide-"))
    setup_django(folder / "bench.sqlite3")

    from django.db import connection

    from relance.collection.domain.calendar import BusinessCalendar
    from relance.collection.facts import load_candidate_facts, load_company_facts
    from relance.collection.services.run import collection_run, decide_batch
    from relance.core.audit import Actor
    from relance.core.batch import no_cyclic_gc
    from relance.ledger.models import Company

    print(f"decide benchmark: {invoices:,} open invoices, {customers:,} customers, SQLite, today {TODAY}")
    start = time.perf_counter()
    company_id = build(invoices, customers, args.seed, due_from, due_to)
    print(f"  data built in {time.perf_counter() - start:.1f} s ({(folder / 'bench.sqlite3').stat().st_size >> 20} MB)")
    company = Company.objects.get(pk=company_id)
    print(f"  peak RSS after the data build: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")

    def aggregate():  # type: ignore[no-untyped-def]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT customer_id, SUM(amount) FROM ledger_invoice WHERE company_id = %s GROUP BY customer_id",
                [company_id],
            )
            return cursor.fetchall()

    def decide_all(today: dt.date = TODAY, full: bool = False):  # type: ignore[no-untyped-def]
        """What the run computes before writing: facts, decisions, next review dates (its own code)."""
        with no_cyclic_gc():  # as the run does
            facts = (load_company_facts if full else load_candidate_facts)(company=company, today=today)
            decisions, _reviews = decide_batch(facts)
        return len(decisions)

    BusinessCalendar("FR").is_business_day(TODAY)  # load the holiday tables once, outside the timings
    base, _ = timed("bare SQL aggregate (best of 3)", aggregate, repeat=3)
    print("first run ever: every open invoice is reviewed")
    if args.peer:  # whole accounts in memory: fine for the peer's 5,000 invoices, not for a million
        cold_seconds, cold_decisions = timed("decide, whole accounts", lambda: decide_all(full=True))
    else:
        cold_seconds, cold_decisions = float("nan"), 0

    def run(day: dt.date):  # type: ignore[no-untyped-def]
        return collection_run(company=company, today=day, actor=Actor.system("bench"), keep_outcomes=False)

    first_seconds, first = timed("full run (actions written)", lambda: run(TODAY))
    again_seconds, again = timed("second run the same day", lambda: run(TODAY))
    print(f"  actions written: {first.created_count:,}; second run: {again.created_count}")
    print(f"  peak RSS after the first run: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    day2 = TODAY + dt.timedelta(days=1)
    print(f"a normal day ({day2}): only invoices whose review date has come")
    if args.profile:
        import cProfile
        import pstats

        cProfile.runctx("decide_all(day2)", globals(), {"decide_all": decide_all, "day2": day2}, str(args.profile))
        pstats.Stats(str(args.profile)).sort_stats("cumulative").print_stats(20)
    decide_seconds, decisions = timed("decide (best of 3)", lambda: decide_all(day2), repeat=3)
    # The machine may be shared: the aggregate again, right after, and the best of all its timings
    # is the baseline (more samples can only lower it, so the ratio only gets stricter).
    again_base, _ = timed("bare SQL aggregate again (best of 3)", aggregate, repeat=3)
    base = min(base, again_base)
    print(f"  peak RSS after the normal-day decide: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    candidates = load_candidate_facts(company=company, today=day2)
    print(
        f"  read: {sum(len(c.items) for c in candidates.customers):,} invoices due for review "
        f"of {len(candidates.customers):,} customers (+{len(candidates.closed_invoice_ids):,} found paid)"
    )
    del candidates  # counted above; the run below reads its own batches
    run2_seconds, run2 = timed("full run (actions written)", lambda: run(day2))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ratio = decide_seconds / base
    print(f"  decisions: {decisions:,}; actions written: {run2.created_count:,}")
    print(f"  peak RSS: {peak:.0f} MB (target < 300 MB)")
    verdict = "PASS" if ratio <= 3 else "FAIL"
    if args.peer:  # the ratio is judged on a million invoices; here the aggregate takes ~2 ms
        verdict = "not judged on the peer's data set"
    print(f"  ratio decide / aggregate ({base:.3f} s): {ratio:.2f} (target <= 3.00): {verdict}")
    if args.peer:
        print(f"  first-run ratio (every invoice reviewed): {cold_seconds / base:.1f}")
    if args.peer:
        print(
            f"  peer (OCA credit control) decide: {PEER_DECIDE_SECONDS} s -> Relance {cold_seconds:.3f} s on its "
            f"first run ({PEER_DECIDE_SECONDS / cold_seconds:.0f}x faster), {decide_seconds:.3f} s on a normal day"
        )
    assert again.created_count == 0, "the second run must create nothing"
    del cold_decisions
    del first_seconds, again_seconds, run2_seconds
    connection.close()
    if args.keep:
        print(f"  database kept in {folder}")
    else:
        shutil.rmtree(folder, ignore_errors=True)  # 600 MB at a million invoices
    if args.peer:  # judged: the decide against the peer's 4.4 s
        return 0 if cold_seconds < PEER_DECIDE_SECONDS and peak < 300 else 1
    return 0 if ratio <= 3 and peak < 300 else 1


if __name__ == "__main__":
    sys.exit(main())
