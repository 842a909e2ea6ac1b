"""The page reads the account afresh on every view: nothing of the customer's data is cached.

Each change below (an allocation, a new invoice, a promise, a dispute, an online payment, a PDF,
the contact's details, the collector, the portal settings) shows on the very next view. The page's
plain SQL reads are checked against the ORM's."""

from __future__ import annotations

import datetime as dt
import re

from relance.accounts.models import User
from relance.collection.services.statuses import dispute_open, dispute_resolve, promise_cancel, promise_create
from relance.core.sqlrows import load_one, model_plan
from relance.ledger.models import Company, Contact, Customer
from relance.messaging.links import resolve
from relance.messaging.models import AccessLink
from relance.payments.models import OnlinePayment, OnlinePaymentStatus
from relance.payments.selectors import in_transit_invoice_ids
from relance.portal import views
from relance.portal.models import PortalSettings
from tests.factories import InvoiceFactory, settle


def _row(body: str, number: str) -> str:
    found = re.search(rf"<tr><td>[^\n]*?{re.escape(number)}.*?</tr>", body)
    assert found, number
    return found.group(0)


def test_every_change_of_the_account_shows_on_the_next_view(client, account, actor):
    body = client.get(account.url).content.decode()
    assert "€300.00" in _row(body, "C-42-LATE")
    assert "badge overdue" in _row(body, "C-42-LATE")

    settle(account.late, 10000, dt.date(2026, 3, 1))  # an allocation
    row = _row(client.get(account.url).content.decode(), "C-42-LATE")
    assert "€200.00" in row
    assert "€300.00" not in row

    InvoiceFactory(customer=account.customer, number="C-42-NEW", issue_date=dt.date(2026, 3, 1),
                   due_date=dt.date(2026, 3, 31), amount=4200)  # fmt: skip
    assert "€42.00" in _row(client.get(account.url).content.decode(), "C-42-NEW")

    promise = promise_create(actor=actor, customer=account.customer, invoices=[account.soon],
                             promised_date=dt.date(2026, 3, 20))  # fmt: skip
    assert "badge promised" in _row(client.get(account.url).content.decode(), "C-42-SOON")
    promise_cancel(actor=actor, promise=promise, reason="changed their mind")
    assert "badge not_due" in _row(client.get(account.url).content.decode(), "C-42-SOON")

    dispute = dispute_open(actor=actor, customer=account.customer, invoices=[account.late], reason="price")
    assert "badge disputed" in _row(client.get(account.url).content.decode(), "C-42-LATE")
    dispute_resolve(actor=actor, dispute=dispute, resolution="agreed")
    assert "badge overdue" in _row(client.get(account.url).content.decode(), "C-42-LATE")

    paid = OnlinePayment.objects.create(company=account.customer.company, customer=account.customer,
                                        provider="stripe", amount=20000, currency="EUR",
                                        status=OnlinePaymentStatus.SUCCEEDED)  # fmt: skip
    paid.invoices.set([account.late])
    assert "badge in_transit" in _row(client.get(account.url).content.decode(), "C-42-LATE")
    OnlinePayment.objects.filter(pk=paid.pk).update(status=OnlinePaymentStatus.CONFIRMED)
    assert "badge in_transit" not in _row(client.get(account.url).content.decode(), "C-42-LATE")

    assert ".pdf" not in _row(client.get(account.url).content.decode(), "C-42-SOON")
    account.soon.pdf_url = "https://files.example/soon.pdf"
    account.soon.save()
    assert f"/invoices/{account.soon.pk}.pdf" in _row(client.get(account.url).content.decode(), "C-42-SOON")

    Contact.objects.filter(pk=account.contact.pk).update(name="Bob Payables", phone="+33 9 99")
    body = client.get(account.url).content.decode()
    assert 'value="Bob Payables"' in body
    assert "Alice Payables" not in body

    newcomer = User.objects.create_user("dominique", email="dominique@durand.example", first_name="Dominique")
    Customer.objects.filter(pk=account.customer.pk).update(collector=newcomer)
    body = client.get(account.url).content.decode()
    assert "dominique@durand.example" in body
    assert "Camille Martin" not in body


def test_the_promise_limit_of_the_settings_shows_on_the_next_view(client, account):
    body = client.get(account.url).content.decode()
    assert 'max="2026-05-05"' in body  # 60 days from 2026-03-06
    PortalSettings.objects.update_or_create(company=account.customer.company, defaults={"max_promise_days": 10})
    body = client.get(account.url).content.decode()
    assert 'max="2026-03-16"' in body
    assert 'max="2026-05-05"' not in body


def test_the_link_read_in_plain_sql_equals_the_orms(account, django_assert_num_queries):
    with django_assert_num_queries(1):
        link = resolve(account.token)
    with django_assert_num_queries(0):
        customer, company, contact = link.customer, link.company, link.contact
    orm = AccessLink.objects.select_related("customer", "contact", "company").get(pk=account.link.pk)
    for mine, theirs in ((link, orm), (customer, orm.customer), (company, orm.company), (contact, orm.contact)):
        assert type(mine) is type(theirs)
        for field in theirs._meta.concrete_fields:
            assert getattr(mine, field.attname) == getattr(theirs, field.attname), field.name
            assert type(getattr(mine, field.attname)) is type(getattr(theirs, field.attname)), field.name
        assert not mine._state.adding


def test_a_link_without_contact_resolves_with_none(account):
    AccessLink.objects.filter(pk=account.link.pk).update(contact=None)
    assert resolve(account.token).contact is None


def test_instances_loaded_from_plain_sql_equal_the_orms(account):
    account.customer.company.iban = "FR7630006000011234567890189"
    for model, pk in ((User, account.collector.pk), (Company, account.customer.company_id),
                      (Customer, account.customer.pk), (AccessLink, account.link.pk)):  # fmt: skip
        mine, theirs = load_one(model, "t.id = %s", [pk]), model.objects.get(pk=pk)
        for field in model._meta.concrete_fields:
            assert getattr(mine, field.attname) == getattr(theirs, field.attname), (model, field.name)
            assert type(getattr(mine, field.attname)) is type(getattr(theirs, field.attname)), (model, field.name)
    assert load_one(User, "t.id = %s", [0]) is None
    assert model_plan(User, "t").width == len(User._meta.concrete_fields)


def test_settings_read_in_plain_sql(account):
    company = account.customer.company
    assert PortalSettings.for_company(company).pk is None  # none saved: the defaults
    assert PortalSettings.for_company(company).max_promise_days == 60
    saved = PortalSettings.objects.create(company=company, max_promise_days=15, max_files=2)
    found = PortalSettings.for_company(company)
    assert (found.pk, found.max_promise_days, found.max_files, found.company_id) == (saved.pk, 15, 2, company.pk)


def test_in_transit_reads_only_succeeded_payments_of_the_customer(account, other_account):
    def pay(acc, status):
        paid = OnlinePayment.objects.create(company=acc.customer.company, customer=acc.customer, provider="stripe",
                                            amount=100, currency="EUR", status=status)  # fmt: skip
        paid.invoices.set([acc.late, acc.soon])

    pay(account, OnlinePaymentStatus.SUCCEEDED)
    pay(other_account, OnlinePaymentStatus.SUCCEEDED)
    pay(account, OnlinePaymentStatus.CREATED)
    assert in_transit_invoice_ids(account.customer) == {account.late.pk, account.soon.pk}


def test_amounts_are_escaped_when_a_currency_pattern_would_need_it(monkeypatch):
    assert views._amount_text.__wrapped__("EUR", "en")(-123456) == "-€1,234.56"  # Babel's, nothing to escape
    assert views._amount_text.__wrapped__("EUR", "fr")(123456) == "1\u202f234,56\xa0€"
    monkeypatch.setattr(views, "money_formatter", lambda currency, language: lambda minor: f"<{minor}&>")
    assert views._amount_text.__wrapped__("EUR", "xx")(5) == "&lt;5&amp;&gt;"


def test_the_page_urls_are_those_reverse_gives(account):
    from django.urls import reverse

    urls = views._urls(account.token)
    assert urls["page"] == reverse("portal:page", args=[account.token])
    assert urls["statement_pdf"] == reverse("portal:statement_pdf", args=[account.token])
    assert urls["promise"] == reverse("portal:submit", args=[account.token, "promise"])
    assert urls["invoice_pdf"] + "7.pdf" == reverse("portal:invoice_pdf", args=[account.token, 7])
