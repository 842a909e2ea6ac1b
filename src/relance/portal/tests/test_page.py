"""The customer's page: access, what it shows, languages, security of the link."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import pytest
import time_machine
from django.test import Client
from python_calamine import CalamineWorkbook

from relance.collection.models import DisputeStatus
from relance.collection.services.statuses import dispute_open, promise_create
from relance.core.models import AuditEvent
from relance.messaging.links import revoke_links
from relance.messaging.models import OutboxMessage

pytestmark = pytest.mark.django_db


def test_the_page_shows_the_account_supplier_collector_bank_details_and_statuses(client, account, actor):
    promise_create(actor=actor, customer=account.customer, invoices=[account.soon], promised_date=dt.date(2026, 3, 20))
    response = client.get(account.url)
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    body = response.content.decode()
    assert '<html lang="en">' in body
    assert "Atelier Durand SAS" in body
    assert "Account of Dupont &amp; Fils" in body
    assert "Camille Martin" in body
    assert "camille-c-42@durand.example" in body
    assert "+33 1 23 45 67 89" in body
    assert "€300.00" in body  # overdue after the partial payment
    assert "€1,234.56" in body
    for number in ("C-42-LATE", "C-42-SOON", "C-42-CN"):
        assert number in body
    assert re.search(r"C-42-LATE.*?badge overdue", body, re.S)
    assert re.search(r"C-42-SOON.*?badge promised", body, re.S)
    assert "FR76 3000 6000 0112 3456 7890 189" in body
    assert "RF" in body
    assert "data:image/svg+xml" in body
    assert "/static/portal/vendor/htmx-2.0.11.min.js" in body
    assert f"/p/{account.token}/statement.xlsx" in body


def test_filters_by_status(client, account, actor):
    dispute_open(actor=actor, customer=account.customer, invoices=[account.late], reason="price")
    body = client.get(account.url + "?status=disputed").content.decode()
    assert "C-42-LATE" in body
    assert "C-42-SOON" not in body
    body = client.get(account.url + "?status=not_due").content.decode()
    assert "C-42-SOON" in body
    assert "C-42-LATE" not in body


def test_paid_in_transit_comes_from_payments_when_installed(client, account, monkeypatch):
    from relance.portal import views

    monkeypatch.setattr(views, "in_transit_ids", lambda link: frozenset({account.late.pk}))
    body = client.get(account.url).content.decode()
    assert re.search(r"C-42-LATE.*?badge in_transit", body, re.S)


def test_language_follows_the_contact_and_the_switch_is_kept_in_the_session(client, account):
    account.contact.language = "fr"
    account.contact.save()
    body = client.get(account.url).content.decode()
    assert '<html lang="fr">' in body
    assert "Compte de Dupont &amp; Fils" in body
    assert "300,00\xa0€" in body
    body = client.get(account.url + "?lang=en").content.decode()
    assert '<html lang="en">' in body
    assert "Account of" in body
    assert '<html lang="en">' in client.get(account.url).content.decode()  # kept


def test_opening_is_logged_once_an_hour(client, account):
    for _ in range(3):
        client.get(account.url)
    assert AuditEvent.objects.filter(code="portal.link.opened", customer=account.customer).count() == 1
    from django.core.cache import cache

    cache.delete(f"portal:opened:{account.link.pk}")  # an hour later
    client.get(account.url)
    assert AuditEvent.objects.filter(code="portal.link.opened").count() == 2
    event = AuditEvent.objects.filter(code="portal.link.opened").first()
    assert event.actor_kind == "customer"


def test_a_link_never_shows_another_company_or_customer(client, account, other_account):
    body = client.get(other_account.url).content.decode()
    assert "NW-7-LATE" in body
    assert "C-42" not in body
    assert "Dupont" not in body
    assert "Atelier Durand" not in body
    # another customer's invoice PDF through this link: not found
    assert client.get(f"/p/{other_account.token}/invoices/{account.late.pk}.pdf").status_code == 404
    # a promise on another customer's invoice: refused, nothing recorded
    response = client.post(f"/p/{other_account.token}/send/promise/",
                           {"invoices": [account.late.pk], "promise-date": "2026-03-20",
                            "promise-means": "transfer"})  # fmt: skip
    assert response.status_code == 400
    assert not account.customer.promises.exists()
    xlsx = client.get(f"/p/{other_account.token}/statement.xlsx").content
    assert b"C-42" not in zipfile.ZipFile(io.BytesIO(xlsx)).read("xl/sharedStrings.xml")


@pytest.mark.parametrize("change", ["tamper", "truncate", "garbage"])
def test_an_altered_token_gets_nothing(client, account, change):
    token = {"tamper": account.token[:-2] + ("AA" if not account.token.endswith("AA") else "BB"),
             "truncate": account.token[:20], "garbage": "hello"}[change]  # fmt: skip
    for suffix in ("", "statement.pdf", "statement.xlsx", f"invoices/{account.late.pk}.pdf"):
        response = client.get(f"/p/{token}/{suffix}")
        assert response.status_code == 403
        assert b"C-42" not in response.content
        assert b"Dupont" not in response.content


def test_a_revoked_link_gets_nothing(client, account, actor):
    revoke_links(customer=account.customer, actor=actor)
    response = client.get(account.url)
    assert response.status_code == 403
    assert b"withdrawn" in response.content
    assert b"C-42" not in response.content


def test_an_expired_link_offers_a_fresh_one_sent_to_the_contacts_on_file(client, account):
    with time_machine.travel(dt.datetime(2026, 6, 1, tzinfo=dt.UTC)):
        response = client.get(account.url)
        assert response.status_code == 403
        body = response.content.decode()
        assert "C-42" not in body
        assert "Dupont" not in body
        assert "ap@dupont" not in body
        assert f"/p/{account.token}/renew/" in body
        response = client.post(f"/p/{account.token}/renew/")
        assert response.status_code == 200
        assert b"ap@dupont" not in response.content
        (message,) = OutboxMessage.objects.filter(template_code="portal_link_renewal")
        assert message.to == ["ap@dupont.example"]
        url = re.search(r"http://\S+/p/(\S+)/", message.text).group(1)
        # pressed again: no second e-mail within 10 minutes
        client.post(f"/p/{account.token}/renew/")
        assert OutboxMessage.objects.filter(template_code="portal_link_renewal").count() == 1
        # the fresh link works
        assert client.get(f"/p/{url}/").status_code == 200
    assert AuditEvent.objects.filter(code="portal.link.renewed").count() == 1


def test_renewing_a_valid_or_invalid_link_sends_nothing(client, account):
    assert client.post(f"/p/{account.token}/renew/").status_code == 302
    assert client.post("/p/nonsense/renew/").status_code == 403
    assert not OutboxMessage.objects.filter(template_code="portal_link_renewal").exists()


def test_repeated_bad_tokens_are_rate_limited_per_address(client, account, settings):
    settings.RELANCE_PORTAL_BAD_TOKENS = (5, 600)
    for i in range(5):
        assert client.get(f"/p/bad-{i}/").status_code == 403
    response = client.get("/p/bad-again/")
    assert response.status_code == 429
    assert "Retry-After" in response
    assert client.get(account.url).status_code == 429  # even a good link, from this address, for a while
    other = Client(REMOTE_ADDR="10.1.2.3")
    assert other.get(account.url).status_code == 200


def test_the_excel_download_has_numbers_dates_and_no_formula(client, account):
    account.customer.name = '=HYPERLINK("http://evil.example","x")'
    account.customer.save()
    account.late.po_number = "@SUM(A1:A9)"
    account.late.save()
    response = client.get(f"/p/{account.token}/statement.xlsx")
    assert response.status_code == 200
    book = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    rows = book.get_sheet_by_index(0).to_python()
    header = rows[4]
    assert header[1] == "Number"
    late = next(row for row in rows if row[1] == "C-42-LATE")
    assert late[5] == 300.0
    assert isinstance(late[3], dt.date)
    assert late[9] == "@SUM(A1:A9)"
    sheet = zipfile.ZipFile(io.BytesIO(response.content)).read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet
    assert b"<f " not in sheet


def test_invoice_pdf_link_only_for_invoices_with_a_pdf(client, account):
    from django.core.files.base import ContentFile

    account.late.pdf.save("late.pdf", ContentFile(b"%PDF-1.4 test"), save=True)
    body = client.get(account.url).content.decode()
    assert f"/invoices/{account.late.pk}.pdf" in body
    assert f"/invoices/{account.soon.pk}.pdf" not in body
    assert client.get(f"/p/{account.token}/invoices/{account.late.pk}.pdf").status_code == 200


def test_htmx_filter_returns_the_partial(client, account):
    response = client.get(account.url + "?status=overdue", headers={"HX-Request": "true"})
    body = response.content.decode()
    assert body.startswith('<form id="answers"')
    assert "<html" not in body


def test_disputed_items_show_their_status(client, account, actor):
    dispute = dispute_open(actor=actor, customer=account.customer, invoices=[account.late], reason="price")
    assert dispute.status == DisputeStatus.OPEN
    assert re.search(r"C-42-LATE.*?badge disputed", client.get(account.url).content.decode(), re.S)


def test_text_from_the_ledger_is_escaped_in_the_rows(client, account):
    from django.core.files.base import ContentFile

    account.late.number = '<img src=x onerror="alert(1)">'
    account.late.save()
    account.late.pdf.save("late.pdf", ContentFile(b"%PDF-1.4"), save=True)
    body = client.get(account.url).content.decode()
    assert "<img src=x" not in body
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in body
