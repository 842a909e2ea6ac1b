"""In real Chromium: signing in through the form, with and without two-factor authentication (the code
is computed here as the phone would), and setting two-factor up from the profile page.

Screenshots go to pytest's base temporary directory; with RELANCE_SAVE_SCREENSHOTS=1 they also
replace docs/screenshots/workspace-*.png.
"""

from __future__ import annotations

import re

import pytest

from relance.accounts import totp
from relance.accounts.models import TOTPDevice
from relance.ledger.models import Membership
from tests.browser import screenshot
from tests.factories import CustomerFactory

from .conftest import PASSWORD, code_now

pytestmark = pytest.mark.browser


def _sign_in(page, base: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/")
    assert "/login/" in page.url
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


@pytest.mark.django_db(transaction=True)
def test_a_member_signs_in_through_the_form_and_sees_their_account(
    live_server, page, company, other_company, member, tmp_path_factory
):
    artefacts = tmp_path_factory.getbasetemp()
    user = member(company, "administrator", username="camille")
    user.first_name, user.last_name, user.phone = "Camille", "Martin", "+33 1 84 60 12 34"
    user.save()
    Membership.objects.create(user=user, company=other_company, role="collector")
    for username, first, last, role, sees_all in [
        ("bruno", "Bruno", "Lefèvre", "credit_manager", False),
        ("dominique", "Dominique", "Roy", "collector", False),
        ("elise", "Élise", "Garnier", "collector", True),
        ("fabrice", "Fabrice", "Auditeur", "read_only", False),
    ]:
        colleague = member(company, role, username=username, sees_all=sees_all)
        colleague.first_name, colleague.last_name = first, last
        colleague.save()
        if role == "collector":
            for _n in range(3 if sees_all else 5):
                CustomerFactory(company=company, collector=colleague)

    page.goto(f"{live_server.url}/login/")
    screenshot(page, "workspace-login.png", artefacts)

    _sign_in(page, live_server.url, "camille", "not-the-password")
    assert page.get_by_role("alert").inner_text() == "Wrong username or password."

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/agenda/$"))

    page.goto(f"{live_server.url}/account/")
    assert page.get_by_role("heading", name="My account").is_visible()
    assert page.get_by_role("cell", name="Northwind Ltd").is_visible()
    page.get_by_role("button", name="Set up two-factor authentication").click()
    page.wait_for_load_state()
    assert page.get_by_alt_text("QR code to add Relance to your authenticator app").is_visible()
    screenshot(page, "workspace-profile.png", artefacts)

    secret = TOTPDevice.objects.get(user=user).secret
    page.get_by_label("Code shown by the app").fill(code_now(secret))
    page.get_by_role("button", name="Turn on").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Your recovery codes").is_visible()
    assert page.locator("ol.codes li").count() == 10

    page.goto(f"{live_server.url}/account/team/")
    assert page.get_by_role("heading", name="Team of Atelier Durand SAS").is_visible()
    screenshot(page, "workspace-team.png", artefacts)


@pytest.mark.django_db(transaction=True)
def test_a_member_with_two_factor_types_the_code_after_the_password(live_server, page, company, member):
    user = member(company, "collector", username="dominique")
    secret = totp.random_secret()
    TOTPDevice.objects.create(user=user, secret=secret, confirmed_at="2026-01-01T00:00:00Z")

    _sign_in(page, live_server.url, "dominique")
    page.wait_for_url(re.compile(r".*/account/login/code/$"))
    page.goto(f"{live_server.url}/agenda/")  # not signed in yet
    assert "/login/" in page.url

    _sign_in(page, live_server.url, "dominique")
    page.wait_for_url(re.compile(r".*/account/login/code/$"))
    page.get_by_label("Code").fill(code_now(secret))
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url(re.compile(r".*/agenda/$"))
    assert "Atelier Durand SAS" in page.content()
