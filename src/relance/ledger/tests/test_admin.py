"""The ledger admin on demo data: every page answers, searches find rows, forms validate.

A small demo (40 customers, 300 invoices) gives every model real rows; an import mapping and an
import run are added so their pages have something to show.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db.models import Model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from relance.core.money import Money
from relance.ledger.demo import build_demo
from relance.ledger.models import (
    Allocation,
    Company,
    Contact,
    Customer,
    ImportKind,
    ImportMapping,
    ImportMode,
    ImportRun,
    ImportStatus,
    Invoice,
    InvoiceKind,
    Membership,
    Payment,
    Tag,
)

TODAY = dt.date(2026, 3, 16)

# model, searches that must find at least one row
SEARCHES: list[tuple[type[Model], list[str]]] = [
    (Company, ["Durand", "FR7630006000011234567890189"]),
    (Membership, ["camille", "Northwind"]),
    (Tag, ["risky"]),
    (Customer, ["C00001", "SAS", ".example"]),
    (Contact, ["@", "C00002"]),
    (Invoice, ["FA2026", "AV20", "4500", "C00003"]),
    (Payment, ["PAY-000001", "Règlement"]),
    (Allocation, ["FA20", "PAY-0000"]),
    (ImportMapping, ["Durand"]),
    (ImportRun, ["customers.csv"]),
]


@pytest.fixture(autouse=True)
def demo(db) -> None:
    """Autouse, so that it runs before `admin_client` logs in (the build sets the admin's password)."""
    build_demo(today=TODAY, customers=40, invoices=300)
    company = Company.objects.get(name="Atelier Durand SAS")
    ImportMapping.objects.create(company=company, kind=ImportKind.INVOICES, columns={"number": "N° facture"})
    now = timezone.now()
    ImportRun.objects.create(
        company=company,
        kind=ImportKind.CUSTOMERS,
        mode=ImportMode.SNAPSHOT,
        file_name="customers.csv",
        file_sha256="0" * 64,
        status=ImportStatus.PARTIAL,
        as_of=TODAY,
        actor_label="test",
        started_at=now,
        finished_at=now,
        rows=3,
        created=2,
        error_count=1,
        errors=[{"row": 3, "column": "code", "reason": "empty"}],
    )


def url(model: type[Model], view: str, *args: Any) -> str:
    return reverse(f"admin:ledger_{model._meta.model_name}_{view}", args=args)


def form_data(response: Any) -> dict[str, Any]:
    """The POST data a browser would send back for an admin change form, inlines included."""
    data: dict[str, Any] = {}

    def add(form: Any) -> None:
        for name in form.fields:
            value = form[name].value()
            if value is None or value == "" or value is False:
                continue
            if value is True:
                data[form.add_prefix(name)] = "on"
            elif isinstance(value, list | tuple):
                data[form.add_prefix(name)] = [str(v) for v in value]
            elif hasattr(value, "url") or hasattr(value, "read"):  # files: nothing uploaded
                continue
            else:
                data[form.add_prefix(name)] = str(value)

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        add(formset.management_form)
        for form in formset.forms:
            add(form)
    return data


# --- every page -------------------------------------------------------------------------------


@pytest.mark.parametrize(("model", "searches"), SEARCHES, ids=[m._meta.model_name for m, _ in SEARCHES])
def test_changelist_and_searches(admin_client: Client, model: type[Model], searches: list[str]) -> None:
    response = admin_client.get(url(model, "changelist"))
    assert response.status_code == 200
    for term in searches:
        response = admin_client.get(url(model, "changelist"), {"q": term})
        assert response.status_code == 200, term
        assert response.context["cl"].result_count > 0, f"{model.__name__}: nothing found for {term!r}"
    response = admin_client.get(url(model, "changelist"), {"q": "no-such-thing-anywhere"})
    assert response.status_code == 200
    assert response.context["cl"].result_count == 0


@pytest.mark.parametrize(("model", "searches"), SEARCHES, ids=[m._meta.model_name for m, _ in SEARCHES])
def test_change_and_add_pages(admin_client: Client, model: type[Model], searches: list[str]) -> None:
    del searches
    for obj in model._default_manager.order_by("pk")[:3]:
        response = admin_client.get(url(model, "change", obj.pk))
        assert response.status_code == 200, obj
    response = admin_client.get(url(model, "add"))
    assert response.status_code == (403 if model is ImportRun else 200)


@pytest.mark.parametrize(
    ("model", "limit"),
    [(Customer, 12), (Contact, 10), (Invoice, 12), (Payment, 12), (Allocation, 12), (Membership, 10), (Tag, 10)],
)
def test_changelists_use_a_fixed_number_of_queries(
    admin_client: Client, django_assert_max_num_queries: Any, model: type[Model], limit: int
) -> None:
    with django_assert_max_num_queries(limit):
        response = admin_client.get(url(model, "changelist"))
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) > 1


def test_filters_and_date_hierarchy(admin_client: Client) -> None:
    customer = Customer.objects.get(company__name="Atelier Durand SAS", code="C00001")
    checks = [
        (Customer, {"status__exact": "paused"}),
        (Customer, {"tag": "risky"}),
        (Invoice, {"kind__exact": "credit_note"}),
        (Invoice, {"due_date__year": "2026", "due_date__month": "2"}),
        (Invoice, {"customer__id__exact": str(customer.pk)}),  # the link on the customer page
        (Payment, {"customer__id__exact": str(customer.pk)}),
        (Payment, {"method__exact": "transfer"}),
        (Allocation, {"kind__exact": "credit_note"}),
    ]
    for model, params in checks:
        response = admin_client.get(url(model, "changelist"), params)
        assert response.status_code == 200, params
        assert response.context["cl"].result_count > 0, params


def test_amounts_are_shown_in_major_units(admin_client: Client) -> None:
    invoice = Invoice.objects.filter(currency="EUR").order_by("due_date", "number").first()
    response = admin_client.get(url(Invoice, "changelist"))
    assert Money(invoice.amount, "EUR").format("en") in response.content.decode()
    response = admin_client.get(url(Invoice, "change", invoice.pk))
    assert response.context["adminform"].form.initial["amount"] == Money(invoice.amount, "EUR").amount


# --- forms --------------------------------------------------------------------------------------


def test_company_form_rejects_an_invalid_iban(admin_client: Client) -> None:
    company = Company.objects.get(name="Atelier Durand SAS")
    change = url(Company, "change", company.pk)
    data = form_data(admin_client.get(change))
    data["iban"] = "FR76 3000 6000 0112 3456 7890 180"  # wrong check digits

    response = admin_client.post(change, data)

    assert response.status_code == 200
    assert "iban" in response.context["adminform"].form.errors
    company.refresh_from_db()
    assert company.iban == "FR7630006000011234567890189"

    data["iban"] = "GB29 NWBK 6016 1331 9268 19"
    response = admin_client.post(change, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    company.refresh_from_db()
    assert company.iban == "GB29NWBK60161331926819"  # stored without spaces


def test_company_add_form_rejects_an_invalid_iban(admin_client: Client) -> None:
    add = url(Company, "add")
    data = form_data(admin_client.get(add))
    data.update(
        name="Acme SAS",
        country="FR",
        currency="EUR",
        timezone="Europe/Paris",
        language="fr",
        default_payment_terms_days="30",
        iban="FR00 1234",
    )
    response = admin_client.post(add, data)
    assert response.status_code == 200
    assert "iban" in response.context["adminform"].form.errors
    assert not Company.objects.filter(name="Acme SAS").exists()


def test_invoice_amount_is_edited_in_major_units(admin_client: Client) -> None:
    invoice = Invoice.objects.filter(kind=InvoiceKind.INVOICE, currency="EUR").order_by("number").first()
    change = url(Invoice, "change", invoice.pk)
    data = form_data(admin_client.get(change))
    assert Decimal(data["amount"]) == Money(invoice.amount, "EUR").amount

    data["amount"] = "1234.567"
    response = admin_client.post(change, data)
    assert response.status_code == 200
    assert "amount" in response.context["adminform"].form.errors

    data["amount"] = "1234.56"
    response = admin_client.post(change, data)
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.amount == 123456


def test_invoice_form_refuses_a_customer_of_another_company(admin_client: Client) -> None:
    invoice = Invoice.objects.filter(company__name="Atelier Durand SAS").order_by("number").first()
    stranger = Customer.objects.filter(company__name="Northwind Components Ltd").first()
    change = url(Invoice, "change", invoice.pk)
    data = form_data(admin_client.get(change))
    data["customer"] = str(stranger.pk)
    response = admin_client.post(change, data)
    assert response.status_code == 200
    assert "customer" in response.context["adminform"].form.errors


def test_contact_added_on_the_customer_page_belongs_to_its_company(admin_client: Client) -> None:
    customer = Customer.objects.get(company__name="Northwind Components Ltd", code="C00001")
    change = url(Customer, "change", customer.pk)
    data = form_data(admin_client.get(change))
    index = int(data["contacts-TOTAL_FORMS"])
    data["contacts-TOTAL_FORMS"] = str(index + 1)
    data[f"contacts-{index}-name"] = "New Person"
    data[f"contacts-{index}-email"] = "new.person@customer.example"
    data[f"contacts-{index}-is_accounts_payable"] = "on"

    response = admin_client.post(change, data)

    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    contact = Contact.objects.get(email="new.person@customer.example")
    assert contact.customer == customer
    assert contact.company_id == customer.company_id


def test_credit_note_autocomplete_offers_credit_notes_only(admin_client: Client) -> None:
    params = {"app_label": "ledger", "model_name": "allocation", "field_name": "credit_note", "term": "20"}
    response = admin_client.get(reverse("admin:autocomplete"), params)
    assert response.status_code == 200
    ids = [int(result["id"]) for result in response.json()["results"]]
    assert ids
    assert set(Invoice.objects.filter(pk__in=ids).values_list("kind", flat=True)) == {InvoiceKind.CREDIT_NOTE}


def test_import_runs_cannot_be_edited(admin_client: Client) -> None:
    run = ImportRun.objects.get()
    change = url(ImportRun, "change", run.pk)
    response = admin_client.get(change)
    assert response.status_code == 200  # view only
    assert "empty" in response.content.decode()  # the error list is shown
    response = admin_client.post(change, {"file_name": "renamed.csv"})
    assert response.status_code == 403
    assert admin_client.post(url(ImportRun, "delete", run.pk), {"post": "yes"}).status_code == 403
    assert admin_client.post(url(ImportRun, "add"), {}).status_code == 403
    run.refresh_from_db()
    assert run.file_name == "customers.csv"
