"""Passwords: reset by e-mail (in the user's language, a link that works once) and change on the profile."""

import re
from urllib.parse import urlparse

from django.core import mail

from relance.core.models import AuditEvent

from .conftest import PASSWORD

NEW_PASSWORD = "a-brand-new-long-passphrase"


def reset_link(message) -> str:
    found = re.search(r"https?://[^\s]+/account/password-reset/[^\s]+/", message.body)
    assert found, message.body
    return urlparse(found.group(0)).path


def test_a_forgotten_password_is_reset_through_the_emailed_link(client, company, member, settings):
    settings.RELANCE_BASE_URL = "https://relance.example"
    user = member(company, username="camille")
    page = client.get("/account/password-reset/").content.decode()
    assert 'for="id_email"' in page
    response = client.post("/account/password-reset/", {"email": "CAMILLE@example.test"})
    assert response["Location"] == "/account/password-reset/sent/"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["camille@example.test"]
    assert message.subject == "Relance: choose a new password"
    assert "https://relance.example/account/password-reset/" in message.body  # never the Host header
    assert "Your username: camille" in message.body

    link = reset_link(message)
    form_page = client.get(link, follow=True)
    assert "Choose a password" in form_page.content.decode()
    done = client.post(form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done["Location"] == "/account/password-reset/done/"
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    event = AuditEvent.objects.get(code="account.password.reset")
    assert event.actor_user_id == user.pk

    again = client.get(link, follow=True).content.decode()
    assert "This link does not work any more" in again
    assert client.post("/login/", {"username": "camille", "password": NEW_PASSWORD}).status_code == 302


def test_the_reset_email_is_in_the_users_language(client, company, member):
    user = member(company, username="camille")
    user.language = "fr"
    user.save()
    client.post("/account/password-reset/", {"email": "camille@example.test"})
    message = mail.outbox[0]
    assert message.subject == "Relance : choisissez un nouveau mot de passe"
    assert "Votre identifiant : camille" in message.body


def test_an_unknown_address_gets_the_same_answer_and_no_email(client, db):
    response = client.post("/account/password-reset/", {"email": "nobody@example.test"})
    assert response["Location"] == "/account/password-reset/sent/"
    assert mail.outbox == []


def test_reset_emails_are_limited_per_address(client, company, member):
    member(company, username="camille")
    for _attempt in range(5):
        response = client.post("/account/password-reset/", {"email": "camille@example.test"})
        assert response["Location"] == "/account/password-reset/sent/"
    assert len(mail.outbox) == 3


def test_a_bad_new_password_is_refused_with_reasons(client, company, member):
    member(company, username="camille")
    client.post("/account/password-reset/", {"email": "camille@example.test"})
    form_page = client.get(reset_link(mail.outbox[0]), follow=True)
    response = client.post(form_page.redirect_chain[-1][0], {"new_password1": "short", "new_password2": "short"})
    assert response.status_code == 200
    assert "too short" in response.content.decode()


def test_a_password_reset_does_not_skip_two_factor(client, company, member, with_totp):
    user = member(company, username="camille")
    with_totp(user)
    client.post("/account/password-reset/", {"email": "camille@example.test"})
    form_page = client.get(reset_link(mail.outbox[0]), follow=True)
    client.post(form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert "_auth_user_id" not in client.session
    response = client.post("/login/", {"username": "camille", "password": NEW_PASSWORD})
    assert response["Location"] == "/account/login/code/"


def test_a_member_changes_their_password_on_the_profile(client, company, member):
    user = member(company, username="camille")
    client.force_login(user)
    wrong = client.post(
        "/account/password/",
        {"old_password": "not-it", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert wrong.status_code == 400
    assert "Your old password was entered incorrectly" in wrong.content.decode()
    response = client.post(
        "/account/password/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response["Location"] == "/account/"
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert client.get("/account/").status_code == 200  # still signed in here
    assert AuditEvent.objects.get(code="account.password.changed").actor_user_id == user.pk


def test_a_password_change_signs_out_the_other_sessions(client, company, member):
    from django.test import Client

    user = member(company, username="camille")
    elsewhere = Client()
    elsewhere.force_login(user)
    client.force_login(user)
    client.post(
        "/account/password/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert elsewhere.get("/account/").status_code == 302
