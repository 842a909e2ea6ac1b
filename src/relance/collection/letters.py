"""Letters to print: every letter action of a day (formal notices...) in one PDF."""

from __future__ import annotations

import datetime as dt

from relance.collection.models import Action, ActionStatus
from relance.collection.statements import formal_notice_document_for, statement_bundle
from relance.documents.pdf import merge_pdfs
from relance.ledger.models import Company


def letters_to_print(*, company: Company, day: dt.date) -> tuple[bytes, int]:
    """The merged PDF of the letters planned up to `day` and not yet done, oldest first, and their count."""
    actions = (
        Action.objects.filter(company=company, channel="letter", status=ActionStatus.TO_CONFIRM, date__lte=day)
        .select_related("customer")
        .order_by("date", "customer__code")
    )
    documents = []
    for action in actions:
        bundle = statement_bundle(company=company, customer=action.customer, as_of=day)
        if not bundle.statement.overdue:
            continue
        documents.append(formal_notice_document_for(bundle))
    if not documents:
        return b"", 0
    return merge_pdfs(documents), len(documents)
