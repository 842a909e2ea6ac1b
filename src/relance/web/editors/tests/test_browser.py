"""In real Chromium: a credit manager edits a template and watches its preview follow, then edits a
scenario step and reads the calendar it gives a customer.

Screenshots go to pytest's base temporary directory; with RELANCE_SAVE_SCREENSHOTS=1 they also
replace docs/screenshots/workspace-template-editor.png and workspace-scenario-editor.png.
"""

from __future__ import annotations

import datetime as dt

import pytest

from relance.accounts.models import User
from relance.collection.models import Scenario
from relance.collection.services.scenarios import scenario_copy
from relance.collection.standard import scenarios_install_standard
from relance.core.audit import Actor
from relance.ledger.models import Membership
from relance.ledger.selectors import company_today
from relance.messaging.services import templates_install_defaults
from tests.browser import screenshot, use_session_of
from tests.factories import CustomerFactory, InvoiceFactory

pytestmark = pytest.mark.browser


def _sign_in(page, live_server, company) -> User:
    user = User.objects.create_user("claire", password="x-very-long-password", first_name="Claire",
                                    last_name="Petit", email="claire@durand.example")  # fmt: skip
    Membership.objects.create(user=user, company=company, role="credit_manager")
    use_session_of(page, live_server, user)
    return user


@pytest.fixture
def setup(company):
    actor = Actor.system("test")
    company.language = "en"
    company.save()
    scenarios_install_standard(company=company, actor=actor)
    templates_install_defaults(company=company, actor=actor)
    customer = CustomerFactory(company=company, code="C-42", name="Dupont & Fils", language="en")
    today = company_today(company)
    InvoiceFactory(customer=customer, number="F-2026-0107", issue_date=today - dt.timedelta(days=20),
                   due_date=today + dt.timedelta(days=12), amount=864200)  # fmt: skip
    InvoiceFactory(customer=customer, number="F-2026-0098", issue_date=today - dt.timedelta(days=45),
                   due_date=today - dt.timedelta(days=4), amount=125000)  # fmt: skip
    return company, customer, today


@pytest.mark.django_db(transaction=True)
def test_edit_a_template_and_preview_it(live_server, page, setup, tmp_path_factory):
    company, _customer, _today = setup
    _sign_in(page, live_server, company)
    page.set_viewport_size({"width": 1440, "height": 1000})
    page.goto(f"{live_server.url}/editors/templates/")
    page.get_by_role("link", name="Courteous reminder").first.click()
    page.wait_for_url("**/editors/templates/email/overdue_courteous/")
    frame = page.frame_locator("#preview-en iframe")
    frame.locator("body").wait_for()

    body = page.locator("#id_en_body_source")
    body.click()
    body.press("Control+Home")
    body.type("Urgent note for ")
    page.locator("button.hashtag[data-insert='#customer_name']").click()
    body.type(". ")
    # the preview follows what is typed, with sample data
    frame.locator("text=Urgent note for Blue Harbour Trading Ltd").wait_for()

    # then with the account of a real customer
    page.locator("#customer-search").fill("Dupont")
    page.get_by_role("button", name="C-42 · Dupont & Fils").click()
    frame.locator("text=Urgent note for Dupont & Fils").wait_for()
    assert "F-2026-0098" in frame.locator("body").inner_text()
    page.locator("#preview-en").get_by_text("With the account of Dupont & Fils (C-42)").wait_for()

    # an unknown hashtag is named in the preview before anything is saved
    body.press("End")
    body.type(" #not_a_tag")
    page.locator("#preview-en").get_by_text("Unknown hashtags: #not_a_tag").wait_for()
    for _ in range(len(" #not_a_tag")):
        body.press("Backspace")
    frame.locator("text=Urgent note for Dupont & Fils").wait_for()
    page.locator("#variant-fr iframe").wait_for()  # French beside English
    page.locator("#variant-en").get_by_role("button", name="Save", exact=True).click()
    page.get_by_text("Template saved (EN).").wait_for()
    screenshot(page, "workspace-template-editor.png", tmp_path_factory.getbasetemp())


@pytest.mark.django_db(transaction=True)
def test_edit_a_scenario_step_and_see_its_calendar(live_server, page, setup, tmp_path_factory):
    company, _customer, today = setup
    standard = Scenario.objects.get(company=company, name="Standard")
    own = scenario_copy(scenario=standard, name="Standard (ours)", actor=Actor.system("test"))
    _sign_in(page, live_server, company)
    page.set_viewport_size({"width": 1440, "height": 1000})
    page.goto(f"{live_server.url}/editors/scenarios/{own.pk}/")

    # the preview first: the customer's calendar under the copy as shipped
    page.locator("#customer-search").fill("C-42")
    page.get_by_role("button", name="C-42 · Dupont & Fils").click()
    page.locator("#calendar .month").first.wait_for()

    # move the preventive call from D-3 to D-5, for every amount
    row = page.locator("tr[data-step='Preventive call']")
    row.get_by_role("link", name="Edit").click()
    form = page.get_by_role("form", name="Edit the step")
    form.get_by_label("Offset (days)").fill("-5")
    form.get_by_label("Min. open (EUR)").fill("")
    form.get_by_label("Name").fill("Early preventive call")
    form.get_by_role("button", name="Save the step").click()
    page.locator("tr[data-step='Early preventive call']").wait_for()

    # the calendar refreshes by itself and shows the call five days before the due date
    due = today + dt.timedelta(days=12)
    call_day = due - dt.timedelta(days=5)
    from relance.collection.domain.calendar import BusinessCalendar

    call_day = BusinessCalendar(company.country).next_business_day(call_day)
    cell = page.locator(f"#calendar td[data-date='{call_day.isoformat()}']")
    cell.get_by_text("Early preventive call").wait_for()
    assert "F-2026-0107" in cell.inner_text()
    screenshot(page, "workspace-scenario-editor.png", tmp_path_factory.getbasetemp())

    page.get_by_role("link", name="List").click()
    page.locator("table.plan-list").get_by_text("Early preventive call").first.wait_for()
