"""In real Chromium: a credit manager imports a file with an error (sees the row error), then the
corrected file (sees the result). The screenshot is kept with the test artefacts and, with
RELANCE_SAVE_SCREENSHOTS=1, replaces docs/screenshots/workspace-import.png."""

from __future__ import annotations

import pytest

from relance.accounts.models import User
from relance.ledger.models import Invoice, Membership
from relance.web.imports.tests.test_imports import BAD_INVOICES, GOOD_INVOICES
from tests.browser import screenshot, use_session_of
from tests.factories import CustomerFactory

pytestmark = pytest.mark.browser


def _sign_in(page, live_server, company) -> None:
    user = User.objects.create_user("claire", password="x-very-long-password", first_name="Claire")
    Membership.objects.create(user=user, company=company, role="credit_manager")
    use_session_of(page, live_server, user)


@pytest.mark.django_db(transaction=True)
def test_a_file_with_an_error_then_the_corrected_file(live_server, page, company, tmp_path, tmp_path_factory):
    company.language = "en"
    company.save()
    CustomerFactory(company=company, code="C-1", name="Dupont & Fils")
    CustomerFactory(company=company, code="C-2", name="Martin SARL")
    bad, good = tmp_path / "invoices-march.csv", tmp_path / "invoices-march-fixed.csv"
    bad.write_text(BAD_INVOICES, encoding="utf-8")
    good.write_text(GOOD_INVOICES, encoding="utf-8")
    _sign_in(page, live_server, company)

    page.goto(f"{live_server.url}/import/")
    page.get_by_label("What the file holds").select_option("invoices")
    page.get_by_label("File (CSV or Excel)").set_input_files(str(bad))
    page.get_by_role("button", name="Upload").click()
    page.wait_for_selector("text=Check the file")
    assert page.get_by_label("Issue date").input_value() == "Invoice date"  # detected from the header
    page.get_by_role("button", name="Check the file").click()
    errors = page.get_by_role("table", name="Row errors")
    errors.wait_for()
    assert "The check found 2 errors" in page.content()
    assert "unknown customer code 'NOPE'" in errors.inner_text()
    assert "4\tCustomer" in errors.inner_text()
    screenshot(page, "workspace-import.png", tmp_path_factory.getbasetemp())
    assert not Invoice.objects.exists()

    page.goto(f"{live_server.url}/import/")
    page.get_by_label("File (CSV or Excel)").set_input_files(str(good))
    page.get_by_role("button", name="Upload").click()
    page.get_by_role("button", name="Import", exact=True).click()
    page.wait_for_selector("h2:has-text('Imported')")
    assert "rows read" in page.content()
    assert Invoice.objects.filter(company=company).count() == 4
    page.get_by_role("link", name="See this import in the history").click()
    page.wait_for_selector("text=invoices-march-fixed.csv")
    page.goto(f"{live_server.url}/import/")
    history = page.locator("section", has=page.get_by_role("heading", name="History"))
    assert "invoices-march-fixed.csv" in history.inner_text()
    assert "invoices-march.csv" not in history.inner_text()  # the check was not an import
