"""The portal's pay page: only the link's customer's open invoices, exact amounts, CSRF, escaping."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from relance.core.money import Money
from relance.payments.checkout import SelectionError, select
from relance.payments.models import OnlinePayment
from relance.payments.tests.conftest import invoice
from tests.factories import CompanyFactory, CustomerFactory, InvoiceFactory

pytestmark = pytest.mark.django_db


def checked_numbers(html: str) -> list[str]:
    rows = re.findall(r'<input type="checkbox" name="invoice" value="\d+" id="invoice-(\d+)"( checked)?>', html)
    from relance.ledger.models import Invoice

    return sorted(Invoice.objects.get(pk=int(pk)).number for pk, checked in rows if checked)


def test_get_lists_the_customers_open_invoices_with_overdue_ones_ticked(client, settings, token_a, customer_b):
    settings.RELANCE_PAYMENT_PROVIDERS = ["sepa_transfer"]
    response = client.get(reverse("portal:pay", args=[token_a]))
    assert response.status_code == 200
    html = response.content.decode()
    for number in ("A-001", "A-002", "A-003"):
        assert number in html
    assert "B-001" not in html  # another customer's invoice is never shown
    assert checked_numbers(html) == ["A-001", "A-002"]
    assert 'name="csrfmiddlewaretoken"' in html
    assert 'value="sepa_transfer"' in html
    assert 'value="stripe"' not in html  # no key configured: not offered
    assert response["Cache-Control"] == "private, no-store"


def test_a_link_of_customer_a_cannot_pay_invoices_of_customer_b(client, settings, token_a, customer_a, customer_b):
    settings.RELANCE_PAYMENT_PROVIDERS = ["sepa_transfer"]
    b_invoice = customer_b.invoices.get()
    a_invoice = customer_a.invoices.get(number="A-001")
    url = reverse("portal:pay", args=[token_a])
    for ids in ([b_invoice.pk], [a_invoice.pk, b_invoice.pk]):
        response = client.post(url, {"invoice": ids, "provider": "sepa_transfer"})
        assert response.status_code == 400
        assert "cannot be paid online" in response.content.decode()
    assert OnlinePayment.objects.count() == 0
    with pytest.raises(SelectionError):
        select(company=customer_a.company, customer=customer_a, invoice_ids=[b_invoice.pk])


def test_a_link_of_company_a_cannot_pay_invoices_of_company_b(client, settings, token_a, customer_a):
    settings.RELANCE_PAYMENT_PROVIDERS = ["sepa_transfer"]
    other = CustomerFactory(company=CompanyFactory(iban="FR7630006000011234567890189"), code=customer_a.code)
    foreign = InvoiceFactory(customer=other, number="A-001")
    response = client.post(
        reverse("portal:pay", args=[token_a]), {"invoice": [foreign.pk], "provider": "sepa_transfer"}
    )
    assert response.status_code == 400
    assert OnlinePayment.objects.count() == 0


def test_settled_or_credit_items_and_bad_input_are_refused(client, settings, token_a, customer_a, today):
    settings.RELANCE_PAYMENT_PROVIDERS = ["sepa_transfer"]
    from relance.ledger.models import InvoiceKind
    from tests.factories import settle

    credit = invoice(customer_a, today, "AV-1", 5_00, days_overdue=5, kind=InvoiceKind.CREDIT_NOTE)
    closed = invoice(customer_a, today, "A-009", 7_00, days_overdue=5)
    settle(closed, 7_00, today)
    url = reverse("portal:pay", args=[token_a])
    for data in (
        {"invoice": [credit.pk], "provider": "sepa_transfer"},
        {"invoice": [closed.pk], "provider": "sepa_transfer"},
        {"invoice": [customer_a.invoices.get(number="A-001").pk], "provider": "stripe"},  # not available
        {"invoice": ["x'; DROP"], "provider": "sepa_transfer"},
        {"provider": "sepa_transfer"},
        {"invoice": [customer_a.invoices.get(number="A-001").pk]},
    ):
        assert client.post(url, data).status_code == 400, data
    assert OnlinePayment.objects.count() == 0


def test_the_form_is_csrf_protected(settings, token_a, customer_a):
    settings.RELANCE_PAYMENT_PROVIDERS = ["sepa_transfer"]
    strict = Client(enforce_csrf_checks=True)
    ids = [customer_a.invoices.get(number="A-001").pk]
    response = strict.post(reverse("portal:pay", args=[token_a]), {"invoice": ids, "provider": "sepa_transfer"})
    assert response.status_code == 403
    assert OnlinePayment.objects.count() == 0
    page = strict.get(reverse("portal:pay", args=[token_a]))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    ok = strict.post(
        reverse("portal:pay", args=[token_a]),
        {"invoice": ids, "provider": "sepa_transfer", "csrfmiddlewaretoken": token},
    )
    assert ok.status_code == 200
    assert OnlinePayment.objects.count() == 1


def test_tampered_token_gets_nothing(client, token_a):
    response = client.get(reverse("portal:pay", args=[token_a[:-2] + "xx"]))
    assert response.status_code == 403
    assert "A-001" not in response.content.decode()


def test_invoice_numbers_are_escaped(client, settings, token_a, customer_a, today):
    settings.RELANCE_PAYMENT_PROVIDERS = ["sepa_transfer"]
    invoice(customer_a, today, "<script>alert(1)</script>", 1_00, days_overdue=3)
    html = client.get(reverse("portal:pay", args=[token_a])).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_amounts_are_exact_minor_units_and_formatted_in_the_readers_language(client, settings, pay_company, today):
    settings.RELANCE_PAYMENT_PROVIDERS = ["sepa_transfer"]
    from relance.messaging.links import issue_link

    customer = CustomerFactory(company=pay_company, code="FR-1", language="fr")
    # 0.1 + 0.2 is not 0.3 in floating point; 10 + 20 minor units is 30.
    ids = [invoice(customer, today, n, a, days_overdue=9).pk for n, a in (("X-1", 10), ("X-2", 20))]
    big = invoice(customer, today, "X-3", 123_456_789_01, days_overdue=8)
    token = issue_link(customer=customer)[1]
    selection = select(company=pay_company, customer=customer, invoice_ids=[*ids, big.pk])
    assert selection.amount == Money(123_456_789_31, "EUR")
    response = client.post(
        reverse("portal:pay", args=[token]), {"invoice": [*ids, big.pk], "provider": "sepa_transfer"}
    )
    html = response.content.decode().replace("\u202f", " ").replace("\u00a0", " ")
    assert "123 456 789,31 €" in html  # French formatting on the page
    assert OnlinePayment.objects.get().amount == 123_456_789_31
    from relance.payments.providers.sepa import SepaTransferProvider

    payload = SepaTransferProvider().instructions(pay_company, customer, selection.amount).qr_payload
    assert payload.split("\n")[7] == "EUR123456789.31"


def test_pay_page_in_french(client, settings, pay_company, today):
    settings.RELANCE_PAYMENT_PROVIDERS = ["sepa_transfer"]
    from relance.messaging.links import issue_link

    customer = CustomerFactory(company=pay_company, code="FR-2", language="fr")
    invoice(customer, today, "F-1", 1_234_56, days_overdue=3)
    token = issue_link(customer=customer)[1]
    html = client.get(reverse("portal:pay", args=[token])).content.decode().replace("\u202f", " ").replace("\xa0", " ")
    assert "Payer en ligne" in html
    assert "Factures à payer" in html
    assert "Virement (SEPA) avec un QR code" in html
    assert "1 234,56 €" in html
