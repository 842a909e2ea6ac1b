"""The list pages read a fixed number of queries whatever the number of rows."""

import pytest
from django.urls import reverse

from relance.collection.models import Scenario, ScenarioRule, Step
from relance.ledger.models import Tag
from relance.messaging.models import MessageTemplate

pytestmark = pytest.mark.django_db


def fill(company, rows: int) -> None:
    tag = Tag.objects.create(company=company, name=f"tag{rows}")
    for n in range(rows):
        scenario = Scenario.objects.create(company=company, name=f"S{rows}-{n}")
        Step.objects.create(scenario=scenario, name="call", offset_days=n, channel="call")
        ScenarioRule.objects.create(company=company, scenario=scenario, tag=tag, priority=n)
        for language in ("en", "fr"):
            MessageTemplate.objects.create(company=company, code=f"t{rows}-{n}", channel="email", language=language,
                                           name=f"T{n}", subject="s", body_source="b", body_html="b")  # fmt: skip


@pytest.mark.parametrize("rows", [5, 50])
def test_the_scenario_list_stays_under_a_fixed_number_of_queries(manager, installed, rows,
                                                                 django_assert_max_num_queries):  # fmt: skip
    fill(installed, rows)
    with django_assert_max_num_queries(12):
        response = manager.get(reverse("editors:scenarios"))
    assert response.content.decode().count("<tr") >= 2 * rows


@pytest.mark.parametrize("rows", [5, 50])
def test_the_template_list_stays_under_a_fixed_number_of_queries(manager, installed, rows,
                                                                 django_assert_max_num_queries):  # fmt: skip
    fill(installed, rows)
    with django_assert_max_num_queries(8):
        response = manager.get(reverse("editors:templates"))
    assert response.content.decode().count("<tr") >= rows


@pytest.mark.parametrize("steps", [5, 40])
def test_a_scenario_page_stays_under_a_fixed_number_of_queries(manager, own, steps, django_assert_max_num_queries):
    for n in range(steps):
        Step.objects.create(scenario=own, name=f"call {n}", offset_days=60 + n, channel="call")
    with django_assert_max_num_queries(12):
        manager.get(reverse("editors:scenario", args=[own.pk]))
