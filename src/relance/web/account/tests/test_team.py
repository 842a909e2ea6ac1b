"""The team page: an administrator adds, invites, changes and removes members of the current company;
the company always keeps an administrator; other roles and other companies are kept out."""

import re
from urllib.parse import urlparse

import pytest
from django.core import mail

from relance.accounts.models import User
from relance.core.models import AuditEvent
from relance.ledger.models import Membership
from tests.factories import CustomerFactory


@pytest.fixture
def admin_client(client, company, member):
    admin = member(company, "administrator", username="alice")
    client.force_login(admin)
    client.admin = admin
    return client


def membership(user, company):
    return Membership.objects.get(user=user, company=company)


def test_the_team_lists_the_members_of_the_current_company_only(admin_client, company, other_company, member):
    collector = member(company, "collector", username="camille")
    member(other_company, "administrator", username="foreigner")
    CustomerFactory(company=company, collector=collector)
    CustomerFactory(company=company, collector=collector)
    page = admin_client.get("/account/team/").content.decode()
    assert "camille" in page
    assert "alice" in page
    assert "foreigner" not in page
    row = page[page.index('id="member-' + str(membership(collector, company).pk)) :]
    assert '<td class="num">2</td>' in row[: row.index("</tr>")]
    assert "Last administrator" in page  # alice's row has no Remove button


@pytest.mark.parametrize("role", ["collector", "credit_manager", "read_only"])
def test_only_administrators_see_the_team(client, company, member, role):
    client.force_login(member(company, role))
    assert client.get("/account/team/").status_code == 403


def test_every_team_form_is_refused_to_a_read_only_member(client, company, member):
    target = membership(member(company, "collector"), company)
    client.force_login(member(company, "read_only"))
    posts = {
        "/account/team/add/": {"identifier": "x", "role": "collector"},
        "/account/team/invite/": {"first_name": "A", "email": "a@example.test", "language": "en", "role": "collector"},
        f"/account/team/{target.pk}/role/": {"role": "administrator"},
        f"/account/team/{target.pk}/sees-all/": {"sees_all_customers": "on"},
        f"/account/team/{target.pk}/remove/": {},
    }
    for url, data in posts.items():
        assert client.post(url, data).status_code == 403, url
    assert Membership.objects.filter(company=company).count() == 2
    assert not AuditEvent.objects.filter(code__startswith="account.membership").exists()


def test_every_team_form_is_refused_to_a_collector_and_a_credit_manager(client, company, member):
    target = membership(member(company, "collector"), company)
    for role in ("collector", "credit_manager"):
        client.force_login(member(company, role))
        for url in (f"/account/team/{target.pk}/role/", f"/account/team/{target.pk}/remove/", "/account/team/add/"):
            assert client.post(url, {"role": "administrator", "identifier": "x"}).status_code == 403, (role, url)


def test_an_existing_user_is_added_by_username_or_email(admin_client, company, other_company, member):
    bob = member(other_company, "collector", username="bob")
    response = admin_client.post("/account/team/add/", {"identifier": "BOB", "role": "credit_manager"})
    assert response["Location"] == "/account/team/"
    assert membership(bob, company).role == "credit_manager"
    event = AuditEvent.objects.get(code="account.membership.added")
    assert (event.company_id, event.actor_user_id) == (company.pk, admin_client.admin.pk)
    assert event.data == {"user": "bob", "role": "credit_manager", "sees_all_customers": False}

    carol = member(other_company, "collector", username="carol")
    admin_client.post(
        "/account/team/add/", {"identifier": "carol@example.test", "role": "collector", "sees_all_customers": "on"}
    )
    assert membership(carol, company).sees_all_customers is True


def test_adding_an_unknown_or_existing_member_is_a_clear_error(admin_client, company, member):
    response = admin_client.post("/account/team/add/", {"identifier": "ghost", "role": "collector"})
    assert response.status_code == 400
    assert "No user has this username or e-mail" in response.content.decode()
    member(company, "collector", username="camille")
    response = admin_client.post("/account/team/add/", {"identifier": "camille", "role": "collector"})
    assert response.status_code == 400
    assert "camille is already a member of Atelier Durand SAS." in response.content.decode()


def test_a_new_person_is_invited_and_chooses_a_password(admin_client, company):
    response = admin_client.post(
        "/account/team/invite/",
        {
            "first_name": "Denis",
            "last_name": "Roy",
            "email": "denis@example.test",
            "language": "fr",
            "role": "collector",
        },
    )
    assert response["Location"] == "/account/team/"
    denis = User.objects.get(username="denis@example.test")
    assert not denis.has_usable_password()
    assert membership(denis, company).role == "collector"
    assert {e.code for e in AuditEvent.objects.filter(company=company)} == {
        "account.user.invited",
        "account.membership.added",
    }
    message = mail.outbox[0]
    assert message.to == ["denis@example.test"]
    assert message.subject == "Relance : vous êtes invité à travailler sur Atelier Durand SAS"
    assert "alice vous a ajouté à Atelier Durand SAS" in message.body
    assert "Chargé de recouvrement" in message.body
    assert "invited, no password yet" in admin_client.get("/account/team/").content.decode()

    admin_client.logout()
    link = urlparse(re.search(r"https?://\S+/account/password-reset/\S+/", message.body).group(0)).path
    form_page = admin_client.get(link, follow=True)
    admin_client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a-brand-new-long-passphrase", "new_password2": "a-brand-new-long-passphrase"},
    )
    assert (
        admin_client.post(
            "/login/", {"username": "denis@example.test", "password": "a-brand-new-long-passphrase"}
        ).status_code
        == 302
    )


def test_an_invitation_for_a_known_email_or_name_is_refused(admin_client, company, member):
    member(company, "collector", username="camille")
    response = admin_client.post(
        "/account/team/invite/",
        {"first_name": "C", "email": "camille@example.test", "language": "en", "role": "collector"},
    )
    assert response.status_code == 400
    assert "already exists: add them as an existing user" in response.content.decode()
    response = admin_client.post(
        "/account/team/invite/",
        {"first_name": "C", "email": "new@example.test", "username": "Camille", "language": "en", "role": "collector"},
    )
    assert "The username Camille is taken." in response.content.decode()
    assert mail.outbox == []


def test_the_role_is_changed_and_audited(admin_client, company, member):
    camille = membership(member(company, "collector", username="camille"), company)
    response = admin_client.post(f"/account/team/{camille.pk}/role/", {"role": "credit_manager"})
    assert response["Location"] == "/account/team/"
    camille.refresh_from_db()
    assert camille.role == "credit_manager"
    event = AuditEvent.objects.get(code="account.membership.role_changed")
    assert event.data == {"user": "camille", "from": "collector", "to": "credit_manager"}
    assert event.actor_user_id == admin_client.admin.pk
    assert admin_client.post(f"/account/team/{camille.pk}/role/", {"role": "boss"}).status_code == 302
    camille.refresh_from_db()
    assert camille.role == "credit_manager"


def test_seeing_all_customers_is_switched_on_and_off(admin_client, company, member):
    camille = membership(member(company, "collector", username="camille"), company)
    admin_client.post(f"/account/team/{camille.pk}/sees-all/", {"sees_all_customers": "on"})
    camille.refresh_from_db()
    assert camille.sees_all_customers is True
    admin_client.post(f"/account/team/{camille.pk}/sees-all/", {})
    camille.refresh_from_db()
    assert camille.sees_all_customers is False
    assert [
        e.data["sees_all_customers"]
        for e in AuditEvent.objects.filter(code="account.membership.sees_all_changed").order_by("id")
    ] == [True, False]


def test_the_last_administrator_is_never_demoted_or_removed(admin_client, company):
    alice = membership(admin_client.admin, company)
    response = admin_client.post(f"/account/team/{alice.pk}/role/", {"role": "collector"}, follow=True)
    assert "is the last administrator of Atelier Durand SAS" in response.content.decode()
    response = admin_client.post(f"/account/team/{alice.pk}/remove/", follow=True)
    assert "cannot be removed" in response.content.decode()
    alice.refresh_from_db()
    assert alice.role == "administrator"


def test_an_administrator_may_step_down_when_another_remains(admin_client, company, member):
    member(company, "administrator", username="bruno")
    alice = membership(admin_client.admin, company)
    admin_client.post(f"/account/team/{alice.pk}/role/", {"role": "credit_manager"})
    alice.refresh_from_db()
    assert alice.role == "credit_manager"
    assert admin_client.get("/account/team/").status_code == 403  # no longer an administrator


def test_a_member_is_removed_and_their_customers_flagged(admin_client, company, member):
    camille = member(company, "collector", username="camille")
    CustomerFactory(company=company, collector=camille)
    pk = membership(camille, company).pk
    response = admin_client.post(f"/account/team/{pk}/remove/", follow=True)
    page = response.content.decode()
    assert "camille is no longer a member of Atelier Durand SAS." in page
    assert "1 customer is still assigned to camille" in page
    assert not Membership.objects.filter(pk=pk).exists()
    assert User.objects.filter(pk=camille.pk).exists()  # the person and their history stay
    event = AuditEvent.objects.get(code="account.membership.removed")
    assert event.data == {"user": "camille", "role": "collector"}
    assert event.actor_user_id == admin_client.admin.pk


def test_an_administrator_who_removes_themselves_goes_home(admin_client, company, member):
    member(company, "administrator", username="bruno")
    response = admin_client.post(f"/account/team/{membership(admin_client.admin, company).pk}/remove/")
    assert response["Location"] == "/"


def test_another_companys_members_cannot_be_touched(admin_client, company, other_company, member):
    foreign = membership(member(other_company, "collector", username="foreigner"), other_company)
    assert admin_client.post(f"/account/team/{foreign.pk}/role/", {"role": "administrator"}).status_code == 404
    assert admin_client.post(f"/account/team/{foreign.pk}/sees-all/", {"sees_all_customers": "on"}).status_code == 404
    assert admin_client.post(f"/account/team/{foreign.pk}/remove/").status_code == 404
    foreign.refresh_from_db()
    assert (foreign.role, foreign.sees_all_customers) == ("collector", False)


def test_an_administrator_of_one_company_is_not_one_of_another(client, company, other_company, member):
    user = member(company, "administrator")
    Membership.objects.create(user=user, company=other_company, role="collector")
    client.force_login(user)
    client.post("/workspace/company/", {"company": other_company.pk})
    assert client.get("/account/team/").status_code == 403


@pytest.mark.parametrize("extra", [5, 50])
def test_the_team_page_costs_a_fixed_number_of_queries(
    admin_client, company, member, extra, django_assert_max_num_queries
):
    for n in range(extra):
        user = member(company, "collector", username=f"c{n}")
        CustomerFactory(company=company, collector=user)
    with django_assert_max_num_queries(8):
        assert admin_client.get("/account/team/").status_code == 200
