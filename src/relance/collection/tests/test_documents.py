"""Statements, formal notices and promises as PDFs: penalties where due, never on disputed items.

The PDFs are read back with pdftotext (Debian poppler-utils) as a reader would see them.
"""

import datetime as dt
import os
import shutil
import subprocess
from io import StringIO

import pytest
from django.core.management import call_command

from relance.collection.models import Action
from relance.collection.services.run import collection_run
from relance.collection.services.statuses import dispute_open, promise_create
from relance.collection.standard import scenarios_install_standard
from relance.collection.statements import statement_bundle
from relance.core.money import Money
from tests.factories import CustomerFactory, InvoiceFactory

D = dt.date
AS_OF = D(2025, 5, 14)


def text_of(pdf: bytes, tmp_path) -> str:
    if shutil.which("pdftotext") is None:
        if os.environ.get("CI"):
            pytest.fail("pdftotext (poppler-utils) is required in CI")
        pytest.skip("pdftotext not installed (apt-get install poppler-utils)")
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


@pytest.fixture
def account(company, actor):
    company.penalties_enabled = True
    company.iban = "FR7630006000011234567890189"
    company.bic = "AGRIFRPP"
    company.save()
    customer = CustomerFactory(company=company, code="C-42", name="Boulangerie Martin", language="fr")
    late = InvoiceFactory(customer=customer, number="FA-1", issue_date=D(2025, 2, 13), due_date=D(2025, 3, 15),
                          amount=10_000_00)  # fmt: skip
    disputed = InvoiceFactory(customer=customer, number="FA-2", issue_date=D(2025, 2, 13), due_date=D(2025, 3, 15),
                              amount=2_000_00)  # fmt: skip
    dispute_open(actor=actor, customer=customer, invoices=[disputed], reason="quality", today=D(2025, 4, 1))
    return customer, late, disputed


def test_penalties_are_computed_for_overdue_items_but_never_disputed_ones(company, account):
    customer, late, _disputed = account
    bundle = statement_bundle(company=company, customer=customer, as_of=AS_OF)
    assert set(bundle.penalties.by_invoice) == {late.pk}
    # 10,000.00 x 13.15 % x 60 / 365 = 216.16, plus the EUR 40 indemnity
    assert bundle.penalties.total("EUR") == Money.of("256.16", "EUR")
    assert bundle.overdue("EUR") == Money.of("12000.00", "EUR")  # the statement still shows FA-2, as disputed
    assert bundle.overdue_with_penalties("EUR") == Money.of("12256.16", "EUR")
    lines = bundle.penalty_lines("fr")
    assert [line.label for line in lines["FA-1"]] == [
        "Intérêts de retard",
        "Indemnité forfaitaire pour frais de recouvrement",
    ]


def test_the_statement_and_notice_pdfs_carry_the_right_items(company, account, tmp_path):
    _customer, _late, _disputed = account
    out = tmp_path / "statement.pdf"
    call_command("document", "statement", "C-42", "--date", "2025-05-14", "-o", str(out), stdout=StringIO())
    statement = text_of(out.read_bytes(), tmp_path)
    assert "FA-1" in statement
    assert "FA-2" in statement
    assert "216,16" in statement
    notice_file = tmp_path / "notice.pdf"
    call_command("document", "notice", "C-42", "--date", "2025-05-14", "-o", str(notice_file), stdout=StringIO())
    notice = text_of(notice_file.read_bytes(), tmp_path)
    assert "FA-1" in notice
    assert "FA-2" not in notice  # a disputed invoice is never claimed in a formal notice
    assert "L441-10" in notice


def test_a_recorded_promise_keeps_its_written_acknowledgement(company, account, actor, tmp_path):
    customer, late, _ = account
    promise = promise_create(actor=actor, customer=customer, invoices=[late], promised_date=D(2025, 5, 30),
                             made_by="Jeanne Petit", today=AS_OF)  # fmt: skip
    assert promise.document.name.endswith(".pdf")
    text = text_of(promise.document.read(), tmp_path)
    assert "Jeanne Petit" in text
    assert "FA-1" in text
    assert "30 mai 2025" in text


def test_the_days_letters_are_merged_into_one_pdf(company, actor, tmp_path):
    scenarios_install_standard(company=company, actor=actor)
    for code in ("L1", "L2"):
        customer = CustomerFactory(company=company, code=code)
        InvoiceFactory(customer=customer, number=f"N-{code}", issue_date=D(2026, 1, 1), due_date=D(2026, 2, 2))
    collection_run(company=company, today=D(2026, 3, 10), actor=actor)  # D+36: formal notice letters
    assert Action.objects.filter(channel="letter").count() == 2
    out = tmp_path / "letters.pdf"
    call_command("document", "letters", "--date", "2026-03-10", "-o", str(out), stdout=StringIO())
    text = text_of(out.read_bytes(), tmp_path)
    assert "N-L1" in text
    assert "N-L2" in text
