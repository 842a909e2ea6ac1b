"""The dashboard as one Excel workbook: a sheet per group of figures, as the page shows them.

Amounts are numbers in major units with the currency's decimals, days and percentages numbers
with one decimal, dates real dates; a figure the page cannot give ("no credit sales") is an empty
cell with the reason beside it. Text is written with `write_string`, never as a formula.
"""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import xlsxwriter
from django.utils.translation import gettext as _

from relance.collection.models import PromiseStatus
from relance.core.money import Money, currency_exponent
from relance.finance.kpis import Kpi
from relance.ledger.models import Company
from relance.web.dashboard.figures import BUCKETS, CHANNELS, Dashboard


class _Book:
    def __init__(self) -> None:
        self.buffer = io.BytesIO()
        self.book = xlsxwriter.Workbook(
            self.buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
        )
        self.bold = self.book.add_format({"bold": True, "bg_color": "#E8EDF3", "border": 1})
        self.title = self.book.add_format({"bold": True, "font_size": 13})
        self.date = self.book.add_format({"num_format": "yyyy-mm-dd"})
        self.one_place = self.book.add_format({"num_format": "0.0"})
        self.money_formats: dict[int, Any] = {}

    def money_format(self, currency: str) -> Any:
        exponent = currency_exponent(currency)
        if exponent not in self.money_formats:
            pattern = "#,##0" + ("." + "0" * exponent if exponent else "")
            self.money_formats[exponent] = self.book.add_format({"num_format": pattern})
        return self.money_formats[exponent]

    def sheet(self, name: str, headers: list[str], widths: list[int]) -> Any:
        sheet = self.book.add_worksheet(name[:31])
        for column, (header, width) in enumerate(zip(headers, widths, strict=True)):
            sheet.write_string(0, column, header, self.bold)
            sheet.set_column(column, column, width)
        sheet.freeze_panes(1, 0)
        return sheet

    def money(self, sheet: Any, row: int, column: int, amount: Money) -> None:
        value = Decimal(amount.minor).scaleb(-currency_exponent(amount.currency))
        sheet.write_number(row, column, value, self.money_format(amount.currency))

    def kpi(self, sheet: Any, row: int, column: int, kpi: Kpi) -> None:
        if kpi.value is None:
            sheet.write_blank(row, column, None)
        else:
            sheet.write_number(row, column, kpi.value, self.one_place)

    def close(self) -> bytes:
        self.book.close()
        return self.buffer.getvalue()


def _note(kpi: Kpi) -> str:
    parts = []
    if kpi.at_least:
        parts.append(_("lower bound"))
    if kpi.reason:
        parts.append(kpi.reason)
    if kpi.note:
        parts.append(kpi.note)
    return "; ".join(parts)


def dashboard_xlsx(*, company: Company, board: Dashboard, scope_label: str, language: str) -> bytes:
    out = _Book()

    sheet = out.sheet(
        _("Figures"), [_("Currency"), _("Figure"), _("Value"), _("Unit"), _("Note")], [10, 40, 16, 10, 60]
    )
    row = 1
    for label, value in (
        (_("Company"), company.name),
        (_("Scope"), scope_label),
    ):
        sheet.write_string(row, 1, label)
        sheet.write_string(row, 2, value)
        row += 1
    for label, date in (
        (_("At date"), board.as_of),
        (_("Period from"), board.period.start),
        (_("Period to"), board.period.end),
    ):
        sheet.write_string(row, 1, label)
        sheet.write_datetime(row, 2, date, out.date)
        row += 1
    row += 1
    for block in board.blocks:
        code = block.currency
        for label, amount in (
            (_("Credit sales of the period"), block.credit_sales),
            (_("Receivables (net of unapplied credits)"), block.receivables),
            (_("Overdue"), block.overdue),
            (_("Unapplied credits"), block.credits),
        ):
            sheet.write_string(row, 0, code)
            sheet.write_string(row, 1, label)
            out.money(sheet, row, 2, amount)
            sheet.write_string(row, 3, code)
            row += 1
        for label, kpi, unit in (
            (_("DSO, count-back method"), block.count_back, _("days")),
            (_("DSO, simple method"), block.simple, _("days")),
            (_("Best possible DSO"), block.best_possible, _("days")),
            (_("Average days delinquent"), block.days_delinquent, _("days")),
            (_("Collection effectiveness index"), block.cei, "%"),
        ):
            sheet.write_string(row, 0, code)
            sheet.write_string(row, 1, label)
            out.kpi(sheet, row, 2, kpi)
            sheet.write_string(row, 3, unit)
            sheet.write_string(row, 4, _note(kpi))
            row += 1
    for label, kpi in ((_("Promises kept"), board.promises_kept), (_("Promises broken"), board.promises_broken)):
        sheet.write_string(row, 1, label)
        out.kpi(sheet, row, 2, kpi)
        sheet.write_string(row, 3, "%")
        sheet.write_string(row, 4, _note(kpi))
        row += 1

    aging = out.sheet(_("Aging"), [_("Currency"), _("Bucket"), _("Amount"), _("Share (%)")], [10, 20, 16, 12])
    row = 1
    for block in board.blocks:
        for bar in block.aging:
            aging.write_string(row, 0, block.currency)
            aging.write_string(row, 1, bar.label)
            out.money(aging, row, 2, bar.amount)
            out.kpi(aging, row, 3, bar.share)
            row += 1

    headers = [_("Currency"), _("Month"), _("Figures of"), _("Source"),
               *(str(label) for _key, label in BUCKETS), _("Overdue"), _("Open"), _("Unapplied credits")]  # fmt: skip
    trend = out.sheet(_("Overdue trend"), headers, [10, 12, 12, 22, 14, 14, 14, 14, 14, 14, 14, 16])
    row = 1
    for block in board.blocks:
        for point in block.trend:
            trend.write_string(row, 0, block.currency)
            trend.write_datetime(row, 1, point.month, out.date)
            trend.write_datetime(row, 2, point.date, out.date)
            trend.write_string(row, 3, _("Snapshot") if point.from_snapshot else _("Ledger"))
            for column, (key, _label) in enumerate(BUCKETS, start=4):
                out.money(trend, row, column, point.buckets[key])
            out.money(trend, row, 9, point.overdue)
            out.money(trend, row, 10, point.open)
            out.money(trend, row, 11, point.credits)
            row += 1

    sales = out.sheet(
        _("Sales by month"),
        [
            _("Currency"),
            _("From"),
            _("To"),
            _("Days"),
            _("Credit sales"),
            _("Receivables at month end"),
            _("In period"),
        ],
        [10, 12, 12, 8, 16, 22, 10],
    )
    row = 1
    for block in board.blocks:
        for month in block.months:
            sales.write_string(row, 0, block.currency)
            sales.write_datetime(row, 1, month.period.start, out.date)
            sales.write_datetime(row, 2, month.period.end, out.date)
            sales.write_number(row, 3, month.period.days)
            out.money(sales, row, 4, month.credit_sales)
            out.money(sales, row, 5, month.receivables)
            sales.write_string(row, 6, _("yes") if month.in_period else _("no"))
            row += 1

    promises = out.sheet(_("Promises"), [_("Status"), _("Promises")], [24, 12])
    for row, (status, label) in enumerate(PromiseStatus.choices, start=1):
        promises.write_string(row, 0, str(label))
        promises.write_number(row, 1, board.promises.get(status, 0))

    disputes = out.sheet(
        _("Disputes"),
        [_("Reason"), _("Open"), _("Average age of the open ones (days)"), _("Resolved in the period"),
         _("Average resolution time (days)")],
        [24, 10, 30, 22, 30],
    )  # fmt: skip
    row = 1
    for line in board.disputes:
        disputes.write_string(row, 0, line.label)
        disputes.write_number(row, 1, line.open)
        out.kpi(disputes, row, 2, line.open_age)
        disputes.write_number(row, 3, line.resolved)
        out.kpi(disputes, row, 4, line.resolution)
        row += 1
    disputes.write_string(row, 0, _("Total"), out.bold)
    disputes.write_number(row, 1, board.disputes_open)
    out.kpi(disputes, row, 2, board.disputes_open_age)
    disputes.write_number(row, 3, board.disputes_resolved)
    out.kpi(disputes, row, 4, board.disputes_resolution)

    channel_names = {"email": _("E-mails"), "call": _("Calls"), "letter": _("Letters"), "task": _("Tasks")}
    collectors = out.sheet(
        _("Collectors"),
        [_("Collector"), *(channel_names[c] for c in CHANNELS), _("Done"), _("Skipped")],
        [28, 10, 10, 10, 10, 10, 10],
    )
    for row, line in enumerate(board.collectors, start=1):
        collectors.write_string(row, 0, line.label)
        for column, channel in enumerate(CHANNELS, start=1):
            collectors.write_number(row, column, line.done[channel])
        collectors.write_number(row, len(CHANNELS) + 1, line.total)
        collectors.write_number(row, len(CHANNELS) + 2, line.skipped)
    return out.close()
