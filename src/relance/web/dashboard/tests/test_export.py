"""The Excel export: one workbook, a sheet per group, numbers as numbers and dates as dates."""

from __future__ import annotations

import datetime as dt
import io

from python_calamine import CalamineWorkbook

from relance.web.dashboard.tests.conftest import AS_OF


def workbook(client, **params) -> CalamineWorkbook:
    response = client.get("/dashboard/export.xlsx", {"as_of": AS_OF.isoformat(), "period": 3, **params})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert 'filename="dashboard-atelier-durand-sas-2024-03-31.xlsx"' in response["Content-Disposition"]
    return CalamineWorkbook.from_filelike(io.BytesIO(response.content))


def rows_of(book: CalamineWorkbook, name: str) -> list[list]:
    return book.get_sheet_by_name(name).to_python()


def test_one_sheet_per_group_of_figures(manager_client, ledger):
    book = workbook(manager_client)

    assert book.sheet_names == [
        "Figures", "Aging", "Overdue trend", "Sales by month", "Promises", "Disputes", "Collectors",
    ]  # fmt: skip


def test_the_figures_sheet_holds_numbers_and_dates(manager_client, ledger):
    rows = rows_of(workbook(manager_client), "Figures")
    by_label = {(row[0], row[1]): row for row in rows}

    assert by_label[("", "At date")][2] == AS_OF
    assert by_label[("", "Period from")][2] == dt.date(2024, 1, 1)
    assert by_label[("EUR", "DSO, count-back method")][2:4] == [67.8, "days"]
    assert by_label[("EUR", "DSO, simple method")][2] == 69.5
    assert by_label[("EUR", "Collection effectiveness index")][2] == 38.5
    assert by_label[("EUR", "Receivables (net of unapplied credits)")][2] == 405.0
    assert by_label[("", "Promises kept")][2] == 66.7


def test_aging_trend_sales_and_activity_sheets(manager_client, ledger):
    book = workbook(manager_client)

    aging = {row[1]: row for row in rows_of(book, "Aging")[1:]}
    assert aging["Not due"][2:] == [205.0, 50.6]
    assert aging["1-30 days"][2] == 158.0
    assert aging["31-60 days"][2] == 42.0
    trend = rows_of(book, "Overdue trend")
    assert len(trend) == 13
    assert trend[-1][1] == dt.date(2024, 3, 1)
    assert trend[-1][2] == AS_OF
    assert trend[-1][9] == 200.0  # overdue
    sales = rows_of(book, "Sales by month")
    assert [row[4] for row in sales[-3:]] == [167.0, 158.0, 205.0]
    assert [row[3] for row in sales[-3:]] == [31, 29, 31]
    disputes = {row[0]: row for row in rows_of(book, "Disputes")[1:]}
    assert disputes["Price"][1] == 1
    assert disputes["Price"][3] == 1
    assert disputes["Price"][4] == 10.0
    collectors = {row[0]: row for row in rows_of(book, "Collectors")[1:]}
    assert collectors["Camille Martin"][2] == 1  # one call
    assert collectors["Relance (automatic)"][1] == 1  # one e-mail


def test_the_export_follows_the_filters(manager_client, ledger):
    rows = rows_of(workbook(manager_client, collector=ledger["james"].pk), "Figures")
    by_label = {(row[0], row[1]): row for row in rows}

    assert by_label[("EUR", "Receivables (net of unapplied credits)")][2] == 205.0
    assert by_label[("", "Scope")][2] == "portfolio of James Smith"


def test_text_that_looks_like_a_formula_stays_text(manager_client, company, ledger):
    ledger["camille"].first_name = "=HYPERLINK(1)"
    ledger["camille"].save()

    rows = rows_of(workbook(manager_client), "Collectors")
    assert "=HYPERLINK(1) Martin" in [row[0] for row in rows]
