"""The customers list, filtered and sorted as on screen, as an Excel workbook (XlsxWriter).

As for the statement export (`documents/excel.py`): amounts are numbers in major units with the
currency's decimals, dates are dates, the header row is frozen and carries filters, and text is
always written with `write_string`, so a name starting with `=`, `+`, `-` or `@` stays text and is
never evaluated as a formula.
"""

from __future__ import annotations

import datetime as dt
import io

import xlsxwriter
from django.utils.translation import gettext as _

from relance.core.money import Money, currency_exponent
from relance.web.customers.queries import Row


def customers_xlsx(*, company_name: str, rows: list[Row], as_of: dt.date) -> bytes:
    headers = [
        _("Code"), _("Name"), _("VAT number"), _("Country"), _("Collector"), _("Status"), _("Scenario"), _("Tags"),
        _("Currency"), _("Open"), _("Overdue"), _("Oldest due date"), _("Days overdue"), _("Last action"),
        _("Next action"), _("Other currencies"),
    ]  # fmt: skip
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                                        "strings_to_numbers": False})  # fmt: skip
    sheet = book.add_worksheet(_("Customers")[:31])
    bold = book.add_format({"bold": True, "bg_color": "#E8EDF3", "border": 1})
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    formats: dict[int, object] = {}

    def money_format(currency: str) -> object:
        exponent = currency_exponent(currency)
        if exponent not in formats:
            formats[exponent] = book.add_format({"num_format": "#,##0" + ("." + "0" * exponent if exponent else "")})
        return formats[exponent]

    def amount(value: Money) -> float:
        return float(value.amount)  # exact for up to 15 significant digits; the exact value stays in Relance

    sheet.write_string(0, 0, company_name, bold)
    sheet.write_string(1, 0, _("Customers at"))
    sheet.write_datetime(1, 1, dt.datetime.combine(as_of, dt.time()), date_format)
    header_row = 3
    for column, title in enumerate(headers):
        sheet.write_string(header_row, column, title, bold)
    row_index = header_row
    for row in rows:
        row_index += 1
        customer = row.customer
        collector = customer.collector
        texts = [
            customer.code, customer.name, customer.vat_id, customer.country,
            (collector.get_full_name() or collector.get_username()) if collector else "",
            str(customer.get_status_display()), row.scenario.name if row.scenario else "",
            ", ".join(tag.name for tag in customer.tags.all()), row.currency,
        ]  # fmt: skip
        for column, text in enumerate(texts):
            sheet.write_string(row_index, column, text)
        sheet.write_number(row_index, 9, amount(row.balance), money_format(row.currency))
        sheet.write_number(row_index, 10, amount(row.overdue), money_format(row.currency))
        for column, day in ((11, row.oldest_due), (13, row.last_action), (14, row.next_action)):
            if day is not None:
                sheet.write_datetime(row_index, column, dt.datetime.combine(day, dt.time()), date_format)
            else:
                sheet.write_blank(row_index, column, None)
        sheet.write_number(row_index, 12, row.days_overdue)
        sheet.write_string(row_index, 15, "; ".join(str(money) for money in row.other_balances))
    sheet.freeze_panes(header_row + 1, 0)
    sheet.autofilter(header_row, 0, max(row_index, header_row + 1), len(headers) - 1)
    sheet.set_column(0, 0, 12)
    sheet.set_column(1, 1, 32)
    sheet.set_column(2, 8, 14)
    sheet.set_column(9, 10, 14)
    sheet.set_column(11, 15, 14)
    book.close()
    return buffer.getvalue()
