"""The formal notice, the written promise to pay and merged printing, read back with poppler."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
from babel.dates import format_date

from relance.core.money import Money
from relance.documents.inputs import PenaltyLine, PenaltyLineLike, PromiseInput
from relance.documents.pdf import (
    formal_notice_document,
    formal_notice_pdf,
    merge_pdfs,
    promise_document,
    promise_pdf,
    statement_document,
)
from relance.documents.tests.conftest import AS_OF, make_invoices
from relance.documents.tests.tools import flat, page_count, page_texts, pdf_text
from relance.ledger.selectors import customer_statement
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class EngineLine:
    """A penalty line of another shape than PenaltyLine: the documents read it through the protocol."""

    label: str
    amount: Money
    days: int | None
    rate: Decimal | None
    legal_basis: str


def penalties_for(statement):
    first = statement.overdue[0]
    return {
        first.number: [
            EngineLine(
                "Intérêts de retard", Money(26_16, "EUR"), 61, Decimal("13.15"), "Code de commerce, art. L441-10"
            ),
            PenaltyLine(
                "Indemnité forfaitaire pour frais de recouvrement",
                Money(40_00, "EUR"),
                legal_basis="Code de commerce, art. D441-5",
            ),
        ]
    }


def test_engine_lines_satisfy_the_protocol(statement):
    for line in penalties_for(statement)[statement.overdue[0].number]:
        assert isinstance(line, PenaltyLineLike)


def test_formal_notice_in_french(billing_company, customer, statement):
    penalties = penalties_for(statement)
    data = formal_notice_pdf(
        company=billing_company,
        customer=customer,
        statement=statement,
        penalties=penalties,
        signatory="Marie Durand",
        signatory_title="Directrice financière",
    )

    text = flat(pdf_text(data))
    for mention in (
        "LETTRE RECOMMANDÉE AVEC ACCUSÉ DE RÉCEPTION",
        "Objet : Mise en demeure de payer",
        "Paris, le 15 mars 2026",
        "CRÉANCIER",
        "DÉBITEUR",
        "552 100 554 RCS Paris",  # creditor's registration
        "FR40552100554",
        "123 456 789",  # debtor's registration
        "FR32123456789",
        "Code de commerce, art. L441-10",
        "Code de commerce, art. D441-5",
        "13,15 %",
        "au plus tard le 23 mars 2026, soit dans un délai de 8 jours",
        "injonction de payer",
        "procédure judiciaire",
        "article 1344 du Code civil",
        "Marie Durand",
        "Directrice financière",
        "Signature",
    ):
        assert mention in text, mention
    for item in statement.overdue:
        assert item.number in text
        assert flat(item.open_amount.format("fr")) in text
        assert flat(item.amount.format("fr")) in text
    for item in statement.not_due:
        assert item.number not in text  # only what is overdue is claimed
    totals = statement.totals["EUR"]
    claimed = totals.overdue + Money(66_16, "EUR") + totals.credits
    assert f"la somme de {flat(claimed.format('fr'))}" in text
    layout = pdf_text(data, layout=True)
    line = next(line for line in layout.splitlines() if "Total réclamé" in line)
    assert flat(line).endswith(flat(claimed.format("fr")))
    oldest = statement.overdue[0]
    line = next(line for line in layout.splitlines() if oldest.number in line and "2026" in line)
    assert format_date(oldest.due_date, "medium", locale="fr") in line  # its due date
    assert str(oldest.days_overdue) in line.split()


def test_formal_notice_in_english_with_deadline_and_place(billing_company, customer, statement):
    data = formal_notice_pdf(
        company=billing_company,
        customer=customer,
        statement=statement,
        language="en",
        letter_date=dt.date(2026, 3, 20),
        deadline_days=15,
        place="Lyon",
        deduct_credits=False,
    )

    text = flat(pdf_text(data))
    for mention in (
        "REGISTERED LETTER WITH ACKNOWLEDGEMENT OF RECEIPT",
        "Formal notice to pay (letter before action)",
        "Lyon, March 20, 2026",
        "CREDITOR",
        "DEBTOR",
        "no later than April 4, 2026, that is within 15 days",
        "legal proceedings",
        "payment order",
        "Article 1344 of the French Civil Code",
        "Yours faithfully,",
    ):
        assert mention in text, mention
    assert "Less credits available" not in text
    assert f"the sum of {flat(statement.totals['EUR'].overdue.format('en'))}" in text


def test_civil_code_is_cited_for_french_creditors_only(other_company):
    customer = CustomerFactory(company=other_company, language="fr")
    make_invoices(customer, overdue=1, not_due=0)
    statement = customer_statement(company=other_company, customer=customer, as_of=AS_OF)
    text = flat(pdf_text(formal_notice_pdf(company=other_company, customer=customer, statement=statement)))
    assert "Mise en demeure de payer" in text
    assert "1344" not in text


def test_formal_notice_needs_something_overdue(billing_company, customer):
    make_invoices(customer, overdue=0, not_due=2)
    statement = customer_statement(company=billing_company, customer=customer, as_of=AS_OF)
    with pytest.raises(ValueError, match="overdue"):
        formal_notice_pdf(company=billing_company, customer=customer, statement=statement)


def promise(statement, **changes) -> PromiseInput:
    fields = {
        "payment_date": dt.date(2026, 3, 31),
        "amount": Money(2_500_00, "EUR"),
        "means": "transfer",
        "invoice_numbers": [item.number for item in statement.overdue[:3]],
        "promised_by": "Jeanne Martin, comptable fournisseurs",
        "made_at": dt.datetime(2026, 3, 15, 9, 30, tzinfo=dt.UTC),
        "channel": "portail",
    }
    return PromiseInput(**{**fields, **changes})


def test_promise_in_french(billing_company, customer, statement):
    data = promise_pdf(company=billing_company, customer=customer, promise=promise(statement), statement=statement)

    assert page_count(data) == 1
    text = flat(pdf_text(data))
    concerned = statement.overdue[:3]
    owed = sum((item.open_amount for item in concerned), Money.zero("EUR"))
    for mention in (
        "Reconnaissance de dette et engagement de paiement",
        "Je soussigné(e), Jeanne Martin, comptable fournisseurs, agissant pour le compte de Société Générale",
        "reconnais que",
        "certaine, liquide et exigible",
        "s'engage à régler la somme de 2 500,00 € au plus tard le 31 mars 2026, par virement bancaire",
        f"Le solde des factures concernées, soit {flat((owed - Money(2_500_00, 'EUR')).format('fr'))}",
        "n'emporte pas novation",
        "Engagement pris le 15 mars 2026, 10:30 (portail)",  # in the company's time zone
        "Fait à Lyon, le 15 mars 2026",
        "Somme en toutes lettres",
        "lu et approuvé",
        "Pour le débiteur",
        "Pour le créancier",
        "FR40552100554",
        "FR32123456789",
    ):
        assert mention in text, mention
    for item in concerned:
        assert item.number in text
        assert flat(item.open_amount.format("fr")) in text
    assert flat(owed.format("fr")) in text
    assert statement.overdue[3].number not in text


def test_promise_in_english_without_statement(billing_company, customer, statement):
    numbers = ["F-2026-0001", "F-2026-0002"]
    data = promise_pdf(
        company=billing_company,
        customer=customer,
        promise=promise(
            statement,
            invoice_numbers=numbers,
            amount=Money(1_000_00, "EUR"),
            means="cheque",
            made_at=dt.date(2026, 3, 14),
            channel="",
            place="Villeurbanne",
            invoice_amounts={"F-2026-0001": Money(1_244_67, "EUR")},
        ),
        language="en",
    )

    text = flat(pdf_text(data))
    for mention in (
        "Acknowledgement of debt and promise to pay",
        "hereby acknowledge",
        "certain, liquid and payable",
        "undertakes to pay the sum of €1,000.00 no later than March 31, 2026, by cheque",
        "Promise made on March 14, 2026.",
        "Signed at Villeurbanne on March 14, 2026",
        "read and approved",
    ):
        assert mention in text, mention
    assert "€1,244.67" in text
    assert "Total of the invoices concerned" not in text  # one amount is unknown


def test_promise_refuses_nonsense(billing_company, customer, statement):
    with pytest.raises(ValueError, match="at least one invoice"):
        promise_pdf(company=billing_company, customer=customer, promise=promise(statement, invoice_numbers=[]))
    with pytest.raises(ValueError, match="above zero"):
        promise_pdf(company=billing_company, customer=customer, promise=promise(statement, amount=Money(0, "EUR")))


def test_merge_prints_several_letters_in_one_pdf(billing_company, customer, statement):
    other = CustomerFactory(company=billing_company, code="C-7", name="Bistrot du Port", city="Sète", language="en")
    make_invoices(other, overdue=2, not_due=0, prefix="B-")
    other_statement = customer_statement(company=billing_company, customer=other, as_of=AS_OF)
    parts = [
        statement_document(company=billing_company, customer=customer, statement=statement),
        formal_notice_document(
            company=billing_company, customer=customer, statement=statement, penalties=penalties_for(statement)
        ),
        formal_notice_document(company=billing_company, customer=other, statement=other_statement),
        promise_document(company=billing_company, customer=customer, promise=promise(statement), statement=statement),
    ]

    data = merge_pdfs(parts)

    pages = page_texts(data)
    assert len(pages) == page_count(data) >= 4
    starts = [i for i, page in enumerate(pages) if "Page 1 " in page]
    assert len(starts) == 4  # each document restarts its numbering on a new page
    assert "Relevé de compte" in pages[starts[0]]
    assert "Mise en demeure de payer" in pages[starts[1]]
    assert "Formal notice to pay" in pages[starts[2]]
    assert "Bistrot du Port" in pages[starts[2]]
    assert "Reconnaissance de dette" in pages[starts[3]]
    assert all(" of " in page for page in pages[starts[2] : starts[3]])  # numbered in English


def test_merge_needs_a_document():
    with pytest.raises(ValueError, match="nothing"):
        merge_pdfs([])
