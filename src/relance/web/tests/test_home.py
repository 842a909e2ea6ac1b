"""The home page shows each company the user belongs to, with its aging; nothing of the others."""

import datetime as dt

import time_machine

from relance.accounts.models import User
from relance.ledger.models import Membership
from tests.factories import CustomerFactory, InvoiceFactory


@time_machine.travel(dt.datetime(2026, 3, 31, 10, 0, tzinfo=dt.UTC))
def test_a_member_sees_the_aging_of_their_company_only(client, company, other_company):
    InvoiceFactory(customer=CustomerFactory(company=company), amount=1234_56, due_date=dt.date(2026, 3, 1))
    InvoiceFactory(customer=CustomerFactory(company=other_company), amount=999_99, currency="GBP")
    user = User.objects.create_user("camille", password="x-very-long-password")
    Membership.objects.create(user=user, company=company, role="collector")
    client.force_login(user)
    page = client.get("/").content.decode()
    assert "Atelier Durand SAS" in page
    assert "€1,234.56" in page  # formatted for the reader's language
    assert "Northwind" not in page
    assert "999.99" not in page
    assert "999,99" not in page


def test_anonymous_visitors_are_sent_to_the_login(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_a_collector_signs_in_with_the_workspace_login(client, company):
    user = User.objects.create_user("camille", password="x-very-long-password")
    Membership.objects.create(user=user, company=company, role="collector")
    response = client.post("/login/", {"username": "camille", "password": "x-very-long-password"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert "Atelier Durand SAS" in client.get("/").content.decode()
    wrong = client.post("/login/", {"username": "camille", "password": "nope"})
    assert "Wrong username or password." in wrong.content.decode()


@time_machine.travel(dt.datetime(2026, 3, 31, 10, 0, tzinfo=dt.UTC))
def test_the_page_speaks_french_to_a_french_browser(client, company):
    InvoiceFactory(customer=CustomerFactory(company=company), amount=1234_56, due_date=dt.date(2026, 3, 1))
    user = User.objects.create_superuser("admin", password="x-very-long-password")
    client.force_login(user)
    page = client.get("/", headers={"accept-language": "fr"}).content.decode()
    assert "Balance âgée" in page
    assert "Non échu" in page
    assert "1\u202f234,56\u00a0€" in page


def test_every_french_message_is_translated():
    from pathlib import Path

    from babel.messages.mofile import read_mo
    from babel.messages.pofile import read_po

    import relance

    path = Path(relance.__file__).parent / "locale" / "fr" / "LC_MESSAGES" / "django.po"
    with path.open("rb") as handle:
        catalog = read_po(handle)
    untranslated = [m.id for m in catalog if m.id and (not m.string or m.fuzzy)]
    assert untranslated == []
    with path.with_suffix(".mo").open("rb") as handle:
        compiled = read_mo(handle)
    # The committed .mo must be compiled from the .po as it is (msgfmt or pybabel compile).
    assert {m.id: m.string for m in compiled if m.id} == {m.id: m.string for m in catalog if m.id}
