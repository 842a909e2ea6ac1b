"""A customer's statement as reminders and documents show it: open items, penalties, disputes.

Collection is the layer that knows disputes, so it is where penalties are computed "never on a
disputed item" and where the penalty lines of `finance` are turned into the lines the PDF
documents print, in the reader's language.

    bundle = statement_bundle(company=c, customer=k, as_of=date)
    bundle.statement, bundle.penalties, bundle.overdue_with_penalties("EUR")
    statement_pdf_for(bundle, language="fr") -> bytes
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from relance.collection.models import Dispute, DisputeStatus, Promise, PromiseStatus
from relance.core.money import Money
from relance.documents.excel import statement_xlsx
from relance.documents.pdf import PdfDocument, PenaltyLine, formal_notice_document, merge_pdfs, statement_pdf
from relance.finance.selectors import StatementPenalties, statement_penalties
from relance.ledger.models import Company, Customer
from relance.ledger.selectors import CurrencyTotals, OpenItem, Statement, customer_statement

LABELS = {
    "en": {"interest": "Late-payment interest", "indemnity": "Fixed compensation for recovery costs"},
    "fr": {"interest": "Intérêts de retard", "indemnity": "Indemnité forfaitaire pour frais de recouvrement"},
}


@dataclass
class StatementBundle:
    company: Company
    customer: Customer
    statement: Statement
    penalties: StatementPenalties
    disputed_invoice_ids: frozenset[int]

    def overdue(self, currency: str) -> Money:
        totals = self.statement.totals.get(currency)
        return totals.overdue if totals else Money.zero(currency)

    def overdue_with_penalties(self, currency: str) -> Money:
        return self.penalties.overdue_with_penalties(self.statement, currency)

    def penalty_lines(self, language: str) -> dict[str, list[PenaltyLine]] | None:
        """Invoice number -> printable penalty lines; None when penalties are not shown."""
        if not self.penalties.enabled:
            return None
        labels = LABELS.get(language[:2], LABELS["en"])
        numbers = {item.item_id: item.number for item in self.statement.overdue}
        lines: dict[str, list[PenaltyLine]] = {}
        for invoice_id, result in self.penalties.by_invoice.items():
            printed = [
                PenaltyLine(
                    label=labels["interest"],
                    amount=line.amount,
                    days=line.days,
                    rate=line.rate,
                    legal_basis=line.legal_text,
                )
                for line in result.interest_lines
                if line.amount.minor
            ]
            printed += [
                PenaltyLine(label=labels["indemnity"], amount=line.amount, legal_basis=line.legal_text)
                for line in result.indemnity_lines
            ]
            if printed:
                lines[numbers[invoice_id]] = printed
        return lines


def statement_bundle(*, company: Company, customer: Customer, as_of: dt.date) -> StatementBundle:
    statement = customer_statement(company=company, customer=customer, as_of=as_of)
    disputed = frozenset(
        Dispute.invoices.through.objects.filter(
            dispute__customer=customer, dispute__status=DisputeStatus.OPEN
        ).values_list("invoice_id", flat=True)
    )
    penalties = statement_penalties(
        company=company, customer=customer, statement=statement, excluded_invoice_ids=disputed
    )
    return StatementBundle(company, customer, statement, penalties, disputed)


def statement_pdf_for(bundle: StatementBundle, *, language: str | None = None) -> bytes:
    language = language or bundle.customer.language
    return statement_pdf(
        company=bundle.company, customer=bundle.customer, statement=bundle.statement, language=language,
        penalties=bundle.penalty_lines(language),
    )  # fmt: skip


def statement_xlsx_for(bundle: StatementBundle, *, language: str | None = None) -> bytes:
    promised = frozenset(
        Promise.invoices.through.objects.filter(
            promise__customer=bundle.customer, promise__status=PromiseStatus.OPEN
        ).values_list("invoice_id", flat=True)
    )
    return statement_xlsx(
        company=bundle.company, customer=bundle.customer, statement=bundle.statement,
        language=language or bundle.customer.language, disputed_ids=bundle.disputed_invoice_ids, promised_ids=promised,
    )  # fmt: skip


def statement_filtered(statement: Statement, keep: Callable[[OpenItem], bool]) -> Statement:
    """The statement with only the items `keep` accepts, totals recomputed."""
    kept = Statement(customer=statement.customer, as_of=statement.as_of)
    for section in ("overdue", "not_due", "credits"):
        items = [item for item in getattr(statement, section) if keep(item)]
        setattr(kept, section, items)
        for item in items:
            currency = item.open_amount.currency
            totals = kept.totals.get(currency)
            if totals is None:
                zero = Money.zero(currency)
                totals = kept.totals[currency] = CurrencyTotals(currency, zero, zero, zero)
            setattr(totals, section, getattr(totals, section) + item.open_amount)
    return kept


def without_items(statement: Statement, item_ids: frozenset[int]) -> Statement:
    """The statement without some items (disputed ones, for a formal notice), totals recomputed."""
    if not item_ids:
        return statement
    return statement_filtered(statement, lambda item: item.item_id not in item_ids)


def formal_notice_document_for(
    bundle: StatementBundle, *, language: str | None = None, deadline_days: int = 8
) -> PdfDocument:
    """The formal notice claims the overdue items that are not disputed, with their penalties."""
    language = language or bundle.customer.language
    return formal_notice_document(
        company=bundle.company, customer=bundle.customer, language=language,
        statement=without_items(bundle.statement, bundle.disputed_invoice_ids),
        penalties=bundle.penalty_lines(language) or {}, letter_date=bundle.statement.as_of, deadline_days=deadline_days,
    )  # fmt: skip


def formal_notice_pdf_for(bundle: StatementBundle, *, language: str | None = None, deadline_days: int = 8) -> bytes:
    return merge_pdfs([formal_notice_document_for(bundle, language=language, deadline_days=deadline_days)])
