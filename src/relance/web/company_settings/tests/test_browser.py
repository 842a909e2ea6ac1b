"""In real Chromium: an administrator changes the bank account (a wrong IBAN first), uploads a
logo and sends a test e-mail. The screenshot is kept with the test artefacts and, with
RELANCE_SAVE_SCREENSHOTS=1, replaces docs/screenshots/workspace-settings.png."""

from __future__ import annotations

import pytest

from relance.accounts.models import User
from relance.ledger.models import Company, Membership
from relance.web.company_settings.tests.test_settings import image_bytes
from tests.browser import screenshot, use_session_of

pytestmark = pytest.mark.browser


def _sign_in(page, live_server, company) -> None:
    user = User.objects.create_user("ada", password="x-very-long-password", email="ada@durand.example")
    Membership.objects.create(user=user, company=company, role="administrator")
    use_session_of(page, live_server, user)


@pytest.mark.django_db(transaction=True)
def test_the_administrator_sets_the_bank_account_logo_and_checks_the_mail(
    live_server, page, company, smtp_server, tmp_path, tmp_path_factory
):
    company.language, company.legal_name = "en", "Atelier Durand SAS"
    company.address_line1, company.postal_code, company.city = "12 rue des Tanneurs", "69002", "Lyon"
    company.email, company.phone = "compta@durand.example", "+33 4 72 00 00 00"
    company.save()
    _sign_in(page, live_server, company)
    page.goto(f"{live_server.url}/settings/")

    page.get_by_label("IBAN").fill("FR76 3000 6000 0112 3456 7890 188")
    page.get_by_role("button", name="Save bank account").click()
    assert "is not a valid IBAN" in page.locator("#id_iban_error").inner_text()
    page.get_by_label("IBAN").fill("FR76 3000 6000 0112 3456 7890 189")
    page.get_by_role("button", name="Save bank account").click()
    page.wait_for_selector("text=Saved")
    assert Company.objects.get(pk=company.pk).bic == "AGRIFRPPXXX"

    logo = tmp_path / "logo.png"
    logo.write_bytes(image_bytes(size=(360, 120)))
    page.get_by_label("Logo (PNG or JPEG)").set_input_files(str(logo))
    page.get_by_role("button", name="Save logo").click()
    page.wait_for_selector("text=Logo saved.")
    # The image is fetched after the page: wait until it has loaded (a busy machine takes its time).
    page.wait_for_function(
        "() => { const i = document.querySelector('img[alt=\"Company logo\"]'); return i && i.complete; }"
    )
    assert page.get_by_alt_text("Company logo").evaluate("img => img.naturalWidth") == 360

    page.get_by_role("button", name="Send a test e-mail").click()
    page.wait_for_selector("text=the mail server accepted it")
    assert smtp_server.received[0][1] == ["ada@durand.example"]
    screenshot(page, "workspace-settings.png", tmp_path_factory.getbasetemp())
