"""Importing invoices and credit notes from the files ERPs export.

Each test writes a file byte for byte as an ERP would (encoding, delimiter, number and date
formats), imports it through the service, and checks the ledger and the statement.
"""

import datetime as dt

import pytest
import xlsxwriter

from relance.core.money import Money
from relance.ledger.imports.service import import_file
from relance.ledger.models import Allocation, ImportMapping, ImportRun, Invoice, InvoiceKind
from relance.ledger.selectors import aging_for_company, customer_statement
from tests.factories import CustomerFactory, InvoiceFactory

AS_OF = dt.date(2026, 3, 31)

FRENCH_FILE = (
    "N° facture;Code client;Type;Date facture;Date d'échéance;Montant TTC;Devise;N° commande\r\n"
    "FA-001;C001;Facture;15/01/2026;14/02/2026;1 234,56;EUR;BC-77\r\n"
    "FA-002;C001;Facture;01/03/2026;31/03/2026;99,90;EUR;\r\n"
    "AV-001;C002;Avoir;05/03/2026;05/03/2026;-150,00;EUR;\r\n"
    "FA-003;C002;Facture;10/03/2026;09/05/2026;12 000,00;EUR;Réf. été\r\n"
)


@pytest.fixture
def customers(company):
    return CustomerFactory(company=company, code="C001"), CustomerFactory(company=company, code="C002")


def run(company, actor, path, **kw):
    kw.setdefault("as_of", AS_OF)
    return import_file(company=company, kind="invoices", path=path, actor=actor, **kw)


def test_french_latin1_semicolon_file_with_space_grouped_amounts(company, customers, actor, write_file):
    path = write_file("export.csv", FRENCH_FILE, encoding="latin-1")
    result = run(company, actor, path)

    assert result.status == "applied", result.errors
    assert (result.encoding, result.delimiter) == ("cp1252", ";")
    assert result.counters.created == 4
    fa1 = Invoice.objects.get(company=company, number="FA-001")
    assert (fa1.amount, fa1.currency, fa1.due_date, fa1.po_number) == (123456, "EUR", dt.date(2026, 2, 14), "BC-77")
    credit = Invoice.objects.get(company=company, number="AV-001")
    assert (credit.kind, credit.amount) == (InvoiceKind.CREDIT_NOTE, 15000)
    assert Invoice.objects.get(number="FA-003").po_number == "Réf. été"
    statement = customer_statement(company=company, customer=customers[1], as_of=AS_OF)
    assert statement.totals["EUR"].balance == Money.of("11850.00", "EUR")


def test_english_utf8_bom_comma_file_with_iso_dates(company, customers, actor, write_file):
    text = (
        "\ufeffInvoice Number,Customer Code,Invoice Date,Due Date,Amount,Currency,Open Amount\n"
        'INV-1,C001,2026-01-10,2026-02-09,"1,234.50",GBP,"1,000.00"\n'
        "INV-2,C002,2026-03-01,2026-04-30,10.00,USD,10.00\n"
    )
    result = run(company, actor, write_file("ar.csv", text))
    assert result.status == "applied", result.errors
    assert result.encoding == "utf-8-sig"
    assert result.formats["amount"] == "decimal '.'"
    inv = Invoice.objects.get(number="INV-1")
    assert (inv.amount, inv.currency) == (123450, "GBP")
    aging = aging_for_company(company=company, as_of=AS_OF)
    assert aging["GBP"].days_31_60 == Money.of("1000.00", "GBP")  # 234.50 settled in the ERP
    assert aging["USD"].not_due == Money.of("10.00", "USD")
    settlement = Allocation.objects.get(invoice=inv)
    assert (settlement.kind, settlement.amount, settlement.date) == ("settlement", 23450, AS_OF)


def test_excel_file_with_typed_dates_and_numbers(company, customers, actor, tmp_path):
    path = tmp_path / "export.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Factures")
    date_format = book.add_format({"num_format": "dd/mm/yyyy"})
    sheet.write_row(0, 0, ["Numéro", "Client", "Date", "Échéance", "Montant"])
    sheet.write_row(1, 0, ["X-1", "C001"])
    sheet.write_datetime(1, 2, dt.datetime(2026, 1, 5), date_format)
    sheet.write_datetime(1, 3, dt.datetime(2026, 2, 4), date_format)
    sheet.write_number(1, 4, 4321.09)
    sheet.write_row(2, 0, ["X-2", "C002", "2026-03-01", "2026-03-31", "15,5"])  # typed as text by a user
    book.close()

    result = run(company, actor, path, options={"decimal": ","})
    assert result.status == "applied", result.errors
    assert Invoice.objects.get(number="X-1").amount == 432109
    assert Invoice.objects.get(number="X-1").due_date == dt.date(2026, 2, 4)
    assert Invoice.objects.get(number="X-2").amount == 1550


def test_reimporting_the_same_file_changes_nothing(company, customers, actor, write_file):
    path = write_file("export.csv", FRENCH_FILE, encoding="latin-1")
    run(company, actor, path)
    before = list(Invoice.objects.values_list("number", "amount", "updated_at").order_by("number"))

    again = run(company, actor, path)

    assert again.status == "applied"
    assert (again.counters.created, again.counters.updated, again.counters.unchanged) == (0, 0, 4)
    assert list(Invoice.objects.values_list("number", "amount", "updated_at").order_by("number")) == before
    assert Allocation.objects.count() == 0


def test_a_changed_row_updates_the_invoice(company, customers, actor, write_file):
    run(company, actor, write_file("a.csv", FRENCH_FILE, encoding="latin-1"))
    changed = FRENCH_FILE.replace("01/03/2026;31/03/2026;99,90", "01/03/2026;15/04/2026;109,90")
    result = run(company, actor, write_file("b.csv", changed, encoding="latin-1"))
    assert (result.counters.updated, result.counters.unchanged) == (1, 3)
    invoice = Invoice.objects.get(number="FA-002")
    assert (invoice.amount, invoice.due_date) == (10990, dt.date(2026, 4, 15))


def test_snapshot_closes_items_absent_from_the_file_as_settled_on_the_import_day(company, customers, actor, write_file):
    old = InvoiceFactory(customer=customers[0], number="OLD-9", issue_date=dt.date(2025, 12, 1), amount=500_00)
    first = FRENCH_FILE
    run(company, actor, write_file("day1.csv", first, encoding="latin-1"), mode="snapshot")
    assert Allocation.objects.get(invoice=old).amount == 500_00  # closed: absent from the snapshot
    # Day 2: FA-001 was paid in the ERP, so it is no longer listed.
    second = "\r\n".join(line for line in first.split("\r\n") if not line.startswith("FA-001"))
    result = run(
        company, actor, write_file("day2.csv", second, encoding="latin-1"), mode="snapshot", as_of=dt.date(2026, 4, 1)
    )
    assert result.counters.closed == 1
    fa1 = Invoice.objects.get(number="FA-001")
    closing = Allocation.objects.get(invoice=fa1)
    assert (closing.kind, closing.amount, closing.date) == ("settlement", 123456, dt.date(2026, 4, 1))
    statement = customer_statement(company=company, customer=customers[0], as_of=dt.date(2026, 4, 1))
    assert [i.number for i in statement.items] == ["FA-002"]
    # The statement of an earlier day still shows FA-001 open.
    assert "FA-001" in [i.number for i in customer_statement(company=company, customer=customers[0], as_of=AS_OF).items]


def test_snapshot_open_amount_follows_the_erp_and_reopens(company, customers, actor, write_file):
    header = "Invoice,Customer,Date,Due date,Amount,Open amount\n"
    run(company, actor, write_file("1.csv", header + "I-1,C001,2026-01-01,2026-01-31,100.00,100.00\n"), mode="snapshot")
    run(company, actor, write_file("2.csv", header + "I-1,C001,2026-01-01,2026-01-31,100.00,40.00\n"), mode="snapshot")
    run(company, actor, write_file("3.csv", header + "I-1,C001,2026-01-01,2026-01-31,100.00,55.00\n"), mode="snapshot")
    assert customer_statement(company=company, customer=customers[0], as_of=AS_OF).totals["EUR"].overdue == Money.of(
        "55.00", "EUR"
    )
    assert list(Allocation.objects.order_by("id").values_list("amount", flat=True)) == [6000, -1500]


BAD_FILE = (
    "Invoice,Customer,Date,Due date,Amount,Currency\n"
    "B-1,C001,2026-01-10,2026-02-09,100.00,EUR\n"  # row 2: fine
    "B-2,C001,2026-13-45,2026-02-09,100.00,EUR\n"  # row 3: wrong date
    "B-3,C001,2026-01-10,2026-02-09,-50.00,EUR\n"  # row 4: negative invoice
    "B-4,C001,2026-01-10,2026-02-09,10.00,ZZZ\n"  # row 5: unknown currency
    "B-5,C001,2026-03-10,2026-02-09,10.00,EUR\n"  # row 6: due before issue
    "B-1,C002,2026-01-11,2026-02-10,20.00,EUR\n"  # row 7: duplicated number
    "B-7,NOPE,2026-01-10,2026-02-09,10.00,EUR\n"  # row 8: unknown customer
)


def test_a_bad_file_gets_one_clear_error_per_problem_and_changes_nothing(company, customers, actor, write_file):
    InvoiceFactory(customer=customers[0], number="KEEP-1", amount=1_00)
    before = list(Invoice.objects.values_list("number", "amount"))

    result = run(company, actor, write_file("bad.csv", BAD_FILE))

    assert result.status == "rejected"
    assert [(e.row, e.column) for e in result.errors] == [
        (3, "Date"),
        (4, "Amount"),
        (5, "Currency"),
        (6, "Due date"),
        (7, "Invoice"),
        (8, "Customer"),
    ]
    reasons = " | ".join(e.reason for e in result.errors)
    for fragment in (
        "'2026-13-45' is not a valid date",
        "negative amount -50.00 for an invoice",
        "'ZZZ' is not an ISO 4217 currency code",
        "due date 2026-02-09 is before the issue date 2026-03-10",
        "B-1 appears twice in the file (first on row 2)",
        "unknown customer code 'NOPE'",
    ):
        assert fragment in reasons
    assert list(Invoice.objects.values_list("number", "amount")) == before
    run_row = ImportRun.objects.get(pk=result.run_id)
    assert (run_row.status, run_row.error_count, run_row.created) == ("rejected", 6, 0)
    assert not ImportMapping.objects.exists()  # a rejected file teaches nothing


def test_apply_valid_rows_keeps_the_good_rows_and_reports_the_rest(company, customers, actor, write_file):
    result = run(company, actor, write_file("bad.csv", BAD_FILE), apply_valid_rows=True)
    assert result.status == "partial"
    assert len(result.errors) == 6
    assert sorted(Invoice.objects.values_list("number", flat=True)) == ["B-1"]


def test_the_mapping_is_remembered_per_company_and_kind(company, customers, actor, write_file):
    text = "Doc;Acct;Dated;Total\nM-1;C001;02/01/2026;10,00\n"
    columns = {"number": "Doc", "customer_code": "Acct", "issue_date": "Dated", "amount": "Total"}
    assert run(company, actor, write_file("m1.csv", text), columns=columns).status == "applied"
    saved = ImportMapping.objects.get(company=company, kind="invoices")
    assert saved.columns == columns
    # Next month's file, same layout, no mapping given.
    result = run(company, actor, write_file("m2.csv", text.replace("M-1", "M-2")))
    assert result.status == "applied", result.errors
    assert Invoice.objects.get(number="M-2").due_date == dt.date(2026, 2, 1)  # 30 days: company default terms


def test_a_file_without_the_required_columns_explains_what_is_missing(company, actor, write_file):
    result = run(company, actor, write_file("x.csv", "Foo,Bar\n1,2\n"))
    assert result.status == "rejected"
    assert result.errors[0].row == 1
    assert "no column for required field(s) number, customer_code, issue_date, amount" in result.errors[0].reason


def test_an_empty_or_missing_file_is_a_clear_error(company, actor, write_file, tmp_path):
    assert "the file is empty" in run(company, actor, write_file("e.csv", "")).errors[0].reason
    assert "no such file" in run(company, actor, tmp_path / "nope.csv").errors[0].reason


def test_unknown_customers_can_be_created_on_request(company, actor, write_file):
    text = "Invoice,Customer,Customer name,Date,Amount\nN-1,NEW1,Nouvelle Société,2026-01-02,10.00\n"
    rejected = run(company, actor, write_file("n.csv", text))
    assert rejected.status == "rejected"
    result = run(company, actor, write_file("n.csv", text), create_customers=True)
    assert result.status == "applied"
    assert result.customers_created == 1
    assert Invoice.objects.get(number="N-1").customer.name == "Nouvelle Société"


def test_imports_are_isolated_per_company(company, other_company, customers, actor, write_file):
    CustomerFactory(company=other_company, code="C001")
    path = write_file("export.csv", FRENCH_FILE, encoding="latin-1")
    run(company, actor, path)
    result = run(other_company, actor, path)
    assert result.status == "rejected"  # C002 does not exist in the other company
    assert not Invoice.objects.filter(company=other_company).exists()
    assert Invoice.objects.filter(company=company).count() == 4
