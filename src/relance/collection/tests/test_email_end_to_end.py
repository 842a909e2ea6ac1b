"""The daily run's reminder e-mails, end to end, received by a real SMTP server on loopback."""

import datetime as dt
import email
import email.policy
import re
import subprocess
from html import unescape
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.test import Client

from relance.collection.messages import emails_dispatch
from relance.collection.models import Action, ActionStatus
from relance.collection.services.run import collection_run
from relance.collection.standard import scenarios_install_standard
from relance.ledger.models import Contact
from relance.messaging.models import OutboxMessage
from relance.messaging.sending import send_outbox
from relance.messaging.services import templates_install_defaults
from relance.messaging.tests.test_sending import SmtpServer
from tests.factories import CustomerFactory, InvoiceFactory, settle

D = dt.date
TODAY = D(2026, 3, 6)


@pytest.fixture
def smtp(settings):
    with SmtpServer() as server:
        settings.MAILERS = {"default": server.mailer()}
        settings.RELANCE_BASE_URL = "http://testserver"
        yield server


@pytest.fixture
def accounts(company, actor):
    company.iban, company.bic, company.email = "FR7630006000011234567890189", "AGRIFRPP", "compta@durand.example"
    company.penalties_enabled = True
    company.save()
    scenarios_install_standard(company=company, actor=actor)
    templates_install_defaults(company=company, actor=actor)
    french = CustomerFactory(company=company, code="FR1", name="Dupont Industrie", language="fr")
    english = CustomerFactory(company=company, code="EN1", name="Northwind Trading", language="en")
    for customer, address in ((french, "ap@dupont.example"), (english, "payables@northwind.example")):
        Contact.objects.create(company=company, customer=customer, name="Accounts payable", email=address,
                               is_accounts_payable=True)  # fmt: skip
        InvoiceFactory(customer=customer, number=f"{customer.code}-NOTDUE", issue_date=D(2026, 2, 14),
                       due_date=D(2026, 3, 16), amount=123456)  # fmt: skip
        old = InvoiceFactory(customer=customer, number=f"{customer.code}-LATE", issue_date=D(2026, 1, 10),
                             due_date=D(2026, 2, 14), amount=50000)  # fmt: skip
        settle(old, 20000, D(2026, 2, 20))
    return french, english


def received_by_address(server) -> dict[str, email.message.EmailMessage]:
    found = {}
    for item in server.received:
        message = item.message
        for address in item.rcpt_tos:
            found[address] = message
    return found


def test_the_run_sends_each_customer_one_complete_email_in_their_language(company, actor, accounts, smtp, tmp_path):
    collection_run(company=company, today=TODAY, actor=actor)
    assert emails_dispatch(company=company, today=TODAY, actor=actor).queued == 2
    report = send_outbox(actor=actor)
    assert report.sent == 2
    assert len(smtp.received) == 2
    mails = received_by_address(smtp)
    french, english = mails["ap@dupont.example"], mails["payables@northwind.example"]

    # French customer: French e-mail, French amounts; the whole account: overdue and not yet due
    html = french.get_body(("html",)).get_content()
    text = french.get_body(("plain",)).get_content()
    for number in ("FR1-LATE", "FR1-NOTDUE"):
        assert number in html
        assert number in text
    assert "1\u202f234,56\xa0€" in text  # not yet due
    assert "300,00\xa0€" in text  # overdue after the partial payment
    assert "Total échu" in text
    shown = unescape(html)  # what the mail client shows: accents and € may travel as character references
    assert "1\u202f234,56\xa0€" in shown
    assert "300,00\xa0€" in shown
    assert "Total échu" in shown
    assert "EN1-" not in html  # another customer's invoices never appear
    assert french["X-Relance-Customer"] == "FR1"
    assert french["Reply-To"] is None or "@" in french["Reply-To"]

    # English customer: English e-mail, English amounts
    english_text = english.get_body(("plain",)).get_content()
    assert "€1,234.56" in english_text
    assert "Total overdue" in english_text

    # The statement PDF is attached and opens
    (attachment,) = list(french.iter_attachments())
    pdf = tmp_path / "statement.pdf"
    pdf.write_bytes(attachment.get_content())
    pdf_text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "FR1-LATE" in pdf_text

    # The links resolve to this customer's signed targets: the statement PDF is served
    links = set(re.findall(r'href="(http://testserver/p/[^"]+)"', html))
    assert any(link.endswith("/statement.pdf") for link in links)
    client = Client()
    statement = next(link for link in links if link.endswith("/statement.pdf"))
    response = client.get(urlsplit(statement).path)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    excel = next(link for link in links if link.endswith("/statement.xlsx"))
    assert client.get(urlsplit(excel).path)["Content-Type"].startswith("application/vnd.openxmlformats")
    page = next(link for link in links if link.endswith("/") and "/pay/" not in link)
    body = client.get(urlsplit(page).path).content.decode()
    assert "FR1-LATE" in body
    assert "EN1-LATE" not in body
    tampered = urlsplit(statement).path.replace(":", ":x", 1)
    assert client.get(tampered).status_code == 403

    # Each e-mail completed its action and is on the customer's timeline with its content
    assert set(Action.objects.filter(channel="email").values_list("status", flat=True)) == {ActionStatus.DONE}
    row = OutboxMessage.objects.get(customer=accounts[0])
    assert row.status == "sent"
    assert "FR1-LATE" in row.html


def test_a_second_run_the_same_day_sends_nothing(company, actor, accounts, smtp):
    for _ in range(2):
        collection_run(company=company, today=TODAY, actor=actor)
        emails_dispatch(company=company, today=TODAY, actor=actor)
        send_outbox(actor=actor)
    assert len(smtp.received) == 2


def test_relance_run_decides_queues_and_sends(company, actor, accounts, smtp, capsys):
    call_command("run", "--company", str(company.pk), "--date", TODAY.isoformat(), "--quiet")
    out = capsys.readouterr().out
    assert "e-mails queued: 2" in out
    assert len(smtp.received) == 2


def test_send_test_sends_one_email_to_the_given_address_only(company, actor, accounts, smtp, capsys):
    call_command("send_test", "FR1", "overdue_firm", "--to", "me@durand.example", "--company", str(company.pk),
                 "--date", TODAY.isoformat())  # fmt: skip
    (item,) = smtp.received
    assert item.rcpt_tos == ["me@durand.example"]
    message = item.message
    assert "FR1-LATE" in message.get_body(("html",)).get_content()
    assert not Action.objects.exists()
