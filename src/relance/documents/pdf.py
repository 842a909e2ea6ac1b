"""The public API of the PDF documents: plain functions that return PDF bytes.

    statement_pdf(company=, customer=, statement=, language=None, penalties=None) -> bytes
    formal_notice_pdf(company=, customer=, statement=, language=None, penalties=None, letter_date=None,
                      deadline_days=8, place="", signatory="", signatory_title="", deduct_credits=True) -> bytes
    promise_pdf(company=, customer=, promise=PromiseInput(...), language=None, statement=None) -> bytes
    merge_pdfs([statement_document(...), formal_notice_document(...), ...]) -> bytes
    customer_rf_reference(company, customer) -> "RF71C00042"

`language` defaults to the customer's; `penalties` maps invoice numbers to penalty lines (see
`relance.documents.inputs`). Each `*_pdf` function has a `*_document` twin returning the document
unrendered, which `merge_pdfs` lays out with others in one PDF for printing.
"""

from __future__ import annotations

from collections.abc import Sequence

from relance.documents.inputs import Penalties, PenaltyLine, PenaltyLineLike, PromiseInput
from relance.documents.layout import PdfDocument, render
from relance.documents.letters import formal_notice_document, formal_notice_pdf
from relance.documents.payment_qr import EpcTransfer, customer_rf_reference, transfer_for
from relance.documents.promise import promise_document, promise_pdf
from relance.documents.statement import statement_document, statement_pdf

__all__ = [
    "EpcTransfer",
    "PdfDocument",
    "Penalties",
    "PenaltyLine",
    "PenaltyLineLike",
    "PromiseInput",
    "customer_rf_reference",
    "formal_notice_document",
    "formal_notice_pdf",
    "merge_pdfs",
    "promise_document",
    "promise_pdf",
    "statement_document",
    "statement_pdf",
    "transfer_for",
]


def merge_pdfs(documents: Sequence[PdfDocument]) -> bytes:
    """Several documents in ONE PDF for printing: each starts on a new page (a new sheet when
    printed one-sided) with its own letterhead, footer and "Page x of y" numbering.

    Built as one ReportLab document with page breaks, not by joining finished PDFs, so fonts and
    images are stored once.
    """
    return render(documents)
