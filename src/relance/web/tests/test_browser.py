"""In real Chromium: a collector signs in and sees their company (the browser tests' foundation)."""

import pytest

from relance.accounts.models import User
from relance.ledger.models import Membership

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
def test_a_collector_signs_in_in_a_real_browser(live_server, page, company, tmp_path_factory):
    user = User.objects.create_user("camille", password="x-very-long-password")
    Membership.objects.create(user=user, company=company, role="collector")
    page.goto(f"{live_server.url}/")
    assert "/login/" in page.url
    page.get_by_label("Username").fill("camille")
    page.get_by_label("Password").fill("x-very-long-password")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/agenda/")
    assert "Atelier Durand SAS" in page.content()
    page.screenshot(path=str(tmp_path_factory.getbasetemp() / "home.png"))
