"""Background tasks of messaging (Django's task API): sending the outbox.

`send_outbox_task` is what a worker runs to send the queued e-mails; it is safe to enqueue it
often and from several places: rows are claimed, so concurrent runs share the work and never
send a message twice (see sending.py).
"""

from __future__ import annotations

import logging

from django.tasks import task

from relance.ledger.models import Company
from relance.messaging.sending import send_outbox

logger = logging.getLogger(__name__)


@task()
def send_outbox_task(limit: int | None = None, company_id: int | None = None) -> dict[str, object]:
    company = Company.objects.get(pk=company_id) if company_id is not None else None
    report = send_outbox(limit=limit, company=company)
    logger.info("outbox: %s", report.summary())
    return report.as_dict()
