"""The IBM accounts-receivable sample (2,466 invoices, 100 customers) imports with a mapping only,
and its statements and aging match figures computed here independently, straight from the CSV."""

import csv
import datetime as dt
from collections import defaultdict
from decimal import Decimal

import pytest

from relance.core.money import Money
from relance.ledger.imports.service import import_file
from relance.ledger.models import Customer, Invoice
from relance.ledger.selectors import aging_for_company, customer_statement
from tests.factories import CompanyFactory

FILE = "ar_dataset/WA_Fn-UseC_-Accounts-Receivable.csv"
MAPPING = {
    "number": "invoiceNumber",
    "customer_code": "customerID",
    "issue_date": "InvoiceDate",
    "due_date": "DueDate",
    "amount": "InvoiceAmount",
    "settled_date": "SettledDate",
}
DATES = [dt.date(2012, 6, 30), dt.date(2013, 3, 31), dt.date(2013, 10, 15)]


def us_date(text: str) -> dt.date:
    return dt.datetime.strptime(text, "%m/%d/%Y").date()


def expected_aging(rows, as_of):
    """Open at as_of = issued on or before, settled after. Buckets by days past due."""
    buckets = defaultdict(Decimal)
    for row in rows:
        issued, settled, due = us_date(row["InvoiceDate"]), us_date(row["SettledDate"]), us_date(row["DueDate"])
        if issued > as_of or settled <= as_of:
            continue
        late = (as_of - due).days
        name = (
            "not_due"
            if late <= 0
            else "days_1_30"
            if late <= 30
            else "days_31_60"
            if late <= 60
            else "days_61_90"
            if late <= 90
            else "days_over_90"
        )
        buckets[name] += Decimal(row["InvoiceAmount"])
    return buckets


@pytest.fixture
def ibm(db, shared_data, actor):
    company = CompanyFactory(name="IBM sample", country="US", currency="USD", timezone="America/New_York")
    path = shared_data / FILE
    result = import_file(
        company=company,
        kind="invoices",
        path=path,
        actor=actor,
        columns=MAPPING,
        create_customers=True,
        as_of=dt.date(2026, 11, 24),
    )
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    return company, result, rows


def test_the_whole_sample_imports(ibm):
    company, result, rows = ibm
    assert result.status == "applied", result.errors[:5]
    assert (result.rows, result.counters.created, result.customers_created) == (2466, 2466, 100)
    assert result.formats["issue_date"] == "mm/dd/yyyy"
    assert Invoice.objects.filter(company=company).count() == len(rows) == 2466
    assert Customer.objects.filter(company=company).count() == 100
    total = sum(Decimal(r["InvoiceAmount"]) for r in rows)
    assert sum(Invoice.objects.filter(company=company).values_list("amount", flat=True)) == int(total * 100)


@pytest.mark.parametrize("as_of", DATES)
def test_aging_matches_an_independent_computation(ibm, as_of):
    company, _, rows = ibm
    expected = expected_aging(rows, as_of)
    aging = aging_for_company(company=company, as_of=as_of)["USD"]
    for name, amount in aging.buckets():
        if name != "credits":
            assert amount == Money.of(expected[name], "USD"), name
    assert aging.balance == Money.of(sum(expected.values(), Decimal(0)), "USD")
    assert aging.balance.minor > 0


@pytest.mark.parametrize("as_of", DATES)
def test_statements_match_for_every_customer(ibm, as_of):
    company, _, rows = ibm
    by_customer = defaultdict(list)
    for row in rows:
        if us_date(row["InvoiceDate"]) <= as_of < us_date(row["SettledDate"]):
            by_customer[row["customerID"]].append(row)
    for customer in Customer.objects.filter(company=company):
        statement = customer_statement(company=company, customer=customer, as_of=as_of)
        expected = by_customer.get(customer.code, [])
        assert sorted(i.number for i in statement.items) == sorted(r["invoiceNumber"] for r in expected)
        overdue = sum((Decimal(r["InvoiceAmount"]) for r in expected if us_date(r["DueDate"]) < as_of), Decimal(0))
        totals = statement.totals.get("USD")
        assert (totals.overdue if totals else Money.zero("USD")) == Money.of(overdue, "USD")
        for item in statement.overdue:
            row = next(r for r in expected if r["invoiceNumber"] == item.number)
            assert item.days_overdue == (as_of - us_date(row["DueDate"])).days


def test_reimport_is_idempotent(ibm, actor, shared_data):
    company, _, _ = ibm
    again = import_file(
        company=company,
        kind="invoices",
        path=shared_data / FILE,
        actor=actor,
        columns=MAPPING,
        create_customers=True,
        as_of=dt.date(2026, 11, 24),
    )
    assert (again.counters.created, again.counters.updated, again.counters.unchanged) == (0, 0, 2466)


def test_the_dirty_copy_imports_because_its_blanks_are_in_unmapped_columns(db, shared_data, actor):
    """The altered copy blanks PaperlessDate and PaperlessBill on 120 rows: columns Relance does not
    map, so every row is still valid; a blank in a mapped column is tested on the copy below."""
    company = CompanyFactory(currency="USD")
    path = shared_data / "ar_dataset/WA_Fn-UseC_-Accounts-Receivable.wdmartin44-with-blanks.csv"
    common = {"company": company, "kind": "invoices", "actor": actor, "columns": MAPPING, "create_customers": True}
    result = import_file(path=path, as_of=dt.date(2026, 11, 24), **common)
    assert result.status == "applied", result.errors[:3]
    assert result.counters.created == 2586


def test_blank_mapped_cells_are_reported_by_row_and_column(db, shared_data, actor, tmp_path):
    source = (shared_data / FILE).read_text().splitlines()
    header = source[0].split(",")
    damaged = [source[0]]
    for number, line in enumerate(source[1:], start=2):
        cells = line.split(",")
        if number in (10, 500):
            cells[header.index("DueDate")] = ""
        if number == 777:
            cells[header.index("InvoiceAmount")] = ""
        damaged.append(",".join(cells))
    path = tmp_path / "damaged.csv"
    path.write_text("\n".join(damaged) + "\n")
    company = CompanyFactory(currency="USD")
    result = import_file(
        company=company, kind="invoices", path=path, actor=actor, columns=MAPPING | {"due_date": "DueDate"},
        create_customers=True, as_of=dt.date(2026, 11, 24),
    )  # fmt: skip
    # A blank due date is allowed (payment terms apply); a blank amount is not.
    assert [(e.row, e.column, e.reason) for e in result.errors] == [(777, "InvoiceAmount", "amount is required")]
    assert result.status == "rejected"
    assert not Invoice.objects.filter(company=company).exists()
