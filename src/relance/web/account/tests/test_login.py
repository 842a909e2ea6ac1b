"""Signing in with a password: the right one, a wrong one, too many wrong ones, the language, the trail."""

import pytest
from django.conf import settings

from relance.core.models import AuditEvent

from .conftest import PASSWORD


def sign_in(client, username, password=PASSWORD, **extra):
    return client.post("/login/", {"username": username, "password": password, **extra})


def test_the_sign_in_page_is_the_workspaces_own(client, db):
    page = client.get("/login/").content.decode()
    assert 'for="id_username"' in page
    assert 'for="id_password"' in page
    assert "Forgotten password?" in page
    assert "admin" not in page.lower()  # not the Django admin's look


def test_a_member_signs_in_and_lands_on_the_home_page(client, company, member):
    user = member(company, username="camille")
    response = sign_in(client, "camille", next="/customers/")
    assert response.status_code == 302
    assert response["Location"] == "/customers/"
    assert client.session["_auth_user_id"] == str(user.pk)
    event = AuditEvent.objects.get(code="account.login")
    assert event.actor_user_id == user.pk
    assert event.data == {"ip": "127.0.0.1"}


def test_an_outside_next_address_is_ignored(client, company, member):
    member(company, username="camille")
    response = sign_in(client, "camille", next="https://evil.example/")
    assert response["Location"] == "/"


def test_signing_in_switches_to_the_users_language(client, company, member):
    user = member(company, username="camille")
    user.language = "fr"
    user.save()
    response = sign_in(client, "camille")
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    assert "Clients" in client.get("/agenda/").content.decode()  # the nav, in French


@pytest.mark.parametrize("username", ["camille", "nobody"])
def test_a_wrong_password_or_unknown_name_gets_the_same_clear_message(client, company, member, username):
    member(company, username="camille")
    response = sign_in(client, username, "wrong-password")
    assert response.status_code == 200
    assert "Wrong username or password." in response.content.decode()
    assert "_auth_user_id" not in client.session
    event = AuditEvent.objects.get(code="account.login.failed")
    assert event.actor_user_id is None
    assert event.data == {"username": username, "ip": "127.0.0.1", "reason": "bad_credentials"}
    assert "wrong-password" not in str(event.data)


def test_an_inactive_user_is_refused_like_a_wrong_password(client, company, member):
    user = member(company, username="camille")
    user.is_active = False
    user.save()
    assert "Wrong username or password." in sign_in(client, "camille").content.decode()
    assert "_auth_user_id" not in client.session


def test_five_failures_lock_the_name_at_this_address_even_with_the_right_password(client, company, member):
    member(company, username="camille")
    for _attempt in range(5):
        sign_in(client, "camille", "wrong-password")
    response = sign_in(client, "camille")
    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many failed attempts. Try again in 15 minutes." in page
    assert "Wrong username or password" not in page  # says nothing about the password
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(code="account.login.failed", data__reason="throttled").count() == 1


def test_the_lock_is_per_name_and_address(client, company, member):
    member(company, username="camille")
    member(company, username="dominique")
    for _attempt in range(5):
        sign_in(client, "camille", "wrong-password")
    assert sign_in(client, "dominique").status_code == 302  # another name from the same address


def test_the_lock_does_not_follow_the_name_to_another_address(client, company, member):
    member(company, username="camille")
    for _attempt in range(5):
        client.post("/login/", {"username": "camille", "password": "bad"}, REMOTE_ADDR="10.0.0.1")
    assert (
        client.post("/login/", {"username": "camille", "password": PASSWORD}, REMOTE_ADDR="10.0.0.1").status_code == 429
    )
    assert (
        client.post("/login/", {"username": "camille", "password": PASSWORD}, REMOTE_ADDR="10.0.0.2").status_code == 302
    )


def test_the_lock_ends_after_its_time(client, company, member, settings):
    import time

    settings.RELANCE_LOGIN_LOCKOUT_SECONDS = 1
    member(company, username="camille")
    for _attempt in range(5):
        sign_in(client, "camille", "wrong-password")
    assert sign_in(client, "camille").status_code == 429
    time.sleep(1.2)
    assert sign_in(client, "camille").status_code == 302


def test_one_address_trying_many_names_is_slowed_down_too(client, db, settings):
    settings.RELANCE_LOGIN_MAX_FAILURES_PER_IP = 8
    for n in range(8):
        sign_in(client, f"user{n}", "wrong-password")
    assert sign_in(client, "someone-else", "whatever").status_code == 429


def test_a_right_password_clears_the_failures(client, company, member):
    member(company, username="camille")
    for _attempt in range(4):
        sign_in(client, "camille", "wrong-password")
    assert sign_in(client, "camille").status_code == 302
    client.logout()
    for _attempt in range(4):
        sign_in(client, "camille", "wrong-password")
    assert sign_in(client, "camille").status_code == 302


def test_signing_out_is_on_the_trail(client, company, member):
    user = member(company, username="camille")
    sign_in(client, "camille")
    client.post("/logout/")
    event = AuditEvent.objects.get(code="account.logout")
    assert event.actor_user_id == user.pk


def test_a_signed_in_visitor_of_the_sign_in_page_goes_home(client, company, member):
    client.force_login(member(company))
    assert client.get("/login/")["Location"] == "/"


def test_the_sign_in_page_switches_language(client, db):
    response = client.post("/account/language/", {"language": "fr", "next": "/login/"})
    assert response["Location"] == "/login/"
    assert "Se connecter" in client.get("/login/").content.decode()
    client.post("/account/language/", {"language": "xx", "next": "/login/"})
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"  # unknown languages ignored
