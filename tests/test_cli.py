"""The `relance` command as a user types it."""

import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from relance.ledger.models import Invoice
from tests.factories import CustomerFactory

ROOT = Path(__file__).resolve().parent.parent


def test_relance_help_lists_the_commands():
    out = subprocess.run(
        [sys.executable, "-m", "relance.cli", "--help"], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout
    for command in ("demo", "serve", "import", "statement", "aging", "createcompany", "manage"):
        assert f"\n  {command} " in out


def test_an_unknown_command_is_refused_with_the_list():
    done = subprocess.run([sys.executable, "-m", "relance.cli", "frobnicate"], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 2
    assert "unknown command 'frobnicate'" in done.stderr
    assert "import" in done.stderr


def test_import_command_prints_a_summary_and_refuses_a_bad_file(company, write_file):
    CustomerFactory(company=company, code="C1")
    good = write_file("ok.csv", "Invoice;Customer;Date;Amount\nF1;C1;02/01/2026;1 000,00\n")
    out = StringIO()
    call_command("import", "invoices", str(good), "--no-progress", "--as-of", "2026-03-01", stdout=out)
    assert "applied" in out.getvalue()
    assert "rows: 1  created: 1" in out.getvalue()
    assert Invoice.objects.get(number="F1").amount == 100000

    bad = write_file("bad.csv", "Invoice;Customer;Date;Amount\nF2;C9;02/01/2026;1 000,00\n")
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was applied"):
        call_command("import", "invoices", str(bad), "--no-progress", stdout=StringIO(), stderr=err)
    assert "row 2, column 'Customer': unknown customer code 'C9'" in err.getvalue()


def test_import_command_takes_a_mapping(company, write_file):
    CustomerFactory(company=company, code="C1")
    path = write_file("m.csv", "Doc,Acct,When,Gross\nZ1,C1,2026-01-05,5.00\n")
    call_command(
        "import", "invoices", str(path), "--no-progress",
        "--map", "number=Doc", "--map", "customer_code=Acct", "--map", "issue_date=When", "--map", "amount=Gross",
        stdout=StringIO(),
    )  # fmt: skip
    assert Invoice.objects.get(number="Z1").amount == 500


def test_statement_and_aging_commands(company, write_file):
    CustomerFactory(company=company, code="C1", language="fr")
    path = write_file("i.csv", "Invoice;Customer;Date;Due date;Amount\nF1;C1;02/01/2026;01/02/2026;1 234,50\n")
    call_command("import", "invoices", str(path), "--no-progress", "--as-of", "2026-03-01", stdout=StringIO())
    out = StringIO()
    call_command("statement", "C1", "--date", "2026-03-01", stdout=out)
    assert "F1" in out.getvalue()
    assert "28 d late" in out.getvalue()
    assert "1\u202f234,50\u00a0€" in out.getvalue()
    out = StringIO()
    call_command("aging", "--date", "2026-03-01", "--language", "en", stdout=out)
    assert "€1,234.50" in out.getvalue()
