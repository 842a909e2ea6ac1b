"""Letters to print: the letters of the collector's agenda (formal notices) merged into one PDF.

Each letter is the formal notice of `collection.statements` for the customer's account today (the
undisputed overdue items and their penalties); the documents are merged with page numbering per
letter (`documents.pdf.merge_pdfs`). A letter whose customer has nothing overdue any more is left
out and reported, never printed empty.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from relance.collection.models import Action
from relance.collection.statements import formal_notice_document_for, statement_bundle
from relance.documents.pdf import merge_pdfs


@dataclass
class MergedLetters:
    pdf: bytes = b""
    printed: list[Action] = field(default_factory=list)
    left_out: list[Action] = field(default_factory=list)


def letters_merged(*, actions: Iterable[Action], today: dt.date) -> MergedLetters:
    result = MergedLetters()
    documents = []
    for action in actions:
        bundle = statement_bundle(company=action.company, customer=action.customer, as_of=today)
        if not bundle.statement.overdue:
            result.left_out.append(action)
            continue
        try:
            documents.append(formal_notice_document_for(bundle))
        except ValueError:  # only disputed items are overdue: nothing to claim
            result.left_out.append(action)
            continue
        result.printed.append(action)
    if documents:
        result.pdf = merge_pdfs(documents)
    return result
