"""In real Chromium: a collector opens a customer from the list, ticks two invoices and sends the
statement; the e-mail reaches a real SMTP server on loopback. Screenshots of the list and the
customer page (workspace-customers.png, workspace-customer.png) are saved with the tests'
artefacts and, with RELANCE_SAVE_SCREENSHOTS=1, in docs/screenshots/."""

from __future__ import annotations

import datetime as dt

import pytest

from relance.accounts.models import User
from relance.collection.models import CollectionSettings, CustomerNote
from relance.collection.services.statuses import dispute_open, promise_create
from relance.collection.standard import scenarios_install_standard
from relance.core.audit import Actor
from relance.ledger.models import Contact, Membership, Tag
from relance.ledger.selectors import company_today
from relance.messaging.models import OutboxMessage
from relance.messaging.sending import send_outbox
from relance.messaging.services import templates_install_defaults
from relance.messaging.tests.test_sending import SmtpServer
from tests.browser import screenshot
from tests.factories import CustomerFactory, InvoiceFactory, PaymentFactory, settle

pytestmark = pytest.mark.browser
CUSTOMERS = [
    ("C-42", "Dupont & Fils", "FR40303265045", "Lyon", [(60, 4_200_00, 1_500_00), (25, 864_20, 0), (-10, 1_234_56, 0)]),
    ("C-17", "Boulangerie Martin", "FR83404833048", "Villeurbanne", [(95, 612_00, 0), (40, 310_50, 0)]),
    ("C-88", "Garage Leroy SARL", "FR12345678901", "Grenoble", [(12, 2_480_00, 0), (-20, 990_00, 0)]),
    ("C-23", "Hôtel des Alpes", "FR55443322110", "Annecy", [(-5, 3_150_00, 0)]),
    ("C-51", "Imprimerie Rousseau", "FR99887766554", "Saint-Étienne", [(33, 1_845_90, 845_90), (3, 725_00, 0)]),
    ("C-64", "Cave Coopérative du Rhône", "", "Vienne", [(71, 5_600_00, 0)]),
    ("C-05", "Atelier Bois & Co", "FR11223344556", "Bourg-en-Bresse", [(-30, 480_00, 0)]),
]


@pytest.fixture
def smtp(settings, live_server):
    with SmtpServer() as server:
        settings.MAILERS = {"default": server.mailer()}
        settings.RELANCE_BASE_URL = live_server.url
        yield server


def _ledger(company, camille):
    actor = Actor.system("demo")
    today = company_today(company)
    templates_install_defaults(company=company, actor=actor)
    scenarios_install_standard(company=company, actor=actor)
    CollectionSettings.objects.update_or_create(
        company=company, defaults={"send_window_start": dt.time(0, 0), "send_window_end": dt.time(23, 59, 59)}
    )
    key = Tag.objects.create(company=company, name="key account")
    customers = {}
    for index, (code, name, vat, city, items) in enumerate(CUSTOMERS):
        customer = CustomerFactory(
            company=company, code=code, name=name, vat_id=vat, city=city, country="FR", language="en", collector=camille
        )
        if index % 3 == 0:
            customer.tags.add(key)
        Contact.objects.create(
            company=company,
            customer=customer,
            name="Accounts payable",
            email=f"ap@{code.lower()}.example",
            is_accounts_payable=True,
        )
        for number, (late, amount, paid) in enumerate(items, start=1):
            invoice = InvoiceFactory(
                customer=customer,
                number=f"F-2026-{index}{number:02d}",
                amount=amount,
                issue_date=today - dt.timedelta(days=late + 30),
                due_date=today - dt.timedelta(days=late),
            )
            if paid:
                settle(invoice, paid, today - dt.timedelta(days=max(late - 10, 0)))
        customers[code] = customer
    dupont = customers["C-42"]
    Contact.objects.create(
        company=company,
        customer=dupont,
        name="Bruno Achats",
        email="bruno@dupont.example",
        is_buyer=True,
        phone="+33 4 72 00 11 22",
    )
    invoices = list(dupont.invoices.order_by("due_date"))
    dispute_open(
        actor=actor,
        customer=dupont,
        invoices=[invoices[0]],
        reason="quantity",
        comment="2 pallets of 40 missing on delivery note BL-5512",
    )
    PaymentFactory(
        customer=dupont,
        external_ref="VIR-2026-0311",
        date=today - dt.timedelta(days=3),
        amount=250_00,
        reference="DUPONT ACOMPTE",
    )
    CustomerNote.objects.create(
        company=company,
        customer=dupont,
        author=camille,
        author_label="camille",
        text="Alice (AP) only pays on the 10th and the 25th. Call before noon.",
        pinned=True,
    )
    promise_create(
        actor=Actor.for_user(camille),
        customer=customers["C-51"],
        invoices=list(customers["C-51"].invoices.all()),
        promised_date=today + dt.timedelta(days=6),
    )
    return dupont, invoices


@pytest.mark.django_db(transaction=True)
def test_open_a_customer_from_the_list_and_send_the_statement(live_server, page, company, smtp, tmp_path_factory):
    company.legal_name, company.email = "Atelier Durand SAS", "compta@durand.example"
    company.iban, company.bic = "FR7630006000011234567890189", "AGRIFRPP"
    company.save()
    camille = User.objects.create_user(
        "camille",
        password="x-very-long-password",
        first_name="Camille",
        last_name="Martin",
        email="camille@durand.example",
    )
    Membership.objects.create(user=camille, company=company, role="collector")
    dupont, invoices = _ledger(company, camille)
    artefacts = tmp_path_factory.getbasetemp()
    page.set_viewport_size({"width": 1360, "height": 900})

    page.goto(f"{live_server.url}/customers/")
    page.get_by_label("Username").fill("camille")
    page.get_by_label("Password").fill("x-very-long-password")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/customers/")
    assert page.get_by_role("heading", name="Customers").is_visible()
    assert page.get_by_role("link", name="Dupont & Fils").is_visible()
    screenshot(page, "workspace-customers.png", artefacts)

    page.get_by_label("Search").fill("dupont")
    page.get_by_role("button", name="Apply").click()
    page.get_by_role("link", name="Dupont & Fils").click()
    page.wait_for_url(f"{live_server.url}/customers/{dupont.pk}/")
    assert page.get_by_role("heading", name="Dupont & Fils").is_visible()
    assert page.get_by_text("2 pallets of 40 missing").first.is_visible()

    # Tick the two undisputed invoices and send their statement now
    page.get_by_label(invoices[1].number, exact=True).check()
    page.get_by_label(invoices[2].number, exact=True).check()
    page.get_by_role("link", name="Send the statement now").click()
    page.get_by_label("E-mail template").select_option("overdue_courteous")
    screenshot(page, "workspace-customer.png", artefacts)
    page.get_by_role("button", name="Send now").click()
    page.wait_for_url(f"{live_server.url}/customers/{dupont.pk}/#timeline")
    assert page.get_by_text("queued for sending").is_visible()

    message = OutboxMessage.objects.get(customer=dupont, reference="statement")
    send_outbox(actor=Actor.system("test"))  # what the worker does (it is also enqueued on commit)
    received = [r for r in smtp.received if "ap@c-42.example" in r.rcpt_tos]
    assert received, "the statement reached the SMTP server"
    text = received[0].message.get_body(("plain",)).get_content()
    assert invoices[1].number in text
    assert invoices[2].number in text
    assert invoices[0].number not in text  # the disputed invoice was not ticked
    message.refresh_from_db()
    assert message.status == "sent"

    page.reload()
    timeline = page.locator("#timeline")
    assert timeline.get_by_text(message.subject).first.is_visible()
