"""The ISO 11649 reference and the EPC069-12 payload, without rendering."""

from __future__ import annotations

import string
from decimal import Decimal

import pytest
import segno
import segno.helpers
from hypothesis import given
from hypothesis import strategies as st
from stdnum import iso11649

from relance.core.money import Money
from relance.documents.payment_qr import (
    EpcTransfer,
    customer_rf_reference,
    format_iban,
    qr_amount,
    transfer_for,
)
from relance.ledger.models import Company, Customer
from relance.ledger.selectors import CurrencyTotals
from tests.factories import CustomerFactory

EUR = "EUR"


def eur(amount: str) -> Money:
    return Money.of(amount, EUR)


def unsaved(code: str, pk: int = 7) -> tuple[Company, Customer]:
    company = Company(pk=1, name="Atelier Durand")
    return company, Customer(pk=pk, company=company, code=code)


@pytest.mark.parametrize(
    ("code", "reference"),
    [
        ("539007547034", "RF18539007547034"),  # the example of ISO 11649
        ("C00042", "RF71C00042"),
        ("C-00042", "RF71C00042"),  # punctuation dropped
        ("c 42/b", "RF82C42B"),  # upper-cased
        ("---", "RF58ID7"),  # nothing left: the database id
        ("X" * 22, "RF58ID7"),  # too long for the 21 characters of a reference
    ],
)
def test_customer_reference(code, reference):
    company, customer = unsaved(code)
    assert customer_rf_reference(company, customer) == reference
    assert iso11649.is_valid(reference)


@given(st.text(alphabet=string.printable + "éÉßŁ€", max_size=50), st.integers(min_value=1, max_value=10**12))
def test_every_customer_gets_a_valid_reference(code, pk):
    company, customer = unsaved(code, pk)
    reference = customer_rf_reference(company, customer)
    assert iso11649.is_valid(reference)
    assert len(reference) <= 25
    assert reference == reference.upper()
    assert reference.isalnum()


def test_reference_refuses_another_companys_customer():
    _company, customer = unsaved("C1")
    with pytest.raises(ValueError, match="does not belong"):
        customer_rf_reference(Company(pk=2, name="Other"), customer)


def totals(overdue: str, not_due: str, credits: str, currency: str = EUR) -> CurrencyTotals:
    return CurrencyTotals(
        currency, Money.of(overdue, currency), Money.of(not_due, currency), Money.of(credits, currency)
    )


@pytest.mark.parametrize(
    ("figures", "expected"),
    [
        (("100.00", "50.00", "-20.00"), "100.00"),  # overdue first
        (("0", "50.00", "-20.00"), "30.00"),  # else the balance
        (("0", "50.00", "-50.00"), None),  # nothing to pay
        (("0", "0", "-20.00"), None),  # a credit balance
        (("-5.00", "50.00", "0"), "45.00"),  # a negative overdue (over-allocated) is not asked for
    ],
)
def test_qr_amount(figures, expected):
    amount = qr_amount(totals(*figures))
    assert amount == (eur(expected) if expected else None)


def test_qr_amount_is_euro_only():
    assert qr_amount(totals("100.00", "0", "0", "GBP")) is None
    assert qr_amount(None) is None


def test_payload_fields():
    transfer = EpcTransfer(
        name="  Atelier   Durand SAS ",
        iban="FR76 3000 6000 0112 3456 7890 189",
        amount=eur("1234.50"),
        reference="RF71C00042",
        bic="agrifrpp",
    )
    assert transfer.payload().split("\n") == [
        "BCD",
        "002",
        "1",
        "SCT",
        "AGRIFRPP",
        "Atelier Durand SAS",
        "FR7630006000011234567890189",
        "EUR1234.50",
        "",
        "RF71C00042",
    ]


def test_payload_is_what_segnos_epc_helper_builds():
    """Same fields as segno.helpers.make_epc_qr (whose automatic mask choice we skip for speed)."""
    transfer = EpcTransfer(
        name="Société Été", iban="FR7630006000011234567890189", amount=eur("10.10"), reference="RF71C00042"
    )
    ours = transfer.payload().split("\n")
    theirs = (
        segno.helpers._make_epc_qr_data(  # the data make_epc_qr encodes
            "Société Été", "FR7630006000011234567890189", Decimal("10.10"), reference="RF71C00042", encoding="utf-8"
        )
        .decode("utf-8")
        .split("\n")
    )
    assert ours[:7] + ours[8:] == theirs[:7] + theirs[8:]
    assert Decimal(ours[7][3:]) == Decimal(theirs[7][3:])


def test_qr_matrix_is_a_valid_epc_symbol():
    transfer = EpcTransfer(
        name="A" * 70,
        iban="FR7630006000011234567890189",
        amount=eur("999999999.99"),
        reference="RF71C00042",
        bic="AGRIFRPPXXX",
    )
    matrix = transfer.qr_matrix()
    assert len(matrix) == len(matrix[0])
    version = (len(matrix) - 17) // 4
    assert version <= 13  # EPC069-12: at most version 13, error correction M
    assert segno.make_qr(transfer.payload().encode(), error="m", boost_error=False).version == version


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"amount": Money.of("10", "GBP")}, "EUR only"),
        ({"amount": eur("0")}, "out of range"),
        ({"amount": eur("1000000000")}, "out of range"),
        ({"reference": "RF00C00042"}, "ISO 11649"),
        ({"iban": "FR7"}, "not an IBAN"),
        ({"bic": "AGRI"}, "not a BIC"),
        ({"name": "  "}, "name"),
    ],
)
def test_payload_refuses_bad_fields(changes, message):
    fields = {"name": "A", "iban": "FR7630006000011234567890189", "amount": eur("1"), "reference": "RF71C00042"}
    with pytest.raises(ValueError, match=message):
        EpcTransfer(**{**fields, **changes}).payload()


@pytest.mark.django_db
def test_transfer_for_a_saved_customer(company):
    company.iban, company.legal_name = "FR7630006000011234567890189", "Atelier Durand SAS"
    customer = CustomerFactory(company=company, code="C-1")
    transfer = transfer_for(company, customer, totals("12.00", "0", "0"))
    assert transfer is not None
    assert (transfer.name, transfer.amount, transfer.reference) == ("Atelier Durand SAS", eur("12.00"), "RF35C1")
    company.iban = ""
    assert transfer_for(company, customer, totals("12.00", "0", "0")) is None


def test_format_iban():
    assert format_iban("fr7630006000011234567890189") == "FR76 3000 6000 0112 3456 7890 189"
