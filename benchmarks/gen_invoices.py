"""Deterministic generator of the import benchmark's input: a customers CSV and an invoices CSV.

Both files are written as a French ERP writes them: `;` delimiter, UTF-8 with a BOM, CRLF line ends,
French headers (the ones `relance.ledger.imports.mapping` recognises), dates `dd/mm/yyyy` and amounts
`1 234,56` whose thousands separator is a normal space or a no-break space (U+00A0), both of which
occur in real exports.

    python benchmarks/gen_invoices.py                     # 100,000 customers, 1,000,000 invoices
    python benchmarks/gen_invoices.py --rows 100000 --customers 10000 --out /tmp/bench

The same seed and sizes always give byte-identical files, so two runs of the benchmark read the same
data. Every row is valid for an import dated `AS_OF` (issue dates in the two years before it, due
dates 0 to 90 days after issue, amounts from 10 EUR to 50,000 EUR), so a first import creates every
invoice and a re-import changes nothing. Files go to `benchmarks/data/`, which is gitignored.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
AS_OF = dt.date(2026, 11, 24)  # the business date the benchmark imports at (--as-of)
DEFAULT_ROWS = 1_000_000
DEFAULT_CUSTOMERS = 100_000
DEFAULT_SEED = 20261124

CUSTOMER_HEADERS = ("Code client", "Raison sociale", "Pays", "Langue")
INVOICE_HEADERS = (
    "N° facture",
    "Code client",
    "Date facture",
    "Date d'échéance",
    "Montant TTC",
    "Devise",
    "N° commande",
)
NAME_PARTS = (
    "Durand", "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Moreau", "Laurent",
    "Lefèvre", "Michel", "Garcia", "Bertrand", "Roux", "Vincent", "Fournier", "Girard", "Bonnet", "Dupont",
    "Lambert", "Fontaine", "Rousseau", "Mercier", "Blanc", "Guérin", "Boyer", "Chevalier", "François", "Legrand",
)  # fmt: skip
NAME_KINDS = (
    "Transports", "Boulangerie", "Menuiserie", "Imprimerie", "Garage", "Pharmacie", "Bâtiment", "Conseil",
    "Électricité", "Plomberie", "Négoce", "Hôtellerie", "Logistique", "Services", "Agencement", "Distribution",
)  # fmt: skip
LEGAL_FORMS = ("SARL", "SAS", "SA", "EURL", "SASU", "SNC")
COUNTRIES = (("FR", 0.85), ("BE", 0.06), ("CH", 0.03), ("LU", 0.02), ("DE", 0.02), ("GB", 0.02))
NBSP = "\u00a0"


@dataclass(frozen=True, slots=True)
class Generated:
    customers_path: Path
    invoices_path: Path
    customers: int
    rows: int


def customer_code(index: int) -> str:
    return f"C{index:06d}"


def invoice_number(index: int) -> str:
    return f"FA{index:08d}"


def french_amount(cents: int, rng: random.Random) -> str:
    """`1234567` cents -> `12 345,67` (thousands grouped by a space or a no-break space)."""
    units, fraction = divmod(cents, 100)
    grouped = f"{units:,}"
    if "," in grouped:
        grouped = grouped.replace(",", NBSP if rng.random() < 0.5 else " ")
    return f"{grouped},{fraction:02d}"


def _country(rng: random.Random) -> str:
    draw = rng.random()
    for code, weight in COUNTRIES:
        if draw < weight:
            return code
        draw -= weight
    return COUNTRIES[0][0]


def write_customers(path: Path, count: int, seed: int) -> None:
    rng = random.Random(f"{seed}-customers")
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        out.write(";".join(CUSTOMER_HEADERS) + "\r\n")
        lines = []
        for index in range(1, count + 1):
            name = f"{rng.choice(NAME_KINDS)} {rng.choice(NAME_PARTS)} {rng.choice(LEGAL_FORMS)} {index}"
            country = _country(rng)
            language = "en" if country in {"GB", "DE"} else "fr"
            lines.append(f"{customer_code(index)};{name};{country};{language}\r\n")
            if len(lines) >= 10_000:
                out.writelines(lines)
                lines.clear()
        out.writelines(lines)


def write_invoices(path: Path, rows: int, customers: int, seed: int, as_of: dt.date = AS_OF) -> None:
    rng = random.Random(f"{seed}-invoices")
    first_day = as_of - dt.timedelta(days=730)
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        out.write(";".join(INVOICE_HEADERS) + "\r\n")
        lines = []
        for index in range(1, rows + 1):
            issue = first_day + dt.timedelta(days=rng.randrange(730))
            due = issue + dt.timedelta(days=rng.choice((0, 30, 30, 45, 45, 60, 60, 90)))
            # Log-uniform amounts: many small invoices, a few large ones (10 EUR to 50,000 EUR).
            cents = int(1000 * 5000 ** rng.random())
            po = f"PO-{rng.randrange(1, 10**7):07d}" if rng.random() < 0.6 else ""
            lines.append(
                f"{invoice_number(index)};{customer_code(rng.randint(1, customers))};{issue:%d/%m/%Y};"
                f"{due:%d/%m/%Y};{french_amount(cents, rng)};EUR;{po}\r\n"
            )
            if len(lines) >= 10_000:
                out.writelines(lines)
                lines.clear()
        out.writelines(lines)


def generate(
    *, rows: int = DEFAULT_ROWS, customers: int = DEFAULT_CUSTOMERS, seed: int = DEFAULT_SEED, out: Path = DATA_DIR,
    force: bool = False,
) -> Generated:  # fmt: skip
    """Write (or reuse, when already there) the two files for these sizes and seed."""
    out.mkdir(parents=True, exist_ok=True)
    customers_path = out / f"customers_{customers}_s{seed}.csv"
    invoices_path = out / f"invoices_{rows}_c{customers}_s{seed}.csv"
    if force or not customers_path.is_file():
        _atomic(customers_path, lambda p: write_customers(p, customers, seed))
    if force or not invoices_path.is_file():
        _atomic(invoices_path, lambda p: write_invoices(p, rows, customers, seed))
    return Generated(customers_path, invoices_path, customers, rows)


def _atomic(path: Path, write: Callable[[Path], None]) -> None:
    """Write through a temporary name, so an interrupted run never leaves a truncated file to reuse."""
    partial = path.with_suffix(".partial")
    write(partial)
    partial.replace(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS, help=f"invoice rows (default {DEFAULT_ROWS:,})")
    parser.add_argument("--customers", type=int, default=DEFAULT_CUSTOMERS, help="customers (default 100,000)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", type=Path, default=DATA_DIR, help="output folder (default benchmarks/data/)")
    parser.add_argument("--force", action="store_true", help="rewrite the files even when they exist")
    args = parser.parse_args(argv)
    if args.rows < 1 or args.customers < 1:
        parser.error("--rows and --customers must be positive")
    started = time.perf_counter()
    result = generate(rows=args.rows, customers=args.customers, seed=args.seed, out=args.out, force=args.force)
    elapsed = time.perf_counter() - started
    for path in (result.customers_path, result.invoices_path):
        print(f"{path}  {path.stat().st_size / 1e6:,.1f} MB")
    print(f"ready in {elapsed:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
