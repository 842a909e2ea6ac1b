"""Import benchmark: 1,000,000 invoice rows from a French ERP CSV into a fresh database.

    python benchmarks/bench_import.py                 # SQLite in a temporary folder, 1,000,000 rows
    python benchmarks/bench_import.py --rows 100000 --profile /tmp/import.prof
    python benchmarks/bench_import.py --database-url postgresql://relance:relance@127.0.0.1:5432/relance_bench

Steps: generate the data (benchmarks/gen_invoices.py, reused when already there), migrate a fresh
database, create a company and import the customers with the `relance` CLI, then time three
imports of the same invoices file, each in its own process:

1. first import (delta mode): every row must be created;
2. re-import (delta mode): idempotent, every row must come back unchanged, nothing created;
3. snapshot import (--no-snapshot to skip): the file lists every open item; nothing to close.

Each timed process sets Django up, then times only the `import_file()` call (the service behind
`relance import invoices FILE --no-progress`); its peak RSS comes from `wait4()` on that process
alone. The figure judged is rows per second against the target of DESIGN.md "Performance targets":
at least 20,000 invoice rows per second from CSV, on SQLite. Every timed import is judged.

Exit status: 0 when every timed import meets the target, 1 when one misses it, 2 when a result is
wrong (rows not created, a re-import that changes something) or the database cannot be reached,
3 when the database server is unreachable and --skip-unreachable was given (nothing measured).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import math
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))

from gen_invoices import AS_OF, DEFAULT_ROWS, DEFAULT_SEED, generate  # noqa: E402

TARGET_ROWS_PER_SECOND = 20_000
SETTINGS = "config.settings.dev"
RESULT_MARK = "BENCH-RESULT "
DEFAULT_PG_URL = "postgresql://relance:relance@127.0.0.1:5432/relance_bench"


class BenchError(Exception):
    """A wrong result or an unusable database: the figures would mean nothing."""


@dataclass
class Phase:
    name: str
    rows: int
    seconds: float  # the import call alone
    process_seconds: float  # the whole process: interpreter, Django setup, import
    peak_rss_mb: float
    status: str = ""
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    closed: int = 0
    errors: int = 0

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0

    @property
    def ratio(self) -> float:
        """Rows per second over the target, rounded down to 0.01 so that 0.998 never shows as 1.00."""
        return math.floor(self.rows_per_second / TARGET_ROWS_PER_SECOND * 100) / 100


# --- the timed worker (runs in its own process) ---------------------------------------------------


def worker(args: argparse.Namespace) -> int:
    """Set Django up, import the file once, print the result as one JSON line."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS)
    os.environ.setdefault("RELANCE_DEBUG", "0")  # as in production: no query log
    import django

    django.setup()
    from relance.core.audit import Actor
    from relance.ledger.imports.service import import_file
    from relance.ledger.models import Company

    company = Company.objects.get(pk=args.company)
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
    started = time.perf_counter()
    if profiler is not None:
        profiler.enable()
    result = import_file(
        company=company, kind="invoices", path=args.file, actor=Actor.system("benchmark"), mode=args.mode,
        as_of=dt.date.fromisoformat(args.as_of),
    )  # fmt: skip
    if profiler is not None:
        profiler.disable()
    seconds = time.perf_counter() - started
    if profiler is not None:
        profiler.dump_stats(args.profile)
    c = result.counters
    payload = {
        "seconds": seconds, "rows": result.rows, "status": str(result.status), "created": c.created,
        "updated": c.updated, "unchanged": c.unchanged, "closed": c.closed, "errors": len(result.errors),
        "first_errors": [str(e) for e in result.errors[:5]],
    }  # fmt: skip
    print(RESULT_MARK + json.dumps(payload), flush=True)
    return 0


# --- the driver --------------------------------------------------------------------------------


def run(cmd: list[str], env: dict[str, str], log: Path) -> tuple[str, float, float]:
    """Run a command; return its output, wall seconds and peak RSS in MB (that process alone)."""
    started = time.perf_counter()
    with log.open("w+") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
        _pid, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        elapsed = time.perf_counter() - started
        out.seek(0)
        output = out.read()
    if proc.returncode != 0:
        raise BenchError(f"{' '.join(cmd)} exited with {proc.returncode}:\n{output[-3000:]}")
    return output, elapsed, usage.ru_maxrss / 1024  # ru_maxrss is in KiB on Linux


def relance(*args: str) -> list[str]:
    exe = Path(sys.executable).with_name("relance")
    if exe.is_file():
        return [str(exe), *args]
    return [sys.executable, "-m", "relance.cli", *args]


def timed_import(
    name: str, *, file: Path, company: int, mode: str, env: dict[str, str], work: Path, profile: Path | None = None
) -> Phase:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", "--company", str(company), "--file", str(file),
           "--mode", mode, "--as-of", AS_OF.isoformat()]  # fmt: skip
    if profile is not None:
        cmd += ["--profile", str(profile)]
    output, elapsed, peak = run(cmd, env, work / f"{name.replace(' ', '_')}.log")
    line = next((x for x in output.splitlines() if x.startswith(RESULT_MARK)), None)
    if line is None:
        raise BenchError(f"{name}: no result in the worker output:\n{output[-3000:]}")
    data: dict[str, Any] = json.loads(line[len(RESULT_MARK) :])
    first_errors = data.pop("first_errors")
    phase = Phase(name=name, process_seconds=elapsed, peak_rss_mb=peak, **data)
    if phase.errors:
        raise BenchError(f"{name}: {phase.errors} row errors, e.g. " + "; ".join(first_errors))
    return phase


@contextlib.contextmanager
def database(url: str | None, work: Path, keep: bool, skip_unreachable: bool) -> Iterator[str | None]:
    """A fresh database URL: SQLite in the work folder, or a new PostgreSQL database on the given server."""
    if url is None:
        yield f"sqlite:///{work / 'relance.sqlite3'}"
        return
    parts = urlsplit(url)
    if parts.scheme.startswith("sqlite"):
        path = Path(parts.path[1:] if parts.path.startswith("//") else parts.path)
        if path.exists():
            raise BenchError(f"{path} exists; the benchmark needs a new database file")
        yield url
        return
    if not parts.scheme.startswith("postgres"):
        raise BenchError(f"unsupported database URL {url!r} (sqlite:/// or postgresql://)")
    host, port = parts.hostname or "127.0.0.1", parts.port or 5432
    try:
        socket.create_connection((host, port), timeout=3).close()
    except OSError as exc:
        if skip_unreachable:
            print(f"PostgreSQL at {host}:{port} is not reachable ({exc}): skipped")
            yield None
            return
        raise BenchError(
            f"PostgreSQL at {host}:{port} is not reachable ({exc}); start it or drop --database-url"
        ) from exc
    import psycopg

    base = parts.path.lstrip("/") or "relance_bench"
    name = f"{base}_{time.strftime('%Y%m%d_%H%M%S')}_{os.getpid()}"
    # Connect to the named database if it exists, else to the maintenance database.
    admin_url = url
    try:
        psycopg.connect(admin_url, connect_timeout=5).close()
    except psycopg.OperationalError:
        admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    print(f"PostgreSQL database {name} created on {host}:{port}")
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        if keep:
            print(f"kept PostgreSQL database {name}")
        else:
            with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = ""
    with contextlib.suppress(OSError, ValueError, IndexError):
        kib = int(Path("/proc/meminfo").read_text().split("\n", 1)[0].split()[1])
        memory = f", {kib / 1024 / 1024:.0f} GiB RAM"
    return f"{os.cpu_count()} cores, {cpu}{memory}, Python {platform.python_version()}"


def source_revision() -> str:
    """The commit measured, and whether the code under src/ or config/ differs from it (others edit it live)."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()  # fmt: skip
        changed = subprocess.run(["git", "status", "--porcelain", "--", "src", "config"], cwd=ROOT,
                                 capture_output=True, text=True, check=True).stdout.splitlines()  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return f"{head}" + (f" + {len(changed)} uncommitted file(s) under src/ or config/" if changed else " (clean)")


def report(phases: list[Phase], label: str) -> bool:
    print()
    print(f"invoice import, {label} (target {TARGET_ROWS_PER_SECOND:,} rows/s)")
    header = f"{'phase':<14}{'rows':>11}{'seconds':>10}{'rows/s':>10}{'peak RSS MB':>13}{'x target':>10}  verdict"
    print(header)
    print("-" * len(header))
    ok = True
    for p in phases:
        verdict = "PASS" if p.rows_per_second >= TARGET_ROWS_PER_SECOND else "FAIL"
        ok = ok and verdict == "PASS"
        print(
            f"{p.name:<14}{p.rows:>11,}{p.seconds:>10.1f}{p.rows_per_second:>10,.0f}{p.peak_rss_mb:>13,.0f}"
            f"{p.ratio:>10.2f}  {verdict}"
        )
    for p in phases:
        print(
            f"  {p.name}: created {p.created:,}, updated {p.updated:,}, unchanged {p.unchanged:,}, "
            f"closed {p.closed:,}; process {p.process_seconds:.1f} s"
        )
    print(f"overall: {'PASS' if ok else 'FAIL'}")
    return ok


def check(phase: Phase, rows: int, *, created: int, unchanged: int) -> None:
    wrong = []
    if phase.rows != rows:
        wrong.append(f"read {phase.rows:,} rows, expected {rows:,}")
    if phase.created != created:
        wrong.append(f"created {phase.created:,}, expected {created:,}")
    if phase.unchanged != unchanged:
        wrong.append(f"unchanged {phase.unchanged:,}, expected {unchanged:,}")
    if phase.updated or phase.closed:
        wrong.append(f"updated {phase.updated:,} and closed {phase.closed:,}, expected 0")
    if wrong:
        raise BenchError(f"{phase.name}: " + "; ".join(wrong))
    print(f"  {phase.name}: {phase.rows:,} rows in {phase.seconds:.1f} s = {phase.rows_per_second:,.0f} rows/s, "
          f"peak RSS {phase.peak_rss_mb:,.0f} MB")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS, help=f"invoice rows (default {DEFAULT_ROWS:,})")
    parser.add_argument("--customers", type=int, help="customers (default rows / 10, at most 100,000)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--keep", action="store_true", help="keep the database and logs, print where")
    parser.add_argument(
        "--database-url", help=f"run on this server instead of a temporary SQLite (e.g. {DEFAULT_PG_URL})"
    )
    parser.add_argument("--skip-unreachable", action="store_true", help="exit 3 (skipped) when the server is down")
    parser.add_argument("--no-snapshot", action="store_true", help="skip the snapshot-mode import")
    parser.add_argument("--profile", type=Path, help="cProfile the first import into this file and print hot spots")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    # The timed worker (internal).
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--company", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    parser.add_argument("--mode", default="delta", help=argparse.SUPPRESS)
    parser.add_argument("--as-of", default=AS_OF.isoformat(), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker(args)
    if args.rows < 1:
        parser.error("--rows must be positive")
    customers = args.customers or max(1, min(100_000, args.rows // 10))
    try:
        return bench(args, customers)
    except BenchError as exc:
        print(f"benchmark error: {exc}", file=sys.stderr)
        return 2


def bench(args: argparse.Namespace, customers: int) -> int:
    print(f"machine: {machine()}")
    revision = source_revision()
    print(f"source: {revision}")
    started = time.perf_counter()
    data = generate(rows=args.rows, customers=customers, seed=args.seed)
    print(f"data: {data.invoices_path.name} ({data.invoices_path.stat().st_size / 1e6:,.1f} MB), "
          f"{data.customers_path.name} (ready in {time.perf_counter() - started:.1f} s)")  # fmt: skip
    work = Path(tempfile.mkdtemp(prefix="relance-bench-import-"))
    try:
        with database(args.database_url, work, args.keep, args.skip_unreachable) as url:
            if url is None:
                return 3
            engine = "PostgreSQL" if url.startswith("postgres") else "SQLite"
            env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": SETTINGS, "RELANCE_DEBUG": "0"}
            env.pop("PYTHONSTARTUP", None)
            run(relance("manage", "migrate", "-v0"), env, work / "migrate.log")
            output, _s, _m = run(relance("createcompany", "Benchmark SA"), env, work / "createcompany.log")
            match = re.search(r"company (\d+) created", output)
            if match is None:
                raise BenchError(f"createcompany: unexpected output {output!r}")
            company = int(match.group(1))
            cmd = relance("import", "customers", str(data.customers_path), "--company", str(company), "--no-progress")
            output, seconds, peak = run(cmd, env, work / "customers.log")
            if f"created: {customers}" not in output:
                raise BenchError(f"customers import: unexpected output:\n{output}")
            print(f"setup: {customers:,} customers imported in {seconds:.1f} s (CLI process, peak RSS {peak:,.0f} MB)")
            phases: list[Phase] = []
            first = timed_import("first import", file=data.invoices_path, company=company, mode="delta", env=env,
                                 work=work, profile=args.profile)  # fmt: skip
            check(first, args.rows, created=args.rows, unchanged=0)
            phases.append(first)
            again = timed_import("re-import", file=data.invoices_path, company=company, mode="delta", env=env,
                                 work=work)  # fmt: skip
            check(again, args.rows, created=0, unchanged=args.rows)
            phases.append(again)
            if not args.no_snapshot:
                snap = timed_import("snapshot", file=data.invoices_path, company=company, mode="snapshot", env=env,
                                    work=work)  # fmt: skip
                check(snap, args.rows, created=0, unchanged=args.rows)
                phases.append(snap)
            db_file = work / "relance.sqlite3"
            if db_file.is_file():
                print(f"SQLite database: {db_file.stat().st_size / 1e6:,.0f} MB")
            ok = report(phases, f"{args.rows:,} rows, {customers:,} customers, {engine}")
            if args.json:
                args.json.write_text(json.dumps({
                    "date": dt.date.today().isoformat(), "machine": machine(), "source": revision, "engine": engine,
                    "rows": args.rows, "customers": customers, "target_rows_per_second": TARGET_ROWS_PER_SECOND,
                    "phases": [asdict(p) | {"rows_per_second": p.rows_per_second, "ratio": p.ratio} for p in phases],
                }, indent=2))  # fmt: skip
            if args.profile:
                print("the first import ran under cProfile: its time is inflated, judge a run without --profile")
                print_profile(args.profile)
            return 0 if ok else 1
    finally:
        if args.keep:
            print(f"kept {work} (database and logs)")
        else:
            shutil.rmtree(work, ignore_errors=True)


def print_profile(path: Path, limit: int = 25) -> None:
    import pstats

    for key in ("tottime", "cumulative"):
        print(f"\nprofile of the first import, top {limit} by {key} ({path}):")
        pstats.Stats(str(path), stream=sys.stdout).strip_dirs().sort_stats(key).print_stats(limit)


if __name__ == "__main__":
    sys.exit(main())
