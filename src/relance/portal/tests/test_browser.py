"""In real Chromium: the customer opens the link of a received e-mail, answers, downloads the
statement; the collector sees each answer. The e-mail goes through a real SMTP server on loopback.

Screenshots of the page in English and French are saved with the tests' artefacts (pytest's base
temporary directory); with RELANCE_SAVE_SCREENSHOTS=1 they also replace docs/screenshots/portal-*.png.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from relance.accounts.models import User
from relance.collection.messages import email_send_now
from relance.collection.models import Action, CollectionSettings, DisputeStatus, PromiseStatus
from relance.core.audit import Actor
from relance.ledger.models import Contact, Membership
from relance.ledger.selectors import company_today
from relance.messaging.sending import send_outbox
from relance.messaging.services import templates_install_defaults
from relance.messaging.tests.test_sending import SmtpServer
from relance.portal.models import PortalSubmission, SubmissionFile
from tests.browser import screenshot
from tests.factories import CustomerFactory, InvoiceFactory, settle

pytestmark = pytest.mark.browser


@pytest.fixture
def smtp(settings, live_server):
    with SmtpServer() as server:
        settings.MAILERS = {"default": server.mailer()}
        settings.RELANCE_BASE_URL = live_server.url
        yield server


@pytest.mark.django_db(transaction=True)
def test_the_customer_answers_from_the_emailed_link_and_the_collector_sees_it(
    live_server, page, company, smtp, tmp_path_factory, tmp_path
):
    actor = Actor.system("test")
    company.legal_name, company.iban, company.bic = "Atelier Durand SAS", "FR7630006000011234567890189", "AGRIFRPP"
    company.email, company.address_line1, company.postal_code, company.city = (
        "compta@durand.example",
        "12 rue des Forges",
        "69002",
        "Lyon",
    )
    company.save()
    templates_install_defaults(company=company, actor=actor)
    CollectionSettings.objects.get_or_create(company=company)  # its send window is open all day in tests (conftest)
    collector = User.objects.create_user(
        "camille", password="x-very-long-password", first_name="Camille", last_name="Martin",
        email="camille@durand.example", phone="+33 4 72 00 00 00",
    )  # fmt: skip
    Membership.objects.create(user=collector, company=company, role="collector")
    customer = CustomerFactory(company=company, code="C-42", name="Dupont & Fils", language="en", collector=collector)
    Contact.objects.create(company=company, customer=customer, name="Alice Payables", email="ap@dupont.example",
                           is_accounts_payable=True, language="en")  # fmt: skip
    today = company_today(company)
    late = InvoiceFactory(customer=customer, number="F-2026-0107", issue_date=today - dt.timedelta(days=50),
                          due_date=today - dt.timedelta(days=20), amount=50000)  # fmt: skip
    settle(late, 20000, today - dt.timedelta(days=10))
    InvoiceFactory(customer=customer, number="F-2026-0131", issue_date=today - dt.timedelta(days=40),
                   due_date=today - dt.timedelta(days=8), amount=86420)  # fmt: skip
    soon = InvoiceFactory(customer=customer, number="F-2026-0158", issue_date=today - dt.timedelta(days=20),
                          due_date=today + dt.timedelta(days=10), amount=123456)  # fmt: skip
    InvoiceFactory(customer=customer, number="AV-2026-0012", kind="credit_note", amount=4800,
                   issue_date=today - dt.timedelta(days=15), due_date=today - dt.timedelta(days=15))  # fmt: skip

    # A reminder reaches the customer's mailbox through a real SMTP server
    email_send_now(company=company, customer=customer, template_code="overdue_courteous", today=today, actor=actor)
    assert send_outbox(actor=actor).sent == 1
    (received,) = smtp.received
    html = received.message.get_body(("html",)).get_content()
    links = re.findall(r'href="(http://[^"]+/p/[^"]+)"', html)
    page_url = next(link for link in links if link.endswith("/") and not link.endswith("/pay/"))

    artefacts = tmp_path_factory.getbasetemp()
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(page_url)
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", name="Account of Dupont & Fils").is_visible()
    for number in ("F-2026-0107", "F-2026-0131", "F-2026-0158", "AV-2026-0012"):
        assert page.get_by_text(number, exact=True).first.is_visible()
    assert page.get_by_text("Camille Martin").is_visible()
    assert page.get_by_alt_text(re.compile("SEPA transfer QR code")).is_visible()
    screenshot(page, "portal-en.png", artefacts)
    page.get_by_role("link", name="Français").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.get_by_role("heading", name="Compte de Dupont & Fils").is_visible()
    screenshot(page, "portal-fr.png", artefacts)
    page.get_by_role("link", name="English").click()
    page.wait_for_load_state()

    # Promise to pay the invoice not yet due (an htmx request; the page is not reloaded)
    promised_on = today + dt.timedelta(days=12)
    page.get_by_label("F-2026-0158").check()
    page.locator("#panel-promise summary").click()
    panel = page.locator("#panel-promise")
    panel.get_by_label("Payment date").fill(promised_on.isoformat())
    panel.get_by_label("Means of payment").select_option("transfer")
    panel.get_by_role("button", name="Send: Promise to pay").click()
    page.locator("table.statement .badge.promised").wait_for()
    assert page.get_by_text("Thank you: your answer was received").is_visible()
    assert re.search(r"F-2026-0158.*?Payment promised", page.locator("table.statement").inner_text(), re.S)
    promise = customer.promises.get()
    assert promise.source == "portal"
    assert promise.promised_date == promised_on
    assert promise.status == PromiseStatus.OPEN
    assert list(promise.invoices.all()) == [soon]

    # Dispute the oldest invoice, with a delivery note attached
    attachment = tmp_path / "delivery-note.pdf"
    attachment.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    page.get_by_label("F-2026-0107").check()
    page.locator("#panel-dispute summary").click()
    panel = page.locator("#panel-dispute")
    panel.get_by_label("Reason").select_option("quantity")
    panel.get_by_label("Explain the problem").fill("Only 10 of the 12 crates were delivered.")
    panel.get_by_label(re.compile("Attachments")).set_input_files(str(attachment))
    panel.get_by_role("button", name="Send: Dispute").click()
    page.locator("table.statement .badge.disputed").wait_for()
    assert re.search(r"F-2026-0107.*?Disputed", page.locator("table.statement").inner_text(), re.S)
    dispute = customer.disputes.get()
    assert dispute.status == DisputeStatus.OPEN
    assert dispute.reason == "quantity"
    assert list(dispute.invoices.all()) == [late]
    stored = SubmissionFile.objects.get(submission__kind="dispute")
    assert stored.original_name == "delivery-note.pdf"
    assert Path(stored.file.path).read_bytes() == attachment.read_bytes()

    # Download the statement as Excel and read its cells
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Statement (Excel)").click()
    target = tmp_path / "statement.xlsx"
    download_info.value.save_as(str(target))
    rows = CalamineWorkbook.from_path(str(target)).get_sheet_by_index(0).to_python()
    assert rows[4][:2] == ["Type", "Number"]
    by_number = {row[1]: row for row in rows[5:]}
    assert by_number["F-2026-0107"][5] == 300.0
    assert by_number["F-2026-0107"][8] == "Disputed"
    assert by_number["F-2026-0158"][8] == "Promised"
    assert by_number["AV-2026-0012"][5] == -48.0
    assert isinstance(by_number["F-2026-0158"][3], dt.date)

    # The collector's side: one task of the day with both answers, the e-mails, the list
    task = Action.objects.get(customer=customer, family="task")
    assert task.assigned_to == collector
    assert task.status == "to_confirm"
    assert len(task.outcome["portal_submissions"]) == 2
    assert set(PortalSubmission.objects.values_list("kind", flat=True)) == {"promise", "dispute"}
    send_outbox(actor=actor)
    to_collector = [r for r in smtp.received if "camille@durand.example" in r.rcpt_tos]
    assert len(to_collector) == 2
    to_customer = [r.message["Subject"] for r in smtp.received if "ap@dupont.example" in r.rcpt_tos]
    assert len(to_customer) == 3  # the reminder, the promise confirmation, the dispute acknowledgement
    collector_page = page.context.new_page()
    collector_page.goto(f"{live_server.url}/login/")
    collector_page.get_by_label("Username").fill("camille")
    collector_page.get_by_label("Password").fill("x-very-long-password")
    collector_page.get_by_role("button", name="Sign in").click()
    collector_page.wait_for_url(f"{live_server.url}/agenda/")
    collector_page.goto(f"{live_server.url}/portal/submissions/")
    assert collector_page.get_by_text("Only 10 of the 12 crates were delivered.").is_visible()
    with collector_page.expect_download() as file_info:
        collector_page.get_by_role("link", name="delivery-note.pdf").click()
    assert Path(file_info.value.path()).read_bytes() == attachment.read_bytes()
