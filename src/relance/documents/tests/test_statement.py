"""The statement of account PDF, read back with poppler and zbar."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from stdnum import iso11649

from relance.core.money import Money
from relance.documents.inputs import PenaltyLine
from relance.documents.payment_qr import customer_rf_reference
from relance.documents.pdf import statement_pdf
from relance.documents.tests.conftest import AS_OF, make_invoices
from relance.documents.tests.tools import decode_qr_codes, flat, page_count, page_texts, pdf_text
from relance.ledger.selectors import customer_statement
from tests.factories import CustomerFactory, InvoiceFactory

pytestmark = pytest.mark.django_db

EXPECTED = {
    "fr": ["Relevé de compte", "Échu", "Non échu", "Avoirs et règlements disponibles", "Solde", "Règlement"],
    "en": ["Statement of account", "Overdue", "Not yet due", "Credits available", "Balance", "How to pay"],
}


def money_text(amount: Money, language: str) -> str:
    return flat(amount.format(language))


@pytest.mark.parametrize("language", ["fr", "en"])
def test_statement_lists_every_item_and_the_totals(billing_company, customer, statement, language):
    data = statement_pdf(company=billing_company, customer=customer, statement=statement, language=language)

    assert data.startswith(b"%PDF-")
    assert page_count(data) == 1
    text = flat(pdf_text(data))
    assert len(statement.items) == 12
    for item in statement.items:
        assert item.number in text
        assert money_text(item.open_amount, language) in text
    totals = statement.totals["EUR"]
    for amount in (totals.overdue, totals.not_due, totals.credits, totals.balance):
        assert money_text(amount, language) in text
    for phrase in EXPECTED[language]:
        assert phrase in text
    assert "Société Générale d'Équipement" in text
    assert "Atelier Durand SAS" in text
    assert "FR40552100554" in text
    assert "552 100 554 RCS Paris" in text
    assert "FR76 3000 6000 0112 3456 7890 189" in text
    assert iso11649.format(customer_rf_reference(billing_company, customer)) in text
    assert "\u25a0" not in text  # no glyph printed as a black box
    date = "15 mars 2026" if language == "fr" else "March 15, 2026"
    assert date in text


def test_days_late_and_due_dates_are_printed(billing_company, customer, statement):
    text = pdf_text(statement_pdf(company=billing_company, customer=customer, statement=statement), layout=True)
    oldest = statement.overdue[0]
    line = next(line for line in text.splitlines() if oldest.number in line)
    assert str(oldest.days_overdue) in line.split()
    assert "15 mars 2026" not in line  # due dates are the items' own
    assert oldest.days_overdue == (AS_OF - oldest.due_date).days


def line_with(text: str, phrase: str) -> str:
    """The one line of a -layout text that holds `phrase`, whitespace collapsed."""
    lines = [flat(line) for line in text.splitlines() if phrase in line]
    assert len(lines) == 1, lines
    return lines[0]


def epc_fields(payload: str) -> list[str]:
    return payload.split("\n")


@pytest.mark.parametrize("language", ["fr", "en"])
def test_qr_code_is_a_sepa_transfer_of_the_overdue_total(billing_company, customer, statement, language):
    data = statement_pdf(company=billing_company, customer=customer, statement=statement, language=language)

    codes = decode_qr_codes(data)
    assert len(codes) == 1
    fields = epc_fields(codes[0])
    assert fields[:4] == ["BCD", "002", "1", "SCT"]
    assert fields[4] == "AGRIFRPP"
    assert fields[5] == "Atelier Durand SAS"
    assert fields[6] == billing_company.iban.replace(" ", "")
    assert fields[7].startswith("EUR")
    assert Decimal(fields[7][3:]) == statement.totals["EUR"].overdue.amount
    assert fields[8] == ""
    reference = fields[9]
    assert reference == customer_rf_reference(billing_company, customer)
    assert iso11649.is_valid(reference)
    assert len(fields) == 10  # structured reference, hence no unstructured text line
    assert money_text(statement.totals["EUR"].overdue, language) in flat(pdf_text(data))


def test_qr_code_asks_for_the_balance_when_nothing_is_overdue(billing_company, customer):
    make_invoices(customer, overdue=0, not_due=3)
    statement = customer_statement(company=billing_company, customer=customer, as_of=AS_OF)
    assert not statement.overdue

    codes = decode_qr_codes(statement_pdf(company=billing_company, customer=customer, statement=statement))

    assert len(codes) == 1
    assert Decimal(epc_fields(codes[0])[7][3:]) == statement.totals["EUR"].balance.amount


def test_no_qr_code_without_iban_or_outside_the_euro_or_with_nothing_to_pay(billing_company, customer, other_company):
    make_invoices(customer, overdue=2, not_due=0)
    statement = customer_statement(company=billing_company, customer=customer, as_of=AS_OF)
    billing_company.iban = ""
    without_iban = statement_pdf(company=billing_company, customer=customer, statement=statement)
    assert decode_qr_codes(without_iban) == []
    assert "IBAN" not in pdf_text(without_iban)

    other_company.iban = "GB33BUKB20201555555555"
    british = CustomerFactory(company=other_company, code="NW-1", language="en")
    InvoiceFactory(customer=british, currency="GBP", due_date=dt.date(2026, 2, 1))
    pounds = customer_statement(company=other_company, customer=british, as_of=AS_OF)
    data = statement_pdf(company=other_company, customer=british, statement=pounds)
    assert decode_qr_codes(data) == []
    assert "GB33 BUKB 2020 1555 5555 55" in pdf_text(data)  # bank details still shown

    credit_only = CustomerFactory(company=billing_company, code="C-CREDIT")
    InvoiceFactory(customer=credit_only, kind="credit_note", number="AV-9", amount=10_00)
    credits = customer_statement(company=billing_company, customer=credit_only, as_of=AS_OF)
    billing_company.iban = "FR7630006000011234567890189"
    assert decode_qr_codes(statement_pdf(company=billing_company, customer=credit_only, statement=credits)) == []


def test_penalties_per_invoice_and_totals_including_penalties(billing_company, customer, statement):
    first, second = statement.overdue[0], statement.overdue[1]
    penalties = {
        first.number: [
            PenaltyLine(
                "Intérêts de retard", Money(26_16, "EUR"), days=61, rate=Decimal("13.15"), legal_basis="L441-10"
            ),
            PenaltyLine("Indemnité forfaitaire pour frais de recouvrement", Money(40_00, "EUR"), legal_basis="D441-5"),
        ],
        second.number: [PenaltyLine("Indemnité forfaitaire pour frais de recouvrement", Money(40_00, "EUR"))],
    }
    data = statement_pdf(company=billing_company, customer=customer, statement=statement, penalties=penalties)

    text = pdf_text(data, layout=True)
    assert "Intérêts de retard — 61 jours au taux annuel de 13,15 % (L441-10)" in flat(text)
    assert text.count("Indemnité forfaitaire pour frais de recouvrement") == 2
    interest = line_with(text, "Intérêts de retard")
    assert interest.endswith("26,16 €")
    overdue = statement.totals["EUR"].overdue
    assert line_with(text, "Pénalités de retard").endswith("106,16 €")
    with_penalties = money_text(overdue + Money(106_16, "EUR"), "fr")
    assert line_with(text, "Échu, pénalités comprises").endswith(with_penalties)
    # the QR code asks for the overdue total; the penalties are shown, not prefilled
    assert Decimal(epc_fields(decode_qr_codes(data)[0])[7][3:]) == overdue.amount


def test_no_penalty_totals_unless_penalties_are_given(billing_company, customer, statement):
    text = flat(pdf_text(statement_pdf(company=billing_company, customer=customer, statement=statement)))
    assert "pénalités comprises" not in text
    data = statement_pdf(company=billing_company, customer=customer, statement=statement, penalties={})
    line = line_with(pdf_text(data, layout=True), "Échu, pénalités comprises")
    assert line.endswith(money_text(statement.totals["EUR"].overdue, "fr"))


def test_language_defaults_to_the_customer_and_unknown_languages_read_english(billing_company, customer, statement):
    assert "Relevé de compte" in pdf_text(
        statement_pdf(company=billing_company, customer=customer, statement=statement)
    )
    data = statement_pdf(company=billing_company, customer=customer, statement=statement, language="de-DE")
    assert "Statement of account" in pdf_text(data)


def test_long_statement_runs_over_pages_with_numbered_footers(billing_company, customer):
    make_invoices(customer, overdue=70, not_due=30)
    statement = customer_statement(company=billing_company, customer=customer, as_of=AS_OF)

    data = statement_pdf(company=billing_company, customer=customer, statement=statement, language="en")

    pages = page_texts(data)
    assert len(pages) >= 3
    text = flat(" ".join(pages))
    for item in statement.items:
        assert item.number in text
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page
        assert "Atelier Durand SAS" in page  # footer
    for page in pages:  # the header repeats on each page of items
        assert "Open amount" in page or not any(item.number in page for item in statement.items)
    assert len(decode_qr_codes(data)) == 1


def test_empty_statement(billing_company, customer):
    statement = customer_statement(company=billing_company, customer=customer, as_of=AS_OF)
    text = flat(pdf_text(statement_pdf(company=billing_company, customer=customer, statement=statement, language="en")))
    assert "Your account has no open item." in text


def test_text_is_escaped_and_made_printable(billing_company):
    customer = CustomerFactory(
        company=billing_company, code="Ł&1", name="Łódź <Trading> & Sons", city="Łódź", language="en"
    )
    InvoiceFactory(customer=customer, number="F<1>&2", due_date=dt.date(2026, 2, 1))
    statement = customer_statement(company=billing_company, customer=customer, as_of=AS_OF)

    text = flat(pdf_text(statement_pdf(company=billing_company, customer=customer, statement=statement)))

    assert "Lódz <Trading> & Sons" in text  # ó is in the built-in font's encoding, Ł and ź are not
    assert "F<1>&2" in text
    assert "\u25a0" not in text


def test_refuses_a_statement_of_another_customer(billing_company, customer, statement):
    other = CustomerFactory(company=billing_company)
    with pytest.raises(ValueError, match="do not belong together"):
        statement_pdf(company=billing_company, customer=other, statement=statement)


def test_totals_per_currency_and_a_qr_code_for_the_euro_only(billing_company, customer):
    make_invoices(customer, overdue=2, not_due=1)
    InvoiceFactory(customer=customer, number="US-1", currency="USD", amount=5_000_00, due_date=dt.date(2026, 2, 1))
    statement = customer_statement(company=billing_company, customer=customer, as_of=AS_OF)
    assert sorted(statement.totals) == ["EUR", "USD"]

    data = statement_pdf(company=billing_company, customer=customer, statement=statement, language="en")

    text = pdf_text(data, layout=True)
    header = line_with(text, "Totals")
    assert header.split()[-2:] == ["EUR", "USD"]
    balance = line_with(text, "Balance")
    assert balance.endswith(f"{money_text(statement.totals['EUR'].balance, 'en')} $5,000.00")
    codes = decode_qr_codes(data)
    assert len(codes) == 1
    assert Decimal(epc_fields(codes[0])[7][3:]) == statement.totals["EUR"].overdue.amount
