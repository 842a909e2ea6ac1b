"""The statement as an Excel file: numbers as numbers, dates as dates, frozen header, filters, no formulas."""

import datetime as dt
import io

import pytest
from python_calamine import CalamineWorkbook

from relance.documents.excel import statement_xlsx
from relance.ledger.models import Customer
from relance.ledger.selectors import customer_statement
from tests.factories import CustomerFactory, InvoiceFactory, settle

D = dt.date


@pytest.fixture
def account(company):
    customer = CustomerFactory(company=company, code="C1", name="Dupont")
    InvoiceFactory(customer=customer, number="=HYPERLINK(\"http://evil\",\"x\")", issue_date=D(2026, 1, 2),
                   due_date=D(2026, 2, 1), amount=123456, po_number="+1+2")  # fmt: skip
    late = InvoiceFactory(customer=customer, number="F-2", issue_date=D(2026, 1, 5), due_date=D(2026, 2, 4), amount=999)
    settle(late, 499, D(2026, 2, 10))
    InvoiceFactory(customer=customer, number="@SUM(A1)", issue_date=D(2026, 3, 1), due_date=D(2026, 4, 1), amount=5000)
    return customer


def test_cells_are_typed_and_nothing_is_a_formula(company, account: Customer):
    statement = customer_statement(company=company, customer=account, as_of=D(2026, 3, 10))
    content = statement_xlsx(company=company, customer=account, statement=statement, language="fr")
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0)
    rows = sheet.to_python()
    assert rows[4][:6] == ["Type", "Numéro", "Date", "Échéance", "Montant", "Reste dû"]
    data = {row[1]: row for row in rows[5:]}
    evil = data['=HYPERLINK("http://evil","x")']
    assert evil[2] == D(2026, 1, 2)  # a date, not text
    assert evil[4] == 1234.56  # a number, not text
    assert evil[9] == "+1+2"  # text as typed
    assert data["F-2"][5] == 5.0  # 9.99 - 4.99 still due
    assert data["F-2"][7] == 34  # days overdue, a number
    assert data["@SUM(A1)"][8] == "Non échue"
    # no formula anywhere in the file: XlsxWriter writes formulas as <f> elements
    import zipfile

    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml
    assert '<pane ySplit="5"' in xml  # header frozen
    assert "<autoFilter" in xml
