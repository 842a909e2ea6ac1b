"""A template's test send: one e-mail of one language variant, filled with a real customer's
account, to an address of the user's (the template editor's "send a test" and `relance send-test`).

    template_test_send(company=c, template=t, customer=k, to="me@example.com", today=d, actor=a)

The e-mail goes through the outbox like any other (stored, then sent by the send task, enqueued
when the transaction commits); it is marked as a test (reference "test", no copies, no archive
blind copy) and recorded on the audit trail.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from relance.collection.messages import EmailError, email_send_now
from relance.core.audit import Actor
from relance.ledger.models import Company, Customer
from relance.messaging.models import MessageTemplate, OutboxMessage, TemplateChannel
from relance.messaging.tasks import send_outbox_task


@transaction.atomic
def template_test_send(
    *, company: Company, template: MessageTemplate, customer: Customer, to: str, today: dt.date, actor: Actor
) -> OutboxMessage:
    """Queue the test e-mail and have the send task send it once committed. EmailError when the
    template is not an e-mail template, or the customer or template is another company's."""
    if template.company_id != company.pk or customer.company_id != company.pk:
        raise EmailError("the template and the customer must belong to this company")
    if template.channel != TemplateChannel.EMAIL:
        raise EmailError("only e-mail templates can be sent as a test", code="collection.email.not_email")
    message = email_send_now(
        company=company, customer=customer, template_code=template.code, today=today, actor=actor,
        to_override=[to], reference="test", language=template.language,
    )  # fmt: skip
    transaction.on_commit(lambda: send_outbox_task.enqueue(company_id=company.pk))
    return message
