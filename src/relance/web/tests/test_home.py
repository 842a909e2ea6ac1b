"""The workspace frame: sign-in required, the home page is the agenda, company switching, and the
central rules (read-only members change nothing; one company never sees another's customers)."""

import pytest

from relance.web.access import resolve_workspace
from tests.factories import CustomerFactory


def test_anonymous_visitors_are_sent_to_the_login(client, db):
    for url in ("/", "/agenda/", "/customers/", "/dashboard/", "/editors/", "/settings/", "/import/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/login/"), url


def test_the_home_page_is_the_agenda(client, company, member):
    client.force_login(member(company))
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/agenda/"
    page = client.get("/agenda/").content.decode()
    assert "Atelier Durand SAS" in page


def test_a_user_without_company_gets_a_clear_page(client, db):
    from relance.accounts.models import User

    client.force_login(User.objects.create_user("lost", password="x-very-long-password"))
    response = client.get("/agenda/")
    assert response.status_code == 403
    assert "do not belong to any company" in response.content.decode()


def test_a_member_switches_between_their_companies_only(client, company, other_company, member, db):
    from relance.ledger.models import Company, Membership

    user = member(company)
    Membership.objects.create(user=user, company=other_company, role="read_only")
    third = Company.objects.create(name="Foreign SA", country="FR", currency="EUR", timezone="Europe/Paris")
    client.force_login(user)
    assert "Atelier Durand SAS" in client.get("/agenda/").content.decode()
    client.post("/workspace/company/", {"company": other_company.pk, "next": "/agenda/"})
    page = client.get("/agenda/").content.decode()
    assert "Read-only" in page
    assert "Northwind Ltd" in page
    client.post("/workspace/company/", {"company": third.pk})
    assert client.session["relance_company_id"] == other_company.pk  # unchanged


def test_a_read_only_member_cannot_post_anything(client, company, member):
    client.force_login(member(company, "read_only"))
    assert client.get("/agenda/").status_code == 200
    assert client.post("/agenda/", {}).status_code == 403


def test_management_pages_are_refused_to_collectors(client, company, member):
    client.force_login(member(company, "collector"))
    for url in ("/editors/", "/editors/templates/", "/import/", "/settings/"):
        assert client.get(url).status_code == 403, url


@pytest.mark.parametrize(
    ("role", "sees_all", "expected"),
    [
        ("collector", False, {"mine"}),
        ("collector", True, {"mine", "theirs"}),
        ("credit_manager", False, {"mine", "theirs"}),
    ],
)
def test_portfolio_rules(rf, company, other_company, member, role, sees_all, expected):
    user = member(company, role, sees_all=sees_all)
    CustomerFactory(company=company, name="mine", collector=user)
    CustomerFactory(company=company, name="theirs")
    CustomerFactory(company=other_company, name="foreign", collector=user)
    request = rf.get("/")
    request.user = user
    request.session = {}
    ws = resolve_workspace(request)
    assert {c.name for c in ws.customers(all_customers=True)} == expected
    assert "foreign" not in {c.name for c in ws.customers(all_customers=True)}
