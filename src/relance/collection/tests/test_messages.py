"""From the day's decided e-mails to outbox rows: recipients, content, links, attachments, statuses."""

import datetime as dt
import email
import email.policy
import subprocess
from urllib.parse import urlsplit

import pytest
from django.urls import resolve as resolve_url
from django.utils import timezone

from relance.collection.messages import (
    EmailError,
    action_email_send,
    email_preview,
    emails_dispatch,
    on_message_failed,
    on_message_sent,
)
from relance.collection.models import Action, ActionStatus, Step
from relance.collection.services.run import collection_run
from relance.collection.standard import scenarios_install_standard
from relance.ledger.models import Contact
from relance.messaging.links import resolve
from relance.messaging.mime import Attachment, Envelope, build_mime
from relance.messaging.models import AccessLink, OutboxMessage
from relance.messaging.services import templates_install_defaults
from tests.factories import CustomerFactory, InvoiceFactory, settle

D = dt.date
TODAY = D(2026, 3, 6)


@pytest.fixture
def setup(company, actor):
    company.iban = "FR7630006000011234567890189"
    company.bic = "AGRIFRPP"
    company.email = "compta@durand.example"
    company.save()
    scenarios_install_standard(company=company, actor=actor)
    templates_install_defaults(company=company, actor=actor)
    customer = CustomerFactory(company=company, code="C1", name="Dupont Industrie", language="fr")
    Contact.objects.create(company=company, customer=customer, name="Marie Leroy", email="marie@dupont.example",
                           is_accounts_payable=True)  # fmt: skip
    Contact.objects.create(company=company, customer=customer, name="Paul Achat", email="paul@dupont.example",
                           is_buyer=True)  # fmt: skip
    # due in 10 days: preventive e-mail today; one overdue since 20 days, partly paid
    InvoiceFactory(customer=customer, number="F-1043", issue_date=D(2026, 2, 14), due_date=D(2026, 3, 16),
                   amount=123456)  # fmt: skip
    old = InvoiceFactory(customer=customer, number="F-0990", issue_date=D(2026, 1, 10), due_date=D(2026, 2, 14),
                         amount=50000)  # fmt: skip
    settle(old, 20000, D(2026, 2, 20))
    return customer


def dispatch(company, actor, today=TODAY):
    collection_run(company=company, today=today, actor=actor)
    return emails_dispatch(company=company, today=today, actor=actor)


def mime_of(message: OutboxMessage) -> email.message.EmailMessage:
    raw = build_mime(
        Envelope(
            from_email=message.from_email, to=message.to, cc=message.cc, reply_to=message.reply_to,
            subject=message.subject, text=message.text, html=message.html, message_id=message.message_id,
            headers=message.headers,
            attachments=[Attachment(a.filename, a.mimetype, bytes(a.content)) for a in message.attachments.all()],
        )
    )  # fmt: skip
    return email.message_from_bytes(raw, policy=email.policy.default)


def test_the_days_email_is_queued_with_the_whole_account_in_the_customers_language(company, actor, setup, tmp_path):
    report = dispatch(company, actor)
    assert report.queued == 1
    message = OutboxMessage.objects.get()
    assert message.to == ["Marie Leroy <marie@dupont.example>"]
    assert message.cc == []  # the buyer only when the step asks
    assert message.language == "fr"
    assert message.subject.startswith(company.name)
    for number in ("F-1043", "F-0990"):  # not yet due and overdue: the whole account
        assert number in message.html
        assert number in message.text
    assert "1\u202f234,56\xa0€" in message.text  # F-1043, not yet due
    assert "300,00\xa0€" in message.text  # F-0990 still due after the partial payment
    assert "FR76 3000 6000 0112 3456 7890 189" in message.text
    assert message.headers["X-Relance-Customer"] == "C1"
    action = Action.objects.get(channel="email")
    assert message.reference == f"action:{action.pk}"
    assert action.outcome["outbox"] == str(message.uuid)
    # the statement PDF is attached and opens
    (attachment,) = message.attachments.all()
    pdf = tmp_path / "statement.pdf"
    pdf.write_bytes(bytes(attachment.content))
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "F-1043" in text
    assert "F-0990" in text
    # parsed as a MIME message
    parsed = mime_of(message)
    assert parsed["Subject"] == message.subject
    assert parsed.get_body(("html",)).get_content().count("F-1043") >= 1


def test_the_links_resolve_to_the_signed_targets_of_this_customer(company, actor, setup):
    dispatch(company, actor)
    message = OutboxMessage.objects.get()
    link = AccessLink.objects.get()
    assert link.customer == setup
    assert link.contact.email == "marie@dupont.example"
    assert link.reference == message.reference
    hrefs = {h for h in message.html.split('href="')[1:] for h in [h.split('"')[0]] if "/p/" in h}
    assert hrefs
    names = set()
    for href in hrefs:
        match = resolve_url(urlsplit(href).path)
        names.add(match.url_name)
        assert resolve(match.kwargs["token"]).pk == link.pk
    assert {"page", "pay", "statement_pdf", "statement_xlsx"} <= names
    # a tampered token is refused
    with pytest.raises(Exception, match="invalid"):
        resolve(match.kwargs["token"][:-2] + "xx")


def test_a_second_dispatch_queues_nothing_more(company, actor, setup):
    dispatch(company, actor)
    assert emails_dispatch(company=company, today=TODAY, actor=actor).queued == 0
    assert OutboxMessage.objects.count() == 1


def test_buyer_in_copy_when_the_step_says_so_and_a_bounced_address_is_left_out(company, actor, setup):
    Step.objects.filter(template_code__in=["preventive", "overdue_firm"]).update(cc_buyer=True)
    Contact.objects.create(company=company, customer=setup, name="Old AP", email="old@dupont.example",
                           is_accounts_payable=True, email_failed_at=timezone.now())  # fmt: skip
    dispatch(company, actor)
    message = OutboxMessage.objects.get()
    assert message.to == ["Marie Leroy <marie@dupont.example>"]
    assert message.cc == ["Paul Achat <paul@dupont.example>"]


def test_a_customer_without_any_email_gets_a_task_for_the_collector_instead(company, actor, setup):
    Contact.objects.filter(customer=setup).update(email="")
    report = dispatch(company, actor)
    assert report.queued == 0
    assert report.to_task == 1
    action = Action.objects.get(channel="email")
    assert action.status == ActionStatus.TO_CONFIRM
    assert "no contact with a usable e-mail" in action.status_reason
    assert not OutboxMessage.objects.exists()


def test_english_customers_get_english_emails(company, actor, setup):
    setup.language = "en"
    setup.save()
    dispatch(company, actor)
    message = OutboxMessage.objects.get()
    assert message.language == "en"
    assert "€1,234.56" in message.text
    assert "Invoice" in message.text


def test_sent_and_failed_reports_update_the_action_and_give_the_collector_a_task(company, actor, setup):
    dispatch(company, actor)
    message = OutboxMessage.objects.get()
    message.status, message.sent_at = "sent", timezone.now()
    on_message_sent(message)
    action = Action.objects.get(channel="email")
    assert action.status == ActionStatus.DONE
    assert action.outcome["outbox"] == str(message.uuid)
    on_message_failed(message, permanent=True, reason="550 no such user")
    task = Action.objects.get(channel="task")
    assert task.status == ActionStatus.TO_CONFIRM
    assert "550 no such user" in task.reasons[0]


def test_an_email_to_confirm_waits_for_the_collector_then_is_queued(company, actor, setup):
    Step.objects.filter(template_code__in=["preventive", "overdue_firm"]).update(mode="confirm")
    report = dispatch(company, actor)
    assert report.queued == 0
    action = Action.objects.get(channel="email")
    assert action.status == ActionStatus.TO_CONFIRM
    preview = email_preview(action=action, today=TODAY)
    assert "F-1043" in preview.html
    assert not OutboxMessage.objects.exists()
    message = action_email_send(action=action, actor=actor, today=TODAY)
    assert message.reference == f"action:{action.pk}"
    with pytest.raises(EmailError, match="already queued"):
        action_email_send(action=Action.objects.get(pk=action.pk), actor=actor, today=TODAY)


def test_a_template_being_edited_previews_with_a_real_customer(company, actor, setup):
    from relance.collection.messages import template_preview_for_customer

    body = "Dû : #total_overdue\n\n#items_all"
    preview = template_preview_for_customer(
        company=company, customer=setup, subject="Relevé #customer_code", body_source=body, today=TODAY
    )
    assert preview.subject == "Relevé C1"
    assert "300,00\xa0€" in preview.text
    assert "F-1043" in preview.html
    assert not OutboxMessage.objects.exists()
    assert not AccessLink.objects.exists()
