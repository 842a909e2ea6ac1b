"""The profile page: one's details and language, the companies and roles; personal changes are open to
read-only members (they touch no company data)."""

from django.conf import settings

from relance.core.models import AuditEvent
from relance.ledger.models import Membership


def test_the_profile_shows_the_companies_and_roles(client, company, other_company, member):
    user = member(company, "credit_manager", username="camille")
    Membership.objects.create(user=user, company=other_company, role="collector")
    client.force_login(user)
    page = client.get("/account/").content.decode()
    assert "Atelier Durand SAS" in page
    assert "Northwind Ltd" in page
    assert "Credit manager" in page
    assert "Collector" in page
    assert "My portfolio" in page
    assert 'aria-current="page"' not in page or "account" in page
    assert "Team of this company" not in page  # not an administrator


def test_an_administrator_finds_the_team_from_the_profile(client, company, member):
    client.force_login(member(company, "administrator"))
    assert "/account/team/" in client.get("/account/").content.decode()


def test_details_are_saved_and_the_language_follows(client, company, member):
    user = member(company, username="camille")
    client.force_login(user)
    response = client.post(
        "/account/details/",
        {
            "first_name": "Camille",
            "last_name": "Martin",
            "email": "c.martin@example.test",
            "phone": "+33 1 23 45 67 89",
            "language": "fr",
        },
    )
    assert response["Location"] == "/account/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    user.refresh_from_db()
    assert (user.first_name, user.last_name, user.email, user.phone, user.language) == (
        "Camille",
        "Martin",
        "c.martin@example.test",
        "+33 1 23 45 67 89",
        "fr",
    )
    page = client.get("/account/").content.decode()
    assert "Mon compte" in page
    event = AuditEvent.objects.get(code="account.profile.updated")
    assert event.data == {"fields": ["email", "first_name", "language", "last_name", "phone"]}
    assert event.actor_user_id == user.pk


def test_an_email_of_another_user_is_refused(client, company, member):
    member(company, username="dominique")
    client.force_login(member(company, username="camille"))
    response = client.post("/account/details/", {"email": "DOMINIQUE@example.test", "language": "en"})
    assert response.status_code == 400
    assert "Another user already has this e-mail address." in response.content.decode()


def test_a_missing_email_is_a_clear_error(client, company, member):
    client.force_login(member(company))
    response = client.post("/account/details/", {"email": "", "language": "en"})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()


def test_a_read_only_member_may_change_their_own_account(client, company, member):
    user = member(company, "read_only", username="auditor")
    client.force_login(user)
    assert client.post("/account/details/", {"email": "auditor@example.test", "language": "fr"}).status_code == 302
    assert client.post("/account/two-factor/start/").status_code == 302
    page = client.get("/account/").content.decode()
    assert "data:image/svg+xml" in page


def test_the_profile_needs_a_signed_in_user(client, db):
    assert client.get("/account/")["Location"].startswith("/login/")
    assert client.post("/account/details/", {})["Location"].startswith("/login/")


def test_a_user_without_company_can_still_manage_their_password(client, db):
    from relance.accounts.models import User

    client.force_login(User.objects.create_user("lost", email="lost@example.test", password="x-very-long-password"))
    page = client.get("/account/").content.decode()
    assert "You do not belong to any company yet" in page
    assert "Change the password" in page
