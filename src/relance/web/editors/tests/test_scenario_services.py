"""The scenario services: built-in scenarios are references, edits are checked and audited."""

import datetime as dt

import pytest

from relance.collection.models import Scenario, ScenarioRule, Step
from relance.collection.selectors import plan_ahead
from relance.collection.services.scenarios import (
    RuleData,
    ScenarioError,
    StepData,
    ordered_steps,
    rule_save,
    scenario_copy,
    scenario_delete,
    scenario_set_default,
    step_delete,
    step_move,
    step_save,
)
from relance.core.audit import Actor
from relance.core.models import AuditEvent
from relance.ledger.models import Tag
from tests.factories import CustomerFactory, InvoiceFactory

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("test")


def test_a_copy_has_every_step_and_condition_and_is_editable(standard):
    copy = scenario_copy(scenario=standard, name="Standard (ours)", actor=ACTOR)
    assert not copy.is_builtin
    assert copy.copied_from == standard
    original = [(s.name, s.offset_days, s.channel, s.min_open_minor) for s in ordered_steps(standard)]
    assert [(s.name, s.offset_days, s.channel, s.min_open_minor) for s in ordered_steps(copy)] == original
    assert AuditEvent.objects.filter(code="collection.scenario.copied").exists()


def test_a_copy_needs_a_free_name(standard):
    with pytest.raises(ScenarioError) as error:
        scenario_copy(scenario=standard, name="  standard ", actor=ACTOR)
    assert error.value.code == "collection.scenario.name_taken"
    assert error.value.field == "name"


def test_a_builtin_scenario_is_never_edited(standard):
    step = standard.steps.first()
    data = StepData(name="X", offset_days=1, channel="call")
    with pytest.raises(ScenarioError, match="built-in"):
        step_save(scenario=standard, step=step, data=data, actor=ACTOR)
    with pytest.raises(ScenarioError):
        step_save(scenario=standard, data=data, actor=ACTOR)
    with pytest.raises(ScenarioError):
        step_delete(step=step, actor=ACTOR)
    with pytest.raises(ScenarioError):
        scenario_delete(scenario=standard, actor=ACTOR)
    assert Step.objects.get(pk=step.pk).name == step.name


def test_step_checks_name_the_field_at_fault(own):
    cases = [
        (StepData(name=" ", offset_days=1, channel="call"), "name"),
        (StepData(name="X", offset_days=500, channel="call"), "offset_days"),
        (StepData(name="X", offset_days=1, channel="email", template_code="nope"), "template_code"),
        (StepData(name="X", offset_days=1, channel="email"), "template_code"),
        (StepData(name="X", offset_days=1, channel="letter", template_code="preventive"), "template_code"),
        (StepData(name="X", offset_days=1, channel="call", cc_buyer=True), "cc_buyer"),
        (StepData(name="X", offset_days=1, channel="call", min_open_minor=-1), "min_open_minor"),
        (StepData(name="X", offset_days=0, channel="email", template_code="broken_promise",
                  trigger="broken_promise"), "trigger"),  # Standard already has one
    ]  # fmt: skip
    for data, field in cases:
        with pytest.raises(ScenarioError) as error:
            step_save(scenario=own, data=data, actor=ACTOR)
        assert error.value.field == field, data


def test_a_step_of_another_companys_tag_is_refused(own, other_company):
    foreign = Tag.objects.create(company=other_company, name="vip")
    with pytest.raises(ScenarioError, match="tag"):
        step_save(scenario=own, data=StepData(name="X", offset_days=1, channel="call", tag_ids=(foreign.pk,)),
                  actor=ACTOR)  # fmt: skip


def test_moving_a_step_only_reorders_steps_of_the_same_day(own):
    first = step_save(scenario=own, data=StepData(name="Call A", offset_days=10, channel="call"), actor=ACTOR)
    second = step_save(scenario=own, data=StepData(name="Call B", offset_days=10, channel="call"), actor=ACTOR)
    day = [s.name for s in ordered_steps(own) if s.offset_days == 10]
    assert day == ["Reminder call", "Call A", "Call B"]
    step_move(step=second, direction=-1, actor=ACTOR)
    assert [s.name for s in ordered_steps(own) if s.offset_days == 10] == ["Reminder call", "Call B", "Call A"]
    courteous = next(s for s in ordered_steps(own) if s.offset_days == 3)
    with pytest.raises(ScenarioError, match="offset"):
        step_move(step=courteous, direction=1, actor=ACTOR)  # the next step is another day
    assert first.pk


def test_default_is_one_per_company(standard, own):
    scenario_set_default(scenario=own, actor=ACTOR)
    assert list(Scenario.objects.filter(company=own.company, is_default=True)) == [own]
    with pytest.raises(ScenarioError, match="default"):
        scenario_delete(scenario=own, actor=ACTOR)


def test_rules_need_a_condition_and_the_companys_own_objects(installed, own, other_company):
    with pytest.raises(ScenarioError, match="needs a tag"):
        rule_save(company=installed, data=RuleData(scenario_id=own.pk), actor=ACTOR)
    with pytest.raises(ScenarioError) as error:
        rule_save(company=installed, data=RuleData(scenario_id=own.pk, country="France"), actor=ACTOR)
    assert error.value.field == "country"
    foreign = Scenario.objects.create(company=other_company, name="Theirs")
    with pytest.raises(ScenarioError, match="unknown scenario"):
        rule_save(company=installed, data=RuleData(scenario_id=foreign.pk, country="FR"), actor=ACTOR)
    rule = rule_save(company=installed, data=RuleData(scenario_id=own.pk, country="be", priority=5), actor=ACTOR)
    assert (rule.country, rule.priority, rule.scenario) == ("BE", 5, own)
    with pytest.raises(ScenarioError, match="rules use"):
        scenario_delete(scenario=own, actor=ACTOR)
    assert ScenarioRule.objects.count() == 1


def test_plan_ahead_previews_a_scenario_the_customer_is_not_on(installed, own):
    """The customer follows Standard; the preview of a copy with an extra call shows that call."""
    customer = CustomerFactory(company=installed)
    InvoiceFactory(customer=customer, issue_date=dt.date(2026, 3, 1), due_date=dt.date(2026, 3, 31), amount=80000)
    step_save(scenario=own, data=StepData(name="Early call", offset_days=-7, channel="call"), actor=ACTOR)
    start = dt.date(2026, 3, 16)  # a Monday, 15 days before the due date
    usual = plan_ahead(company=installed, start=start, days=30, customer=customer)
    preview = plan_ahead(company=installed, start=start, days=30, customer=customer, scenario=own)
    assert "Early call" not in [p.decision.step.name for p in usual]
    calls = [p for p in preview if p.decision.step.name == "Early call"]
    assert [c.date for c in calls] == [dt.date(2026, 3, 24)]
    assert {p.decision.step.id for p in preview} <= {s.pk for s in own.steps.all()}


def test_plan_ahead_refuses_another_companys_scenario(installed, other_company):
    theirs = Scenario.objects.create(company=other_company, name="Theirs")
    with pytest.raises(ValueError, match="company"):
        plan_ahead(company=installed, start=dt.date(2026, 3, 16), days=5, scenario=theirs)
