"""Who may use the editors: administrators and credit managers; a read-only member or a collector is
refused (403) on every page and every form; another company's objects are 404."""

import pytest
from django.urls import reverse

from relance.collection.models import Scenario, ScenarioRule, Step
from relance.collection.standard import scenarios_install_standard
from relance.core.audit import Actor
from relance.messaging.models import MessageTemplate
from relance.messaging.services import templates_install_defaults
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def objects(own, installed):
    step = own.steps.first()
    rule = ScenarioRule.objects.create(company=installed, scenario=own, country="BE")
    return {"s": own.pk, "step": step.pk, "rule": rule.pk}


def post_urls(o):
    s, st, r = o["s"], o["step"], o["rule"]
    tpl = ("email", "preventive")
    return [
        reverse("editors:scenario_new"),
        reverse("editors:scenario_edit", args=[s]),
        reverse("editors:scenario_copy", args=[s]),
        reverse("editors:scenario_default", args=[s]),
        reverse("editors:scenario_delete", args=[s]),
        reverse("editors:step_add", args=[s]),
        reverse("editors:step_edit", args=[s, st]),
        reverse("editors:step_delete", args=[s, st]),
        reverse("editors:step_move", args=[s, st]),
        reverse("editors:rule_new"),
        reverse("editors:rule_edit", args=[r]),
        reverse("editors:rule_delete", args=[r]),
        reverse("editors:template_new"),
        reverse("editors:template", args=tpl),
        reverse("editors:template_preview", args=tpl),
        reverse("editors:template_variant", args=tpl),
        reverse("editors:template_reset", args=tpl),
        reverse("editors:template_test", args=tpl),
    ]


def get_urls(o):
    s = o["s"]
    return [
        reverse("editors:scenarios"),
        reverse("editors:scenario", args=[s]),
        reverse("editors:steps", args=[s]),
        reverse("editors:calendar", args=[s]),
        reverse("editors:customer_search") + "?q=a",
        reverse("editors:templates"),
        reverse("editors:template", args=["email", "preventive"]),
    ]


@pytest.mark.parametrize("role", ["read_only", "collector"])
def test_read_only_members_and_collectors_are_refused_every_form_and_page(login, installed, objects, role):
    client = login(installed, role)
    steps = Step.objects.count()
    for url in post_urls(objects):
        assert client.post(url, {"name": "x", "language": "en"}).status_code == 403, url
    for url in get_urls(objects):
        assert client.get(url).status_code == 403, url
    assert Step.objects.count() == steps
    assert Scenario.objects.get(pk=objects["s"]).name == "Ours"


def test_the_nav_shows_the_editors_to_managers_only(login, installed):
    assert "/editors/templates/" in login(installed, "administrator").get(reverse("editors:scenarios")).content.decode()
    agenda = login(installed, "read_only").get(reverse("agenda:index"))
    assert "/editors/" not in agenda.content.decode()


def test_another_companys_scenarios_steps_rules_and_templates_are_404(manager, other_company):
    actor = Actor.system("test")
    scenarios_install_standard(company=other_company, actor=actor)
    templates_install_defaults(company=other_company, actor=actor)
    theirs = Scenario.objects.get(company=other_company, name="Standard")
    theirs.is_builtin = False
    theirs.save()
    step = theirs.steps.first()
    rule = ScenarioRule.objects.create(company=other_company, scenario=theirs, country="GB")
    MessageTemplate.objects.create(company=other_company, code="their_own", channel="email", language="en",
                                   name="Theirs", subject="s", body_source="b", body_html="b")  # fmt: skip
    for url in [
        reverse("editors:scenario", args=[theirs.pk]),
        reverse("editors:calendar", args=[theirs.pk]),
        reverse("editors:template", args=["email", "their_own"]),
    ]:
        assert manager.get(url).status_code == 404, url
    for url in [
        reverse("editors:scenario_edit", args=[theirs.pk]),
        reverse("editors:scenario_copy", args=[theirs.pk]),
        reverse("editors:scenario_default", args=[theirs.pk]),
        reverse("editors:scenario_delete", args=[theirs.pk]),
        reverse("editors:step_add", args=[theirs.pk]),
        reverse("editors:step_edit", args=[theirs.pk, step.pk]),
        reverse("editors:step_delete", args=[theirs.pk, step.pk]),
        reverse("editors:step_move", args=[theirs.pk, step.pk]),
        reverse("editors:rule_edit", args=[rule.pk]),
        reverse("editors:rule_delete", args=[rule.pk]),
    ]:
        assert manager.post(url, {"name": "Stolen", "direction": "up"}).status_code == 404, url
    theirs.refresh_from_db()
    assert theirs.name == "Standard"
    assert theirs.is_default is not False
    assert Step.objects.filter(pk=step.pk).exists()
    assert ScenarioRule.objects.filter(pk=rule.pk).exists()


def test_another_companys_customer_is_neither_found_nor_previewed(manager, other_company):
    theirs = CustomerFactory(company=other_company, name="Northwind Buyer")
    assert "Northwind" not in manager.get(reverse("editors:customer_search"), {"q": "North"}).content.decode()
    preview = reverse("editors:template_preview", args=["email", "preventive"])
    response = manager.post(preview, {"language": "en", "subject": "x", "body_source": "y", "customer": theirs.pk})
    assert response.status_code == 404
    test = reverse("editors:template_test", args=["email", "preventive"])
    response = manager.post(test, {"language": "en", "to": "a@b.test", "customer": theirs.pk})
    assert response.status_code == 404
