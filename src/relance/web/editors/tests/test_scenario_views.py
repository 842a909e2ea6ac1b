"""The scenario editor as a credit manager uses it: copy, edit steps in place, rules, the calendar."""

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from relance.collection.models import Scenario, ScenarioRule, Step
from relance.collection.selectors import plan_ahead
from relance.core.models import AuditEvent
from relance.ledger.models import Tag
from tests.factories import CustomerFactory, InvoiceFactory

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


def step_post(**changes):
    data = {
        "name": "Second call", "trigger": "due", "offset_days": "15", "channel": "call",
        "template_code": "call_overdue", "mode": "confirm", "min_overdue_minor": "1 234,56",
        "min_open_minor": "", "min_days_since_contact": "5",
    }  # fmt: skip
    data.update(changes)
    return data


def test_the_list_shows_every_scenario_with_builtin_ones_read_only(manager, standard):
    page = manager.get(reverse("editors:scenarios")).content.decode()
    for name in ("Standard", "Risky customers", "Public sector"):
        assert name in page
    assert "built in, read-only" in page
    assert page.count(">Copy</button>") == 3


def test_copy_from_the_list_opens_the_copy(manager, standard):
    response = manager.post(reverse("editors:scenario_copy", args=[standard.pk]), {"name": "Ours", "next": "list"})
    copy = Scenario.objects.get(company=standard.company, name="Ours")
    assert response.status_code == 302
    assert response["Location"] == reverse("editors:scenario", args=[copy.pk])
    assert copy.steps.count() == standard.steps.count()
    event = AuditEvent.objects.get(code="collection.scenario.copied")
    assert event.actor_label.startswith("credit_manager")


def test_a_builtin_scenario_shows_no_edit_button_and_refuses_edits(manager, standard):
    page = manager.get(reverse("editors:scenario", args=[standard.pk])).content.decode()
    assert "Copy this scenario" in page
    assert "Add a step" not in page
    assert ">Edit</a>" not in page
    step = standard.steps.get(name="Courteous reminder")
    response = manager.post(reverse("editors:step_edit", args=[standard.pk, step.pk]), step_post(), **HX)
    assert "A built-in scenario cannot be changed" in response.content.decode()
    assert Step.objects.get(pk=step.pk).offset_days == 3


def test_add_a_step_with_htmx_parses_the_amount_exactly(manager, own):
    form = manager.get(reverse("editors:step_add", args=[own.pk]), **HX)
    assert 'name="min_overdue_minor"' in form.content.decode()
    response = manager.post(reverse("editors:step_add", args=[own.pk]), step_post(), **HX)
    assert response.status_code == 200
    assert response["HX-Trigger"] == "steps-changed"
    step = own.steps.get(name="Second call")
    assert (step.offset_days, step.channel, step.mode, step.template_code) == (15, "call", "confirm", "call_overdue")
    assert step.min_overdue_minor == 123456
    assert step.min_days_since_contact == 5
    html = response.content.decode()
    assert 'id="steps"' in html
    assert "Second call" in html
    assert "1,234.56" in html


def test_edit_a_step_with_tags_and_copies(manager, own):
    vip = Tag.objects.create(company=own.company, name="vip")
    step = own.steps.get(name="Courteous reminder")
    editing = manager.get(reverse("editors:step_edit", args=[own.pk, step.pk]), **HX).content.decode()
    assert 'value="Courteous reminder"' in editing
    response = manager.post(
        reverse("editors:step_edit", args=[own.pk, step.pk]),
        step_post(name="Courteous e-mail", offset_days="4", channel="email", template_code="overdue_courteous",
                  mode="auto", min_overdue_minor="1234.56", tags=[vip.pk], cc_buyer="on"),
        **HX,
    )  # fmt: skip
    step.refresh_from_db()
    assert (step.name, step.offset_days, step.min_overdue_minor, step.cc_buyer) == ("Courteous e-mail", 4, 123456, True)
    assert list(step.tags.all()) == [vip]
    assert "vip" in response.content.decode()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"min_overdue_minor": "12,3456"}, "At most 2 decimals"),  # never rounded
        ({"min_overdue_minor": "abc"}, "is not an amount"),
        ({"offset_days": "400"}, "less than or equal to 366"),
        ({"channel": "email", "template_code": ""}, "An e-mail or a letter needs a template."),
        ({"channel": "letter", "template_code": "call_overdue"}, "There is no letter template"),
        ({"name": ""}, "This field is required."),
    ],
)
def test_validation_errors_are_shown_in_the_form_and_nothing_is_saved(manager, own, changes, message):
    count = own.steps.count()
    response = manager.post(reverse("editors:step_add", args=[own.pk]), step_post(**changes), **HX)
    html = response.content.decode()
    assert message in html
    assert 'class="errorlist"' in html
    assert own.steps.count() == count


def test_without_javascript_an_invalid_step_rerenders_the_page(manager, own):
    response = manager.post(reverse("editors:step_add", args=[own.pk]), step_post(offset_days="x"))
    assert response.status_code == 400
    assert "Enter a whole number." in response.content.decode()
    response = manager.post(reverse("editors:step_add", args=[own.pk]), step_post())
    assert response.status_code == 302


def test_remove_and_reorder_steps(manager, own):
    step = own.steps.get(name="Reminder call")
    response = manager.post(reverse("editors:step_delete", args=[own.pk, step.pk]), **HX)
    assert "Reminder call" not in response.content.decode()
    assert not Step.objects.filter(pk=step.pk).exists()
    manager.post(reverse("editors:step_add", args=[own.pk]), step_post(name="Call A", offset_days="20"), **HX)
    manager.post(reverse("editors:step_add", args=[own.pk]), step_post(name="Call B", offset_days="20"), **HX)
    b = own.steps.get(name="Call B")
    response = manager.post(reverse("editors:step_move", args=[own.pk, b.pk]), {"direction": "up"}, **HX)
    html = response.content.decode()
    assert html.index("Call B") < html.index("Call A")
    firm = own.steps.get(name="Firm reminder with penalties")
    refused = manager.post(reverse("editors:step_move", args=[own.pk, firm.pk]), {"direction": "up"}, **HX)
    assert "change the offset" in refused.content.decode()


def test_rename_and_set_default(manager, own, standard):
    response = manager.post(reverse("editors:scenario_edit", args=[own.pk]), {"name": "Risky customers"})
    assert response.status_code == 400
    assert "already exists" in response.content.decode()
    manager.post(reverse("editors:scenario_edit", args=[own.pk]), {"name": "Export", "description": "Abroad"})
    manager.post(reverse("editors:scenario_default", args=[own.pk]))
    own.refresh_from_db()
    standard.refresh_from_db()
    assert (own.name, own.is_default, standard.is_default) == ("Export", True, False)


def test_rules_are_added_edited_and_deleted(manager, own):
    tag = Tag.objects.create(company=own.company, name="export")
    url = reverse("editors:rule_new")
    refused = manager.post(url, {"new-priority": "10", "new-scenario": own.pk})
    assert refused.status_code == 400
    assert "A rule needs a tag" in refused.content.decode()
    manager.post(url, {"new-priority": "10", "new-scenario": own.pk, "new-tag": tag.pk,
                       "new-min_open_minor": "10 000,00"})  # fmt: skip
    rule = ScenarioRule.objects.get(company=own.company)
    assert (rule.tag, rule.min_open_minor, rule.priority) == (tag, 1000000, 10)
    page = manager.get(reverse("editors:scenarios")).content.decode()
    assert "export" in page
    assert "10,000.00" in page
    bad = manager.post(reverse("editors:rule_edit", args=[rule.pk]),
                       {f"rule{rule.pk}-priority": "1", f"rule{rule.pk}-scenario": own.pk,
                        f"rule{rule.pk}-country": "FRA"})  # fmt: skip
    assert "Ensure this value has at most 2 characters" in bad.content.decode()
    prefix = f"rule{rule.pk}"
    manager.post(
        reverse("editors:rule_edit", args=[rule.pk]),
        {f"{prefix}-priority": "1", f"{prefix}-scenario": own.pk, f"{prefix}-country": "de"},
    )
    rule.refresh_from_db()
    assert (rule.priority, rule.country, rule.tag) == (1, "DE", None)
    manager.post(reverse("editors:rule_delete", args=[rule.pk]))
    assert not ScenarioRule.objects.exists()


def test_customer_search_finds_by_code_or_name(manager, installed):
    CustomerFactory(company=installed, code="DUP-1", name="Dupont & Fils")
    CustomerFactory(company=installed, code="X-2", name="Martin SA")
    html = manager.get(reverse("editors:customer_search"), {"q": "dup"}).content.decode()
    assert "Dupont &amp; Fils" in html
    assert "Martin" not in html


@time_machine.travel(dt.datetime(2026, 3, 16, 9, 0, tzinfo=dt.UTC))
def test_the_calendar_shows_what_plan_ahead_plans_on_the_same_days(manager, own):
    """A customer with one invoice due on 31 March; the copy has an extra early call on D-7."""
    company = own.company
    customer = CustomerFactory(company=company, code="C-42", name="Dupont")
    InvoiceFactory(customer=customer, number="F-0107", issue_date=dt.date(2026, 3, 1),
                   due_date=dt.date(2026, 3, 31), amount=800000)  # fmt: skip
    manager.post(reverse("editors:step_add", args=[own.pk]),
                 step_post(name="Early call", offset_days="-7", template_code="call_preventive",
                           min_overdue_minor="", min_days_since_contact="0"))  # fmt: skip
    expected = plan_ahead(company=company, start=dt.date(2026, 3, 16), days=60, customer=customer, scenario=own)
    assert len(expected) >= 4

    url = reverse("editors:calendar", args=[own.pk])
    grid = manager.get(url, {"customer": customer.pk}, **HX).content.decode()
    for planned in expected:
        cell = re.search(rf'data-date="{planned.date.isoformat()}">(.*?)</td>', grid, re.S)
        assert cell is not None, planned.date
        assert planned.decision.step.name in cell.group(1)
        assert "F-0107" in cell.group(1)
    assert re.search(r'data-date="2026-03-24">.*?Early call', grid, re.S)

    listing = manager.get(url, {"customer": customer.pk, "view": "list"}, **HX).content.decode()
    rows = re.findall(r'<tr data-date="([\d-]+)">.*?</td><td>.*?</td><td>[^<]*· ([^<]*)</td>', listing, re.S)
    assert rows == [(p.date.isoformat(), p.decision.step.name) for p in expected]


def test_the_calendar_of_another_companys_customer_is_404(manager, own, other_company):
    theirs = CustomerFactory(company=other_company)
    response = manager.get(reverse("editors:calendar", args=[own.pk]), {"customer": theirs.pk}, **HX)
    assert response.status_code == 404
