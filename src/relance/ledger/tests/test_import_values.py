"""Cell parsing: the number, date and text formats French and English ERPs write."""

import datetime as dt
from decimal import Decimal

import pytest

from relance.ledger.imports.mapping import MappingError, normalize_header, resolve_mapping
from relance.ledger.imports.reading import detect_delimiter
from relance.ledger.imports.values import (
    CellError,
    detect_date_format,
    detect_decimal_separator,
    parse_amount,
    parse_date,
)


@pytest.mark.parametrize(
    ("text", "separator", "expected"),
    [
        ("1 234,56", ",", "1234.56"),
        ("1\u00a0234,56", ",", "1234.56"),  # non-breaking space
        ("1\u202f234,56 €", ",", "1234.56"),  # narrow nbsp, as Excel in French writes
        ("1.234,56", ",", "1234.56"),
        ("1,234.56", ".", "1234.56"),
        ("1234.5", ".", "1234.5"),
        ("-12,50", ",", "-12.50"),
        ("12,50-", ",", "-12.50"),
        ("(12.50)", ".", "-12.50"),
        ("EUR 99.99", ".", "99.99"),
        ("1'234.56", ".", "1234.56"),  # Swiss grouping
    ],
)
def test_amounts_in_every_common_format(text, separator, expected):
    assert parse_amount(text, separator) == Decimal(expected)


@pytest.mark.parametrize("text", ["abc", "12..5", "--3", "12 EURO 5"])
def test_garbage_is_not_an_amount(text):
    with pytest.raises(CellError, match="not an amount"):
        parse_amount(text, ".")


@pytest.mark.parametrize(("text", "separator"), [("1.5", ","), ("12.34", ","), ("1,2,3.4", "."), ("1,5", ".")])
def test_a_misplaced_grouping_mark_is_refused_rather_than_misread(text, separator):
    # 1.5 in a file whose decimal mark is the comma must not become 15.
    with pytest.raises(CellError, match="is not a thousands separator here"):
        parse_amount(text, separator)


def test_excel_floats_are_read_as_the_decimal_the_user_typed():
    assert parse_amount(1234.56) == Decimal("1234.56")
    assert parse_amount(0.1 + 0.2) == Decimal("0.30000000000000004")  # refused later: too many decimals


@pytest.mark.parametrize(
    ("samples", "default", "expected"),
    [
        (["1 234,56", "12,00"], ".", ","),
        (["1,234.56", "12.00"], ",", "."),
        (["1.234.567", "1,5"], ".", ","),
        (["1,234"], ".", "."),  # ambiguous: the default decides
        (["1,234"], ",", ","),
        (["100", "200"], ",", ","),
    ],
)
def test_decimal_separator_detection(samples, default, expected):
    assert detect_decimal_separator(samples, default=default) == expected


@pytest.mark.parametrize(
    ("samples", "expected"),
    [
        (["2026-01-31", "2026-02-01"], "iso"),
        (["31/01/2026", "01/02/2026"], "dd/mm/yyyy"),
        (["01/02/2026", "03/04/2026"], "dd/mm/yyyy"),  # ambiguous: day first
        (["1/26/2013", "4/6/2013"], "mm/dd/yyyy"),  # 26 cannot be a month
        (["31.01.2026"], "dd.mm.yyyy"),
        (["2026-01-31 00:00:00"], "iso"),
        (["20260131"], "yyyymmdd"),
    ],
)
def test_date_format_detection(samples, expected):
    assert detect_date_format(samples) == expected


def test_dates_are_checked_against_the_calendar():
    assert parse_date("29/02/2024", "dd/mm/yyyy") == dt.date(2024, 2, 29)
    with pytest.raises(CellError, match="not a valid date"):
        parse_date("31/02/2026", "dd/mm/yyyy")
    with pytest.raises(CellError, match="not a date in the format"):
        parse_date("tomorrow", "dd/mm/yyyy")
    assert parse_date(dt.datetime(2026, 1, 2, 10, 0), "iso") == dt.date(2026, 1, 2)  # typed by Excel


def test_headers_are_matched_without_case_accents_or_punctuation():
    assert normalize_header("Date d'échéance") == normalize_header("DATE_D_ECHEANCE") == "datedecheance"
    headers = ["N° Facture", "Code client", "Date facture", "Échéance", "Montant TTC", "Devise"]
    mapping = resolve_mapping("invoices", headers)
    assert mapping == {
        "number": 0,
        "customer_code": 1,
        "issue_date": 2,
        "due_date": 3,
        "amount": 4,
        "currency": 5,
    }


def test_a_given_mapping_wins_and_bad_mappings_are_explained():
    headers = ["Doc", "Acct", "Dated", "Total"]
    given = {"number": "Doc", "customer_code": "Acct", "issue_date": "Dated"}
    assert resolve_mapping("invoices", headers, explicit=given)["amount"] == 3
    with pytest.raises(MappingError, match="column 'Nope' mapped to number is not in the file"):
        resolve_mapping("invoices", headers, explicit={"number": "Nope"})
    with pytest.raises(MappingError, match=r"required field\(s\) number, customer_code, issue_date"):
        resolve_mapping("invoices", headers)


def test_delimiter_detection():
    assert detect_delimiter(["a;b;c\n", "1;2,5;3\n"]) == ";"
    assert detect_delimiter(["a,b,c\n", '1,"2;5",3\n']) == ","
    assert detect_delimiter(["a\tb\tc\n", "1\t2\t3\n"]) == "\t"
