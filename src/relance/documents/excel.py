"""The statement of account as an Excel workbook (XlsxWriter).

Numbers are numbers (in major units, with the currency's decimals), dates are dates, the header
row is frozen and carries filters, and no cell is ever a formula: text that a spreadsheet would
read as one (`=`, `+`, `-`, `@`, tab, carriage return at the start) is written as a string with
`write_string`, which Excel and LibreOffice display as text and never evaluate.
"""

from __future__ import annotations

import io
from decimal import Decimal

import xlsxwriter

from relance.core.money import currency_exponent
from relance.ledger.models import Company, Customer
from relance.ledger.selectors import Statement

HEADERS = {
    "en": ["Type", "Number", "Issue date", "Due date", "Amount", "Still due", "Currency", "Days overdue", "Status",
           "Order"],
    "fr": ["Type", "Numéro", "Date", "Échéance", "Montant", "Reste dû", "Devise", "Jours de retard", "Statut",
           "Commande"],
}  # fmt: skip
KINDS = {
    "en": {"invoice": "Invoice", "debit_note": "Debit note", "credit_note": "Credit note", "payment": "Payment"},
    "fr": {"invoice": "Facture", "debit_note": "Note de débit", "credit_note": "Avoir", "payment": "Paiement"},
}
STATUSES = {
    "en": {"overdue": "Overdue", "not_due": "Not yet due", "credit": "Credit", "disputed": "Disputed",
           "promised": "Promised"},
    "fr": {"overdue": "Échue", "not_due": "Non échue", "credit": "Crédit", "disputed": "Contestée",
           "promised": "Promise"},
}  # fmt: skip


def statement_xlsx(
    *,
    company: Company,
    customer: Customer,
    statement: Statement,
    language: str = "en",
    disputed_ids: frozenset[int] = frozenset(),
    promised_ids: frozenset[int] = frozenset(),
) -> bytes:
    lang = language[:2] if language[:2] in HEADERS else "en"
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    sheet = book.add_worksheet(customer.code[:31] or "Statement")
    bold = book.add_format({"bold": True, "bg_color": "#E8EDF3", "border": 1})
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    money_formats: dict[int, object] = {}

    def money_format(exponent: int) -> object:
        if exponent not in money_formats:
            pattern = "#,##0" + ("." + "0" * exponent if exponent else "")
            money_formats[exponent] = book.add_format({"num_format": pattern})
        return money_formats[exponent]

    sheet.write_string(0, 0, company.name, bold)
    sheet.write_string(1, 0, f"{customer.name} ({customer.code})")
    sheet.write(2, 0, (statement.as_of), date_format)
    header_row = 4
    for column, title in enumerate(HEADERS[lang]):
        sheet.write_string(header_row, column, title, bold)
    row = header_row
    for section, items in (
        ("overdue", statement.overdue),
        ("not_due", statement.not_due),
        ("credit", statement.credits),
    ):
        for item in items:
            row += 1
            status = section
            if item.item_id in disputed_ids:
                status = "disputed"
            elif item.item_id in promised_ids:
                status = "promised"
            exponent = currency_exponent(item.amount.currency)
            sheet.write_string(row, 0, KINDS[lang].get(item.item_type, item.item_type))
            sheet.write_string(row, 1, item.number)
            sheet.write(row, 2, (item.issue_date), date_format)
            sheet.write(row, 3, (item.due_date), date_format)
            sheet.write_number(row, 4, _number(item.amount.amount), money_format(exponent))
            sheet.write_number(row, 5, _number(item.open_amount.amount), money_format(exponent))
            sheet.write_string(row, 6, item.amount.currency)
            sheet.write_number(row, 7, item.days_overdue)
            sheet.write_string(row, 8, STATUSES[lang][status])
            sheet.write_string(row, 9, item.po_number)
    sheet.freeze_panes(header_row + 1, 0)
    sheet.autofilter(header_row, 0, max(row, header_row + 1), len(HEADERS[lang]) - 1)
    sheet.set_column(0, 0, 14)
    sheet.set_column(1, 1, 18)
    sheet.set_column(2, 3, 12)
    sheet.set_column(4, 5, 14)
    sheet.set_column(8, 9, 14)
    book.close()
    return buffer.getvalue()


def _number(value: Decimal) -> float:
    # XlsxWriter stores IEEE doubles (as every spreadsheet does); amounts of up to 15 significant
    # digits round-trip exactly, and the exact value stays in Relance.
    return float(value)
