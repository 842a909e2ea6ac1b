"""Editing scenarios, their steps and the rules that assign them (the scenario editor's writes).

    scenario_create(company=c, name="Export", description="", actor=a) -> Scenario
    scenario_copy(scenario=s, name="Standard (ours)", actor=a) -> Scenario
    scenario_update(scenario=s, name=..., description=..., actor=a)
    scenario_set_default(scenario=s, actor=a)
    scenario_delete(scenario=s, actor=a)
    step_save(scenario=s, step=None | existing, data=StepData(...), actor=a) -> Step
    step_delete(step=st, actor=a)
    step_move(step=st, direction=-1 | 1, actor=a)
    rule_save(company=c, rule=None | existing, data=RuleData(...), actor=a) -> ScenarioRule
    rule_delete(rule=r, actor=a)

Built-in scenarios are references: they are never edited, only copied. Every write checks that
what it links (templates, tags, scenarios) belongs to the same company, runs in one transaction
and records an audit event. A refused write raises `ScenarioError` with a stable code and, when
one field is at fault, its name (the editor shows the message beside that field). The daily run
notices any change by itself (see `run._scenario_fingerprint`).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max

from relance.collection import standard
from relance.collection.domain.model import Channel, Mode, Trigger
from relance.collection.models import Action, CustomerScenario, Scenario, ScenarioRule, Step
from relance.core.audit import Actor, record
from relance.core.errors import RelanceError
from relance.ledger.models import Company, Tag
from relance.messaging.models import MessageTemplate

MAX_OFFSET_DAYS = 366  # a step more than a year from the due date is a typing mistake
MAX_WAIT_DAYS = 365


class ScenarioError(RelanceError):
    """`code` names the problem (the editor translates it with `params`), `field` the input at fault."""

    code = "collection.scenario.invalid"

    def __init__(
        self, message: str, *, code: str, field: str | None = None, params: dict[str, object] | None = None
    ) -> None:
        super().__init__(message, code=code)
        self.field = field
        self.params = params or {}


@dataclass(frozen=True)
class StepData:
    name: str
    offset_days: int
    channel: str
    template_code: str = ""
    trigger: str = Trigger.DUE
    mode: str = Mode.AUTO
    min_overdue_minor: int = 0
    min_open_minor: int = 0
    min_days_since_contact: int = 0
    tag_ids: tuple[int, ...] = ()
    cc_buyer: bool = False
    cc_finance: bool = False
    order: int | None = None  # None: after the others


@dataclass(frozen=True)
class RuleData:
    scenario_id: int
    priority: int = 100
    tag_id: int | None = None
    country: str = ""
    min_open_minor: int | None = None


def _editable(scenario: Scenario) -> None:
    if scenario.is_builtin:
        raise ScenarioError(
            "a built-in scenario cannot be changed: copy it and edit the copy", code="collection.scenario.builtin"
        )


def _name(company: Company, name: str, *, exclude: int | None = None) -> str:
    name = " ".join(name.split())
    if not name:
        raise ScenarioError("a scenario needs a name", code="collection.scenario.name_missing", field="name")
    if len(name) > 100:
        raise ScenarioError(
            "a scenario name has at most 100 characters", code="collection.scenario.name_long", field="name"
        )
    taken = Scenario.objects.filter(company=company, name__iexact=name)
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    if taken.exists():
        raise ScenarioError(
            f"a scenario named '{name}' already exists",
            code="collection.scenario.name_taken", field="name", params={"name": name},
        )  # fmt: skip
    return name


@transaction.atomic
def scenario_create(*, company: Company, name: str, description: str = "", actor: Actor) -> Scenario:
    """An empty scenario, to be filled with steps."""
    scenario = Scenario.objects.create(company=company, name=_name(company, name), description=description.strip())
    record(actor=actor, code="collection.scenario.created", company=company, obj=scenario, data={"name": scenario.name})
    return scenario


def scenario_copy(*, scenario: Scenario, name: str, actor: Actor) -> Scenario:
    """An editable copy (steps, conditions and tags included); the usual start from a built-in one."""
    with transaction.atomic():
        return standard.scenario_copy(scenario=scenario, name=_name(scenario.company, name), actor=actor)


@transaction.atomic
def scenario_update(*, scenario: Scenario, name: str, description: str, actor: Actor) -> Scenario:
    _editable(scenario)
    before = {"name": scenario.name, "description": scenario.description}
    scenario.name = _name(scenario.company, name, exclude=scenario.pk)
    scenario.description = description.strip()
    scenario.save(update_fields=["name", "description"])
    record(
        actor=actor, code="collection.scenario.updated", company=scenario.company, obj=scenario,
        data={"before": before, "after": {"name": scenario.name, "description": scenario.description}},
    )  # fmt: skip
    return scenario


@transaction.atomic
def scenario_set_default(*, scenario: Scenario, actor: Actor) -> Scenario:
    """The scenario of every customer no assignment or rule covers (one per company)."""
    company = scenario.company
    previous = Scenario.objects.filter(company=company, is_default=True).exclude(pk=scenario.pk).first()
    if previous is None and scenario.is_default:
        return scenario
    Scenario.objects.filter(company=company, is_default=True).update(is_default=False)
    Scenario.objects.filter(pk=scenario.pk).update(is_default=True)
    scenario.is_default = True
    record(
        actor=actor, code="collection.scenario.default_set", company=company, obj=scenario,
        data={"name": scenario.name, "previous": previous.name if previous else None},
    )  # fmt: skip
    return scenario


@transaction.atomic
def scenario_delete(*, scenario: Scenario, actor: Actor) -> None:
    """Only a scenario nobody uses: not built in, not the default, no rule, no customer, no action."""
    _editable(scenario)
    if scenario.is_default:
        raise ScenarioError(
            "the default scenario cannot be deleted: make another one the default first",
            code="collection.scenario.delete_default",
        )
    if ScenarioRule.objects.filter(scenario=scenario).exists():
        raise ScenarioError(
            "assignment rules use this scenario: change or delete them first", code="collection.scenario.delete_rules"
        )
    if CustomerScenario.objects.filter(scenario=scenario).exists():
        raise ScenarioError(
            "customers are assigned to this scenario: assign them another one first",
            code="collection.scenario.delete_customers",
        )
    if Action.objects.filter(step__scenario=scenario).exists():
        raise ScenarioError(
            "actions were decided with this scenario: it is kept for their history",
            code="collection.scenario.delete_actions",
        )
    name = scenario.name
    record(actor=actor, code="collection.scenario.deleted", company=scenario.company, data={"name": name})
    scenario.delete()


# --- steps ----------------------------------------------------------------------------------


def _check_step(scenario: Scenario, data: StepData, step: Step | None) -> list[Tag]:
    company = scenario.company
    if not data.name.strip():
        raise ScenarioError("a step needs a name", code="collection.step.name_missing", field="name")
    if len(data.name.strip()) > 100:
        raise ScenarioError("a step name has at most 100 characters", code="collection.step.name_long", field="name")
    if data.trigger not in set(Trigger):
        raise ScenarioError(f"unknown trigger '{data.trigger}'", code="collection.step.choice", field="trigger")
    if data.channel not in set(Channel):
        raise ScenarioError(f"unknown channel '{data.channel}'", code="collection.step.choice", field="channel")
    if data.mode not in set(Mode):
        raise ScenarioError(f"unknown mode '{data.mode}'", code="collection.step.choice", field="mode")
    if abs(data.offset_days) > MAX_OFFSET_DAYS:
        raise ScenarioError(
            f"the offset must be between -{MAX_OFFSET_DAYS} and {MAX_OFFSET_DAYS} days",
            code="collection.step.offset_range", field="offset_days", params={"max": MAX_OFFSET_DAYS},
        )  # fmt: skip
    if data.trigger == Trigger.BROKEN_PROMISE:
        others = Step.objects.filter(scenario=scenario, trigger=Trigger.BROKEN_PROMISE)
        if step is not None:
            others = others.exclude(pk=step.pk)
        if others.exists():
            raise ScenarioError(
                "the scenario already has a step for broken promises",
                code="collection.step.broken_promise_twice", field="trigger",
            )  # fmt: skip
    for name in ("min_overdue_minor", "min_open_minor"):
        if getattr(data, name) < 0:
            raise ScenarioError(
                "an amount condition cannot be negative", code="collection.step.amount_negative", field=name
            )
    if not 0 <= data.min_days_since_contact <= MAX_WAIT_DAYS:
        raise ScenarioError(
            f"days since the last contact: between 0 and {MAX_WAIT_DAYS}",
            code="collection.step.wait_range", field="min_days_since_contact", params={"max": MAX_WAIT_DAYS},
        )  # fmt: skip
    if data.template_code:
        exists = MessageTemplate.objects.filter(company=company, code=data.template_code, channel=data.channel)
        if not exists.exists():
            raise ScenarioError(
                f"there is no {data.channel} template '{data.template_code}'",
                code="collection.step.template_unknown", field="template_code",
                params={"channel": data.channel, "code": data.template_code},
            )  # fmt: skip
    elif data.channel in (Channel.EMAIL, Channel.LETTER):
        raise ScenarioError(
            "an e-mail or a letter needs a template", code="collection.step.template_missing", field="template_code"
        )
    if (data.cc_buyer or data.cc_finance) and data.channel != Channel.EMAIL:
        raise ScenarioError("copies apply to e-mails only", code="collection.step.copies_email_only", field="cc_buyer")
    tags = list(Tag.objects.filter(company=company, pk__in=data.tag_ids))
    if len(tags) != len(set(data.tag_ids)):
        raise ScenarioError("unknown tag", code="collection.step.tag_unknown", field="tags")
    return tags


@transaction.atomic
def step_save(*, scenario: Scenario, data: StepData, actor: Actor, step: Step | None = None) -> Step:
    """Add a step to a scenario, or change one of its steps."""
    _editable(scenario)
    if step is not None and step.scenario_id != scenario.pk:
        raise ScenarioError("this step belongs to another scenario", code="collection.step.other_scenario")
    tags = _check_step(scenario, data, step)
    created = step is None
    if step is None:
        top = Step.objects.filter(scenario=scenario).aggregate(top=Max("order"))["top"]
        step = Step(scenario=scenario, order=(top + 1) if top is not None else 0)
    if data.order is not None:
        step.order = data.order
    step.name = data.name.strip()
    step.trigger = data.trigger
    step.offset_days = data.offset_days if data.trigger == Trigger.DUE else 0
    step.channel = data.channel
    step.mode = data.mode
    step.template_code = data.template_code
    step.min_overdue_minor = data.min_overdue_minor
    step.min_open_minor = data.min_open_minor
    step.min_days_since_contact = data.min_days_since_contact
    step.cc_buyer = data.cc_buyer
    step.cc_finance = data.cc_finance
    step.save()
    step.tags.set(tags)
    record(
        actor=actor,
        code="collection.step.created" if created else "collection.step.updated",
        company=scenario.company,
        obj=step,
        data={
            "scenario": scenario.name, "name": step.name, "trigger": step.trigger, "offset_days": step.offset_days,
            "channel": step.channel, "mode": step.mode, "template": step.template_code,
            "min_overdue_minor": step.min_overdue_minor, "min_open_minor": step.min_open_minor,
            "min_days_since_contact": step.min_days_since_contact, "tags": sorted(t.name for t in tags),
            "cc_buyer": step.cc_buyer, "cc_finance": step.cc_finance,
        },
    )  # fmt: skip
    return step


@transaction.atomic
def step_delete(*, step: Step, actor: Actor) -> None:
    """Remove a step. Actions already decided with it keep their label (their step becomes empty)."""
    scenario = step.scenario
    _editable(scenario)
    data = {"scenario": scenario.name, "name": step.name, "offset_days": step.offset_days, "channel": step.channel}
    record(actor=actor, code="collection.step.deleted", company=scenario.company, data=data)
    step.delete()


def ordered_steps(scenario: Scenario) -> list[Step]:
    """The steps in the order the engine weighs them: by due-date offset, ties by `order`; the
    broken-promise step last."""
    steps = list(scenario.steps.all())
    return sorted(steps, key=lambda s: (s.trigger != Trigger.DUE, s.offset_days, s.order, s.pk))


@transaction.atomic
def step_move(*, step: Step, direction: int, actor: Actor) -> Step:
    """Move a step one place up (-1) or down (1) among the steps placed on the same day.

    Steps run by their offset: the order only decides between steps on the same day (which of
    two e-mails is sent, which call comes first). Moving past a step of another day is refused."""
    scenario = step.scenario
    _editable(scenario)
    steps = ordered_steps(scenario)
    index = next(i for i, s in enumerate(steps) if s.pk == step.pk)
    target = index + (1 if direction > 0 else -1)
    neighbour = steps[target] if 0 <= target < len(steps) else None
    if neighbour is None or (neighbour.trigger, neighbour.offset_days) != (step.trigger, step.offset_days):
        raise ScenarioError(
            "steps run in the order of their offset: change the offset to move it", code="collection.step.move"
        )
    # renumber everything so equal orders cannot tie again
    steps[index], steps[target] = steps[target], steps[index]
    for position, item in enumerate(steps):
        if item.order != position:
            item.order = position
            Step.objects.filter(pk=item.pk).update(order=position)
    record(
        actor=actor, code="collection.step.moved", company=scenario.company, obj=step,
        data={"scenario": scenario.name, "name": step.name, "direction": "down" if direction > 0 else "up"},
    )  # fmt: skip
    return step


# --- assignment rules -----------------------------------------------------------------------


@transaction.atomic
def rule_save(*, company: Company, data: RuleData, actor: Actor, rule: ScenarioRule | None = None) -> ScenarioRule:
    """Add or change a rule: customers with this tag / in this country / whose open amount reaches
    the minimum follow this scenario. The rule with the lowest priority number that matches wins."""
    if rule is not None and rule.company_id != company.pk:
        raise ScenarioError("this rule belongs to another company", code="collection.rule.other_company")
    scenario = Scenario.objects.filter(company=company, pk=data.scenario_id).first()
    if scenario is None:
        raise ScenarioError("unknown scenario", code="collection.rule.scenario_unknown", field="scenario")
    tag = None
    if data.tag_id is not None:
        tag = Tag.objects.filter(company=company, pk=data.tag_id).first()
        if tag is None:
            raise ScenarioError("unknown tag", code="collection.rule.tag_unknown", field="tag")
    country = data.country.strip().upper()
    if country and (len(country) != 2 or not country.isalpha()):
        raise ScenarioError(
            "a country is a two-letter ISO code, e.g. FR", code="collection.rule.country", field="country"
        )
    if data.min_open_minor is not None and data.min_open_minor < 0:
        raise ScenarioError(
            "the minimum open amount cannot be negative", code="collection.rule.amount_negative", field="min_open_minor"
        )
    if tag is None and not country and data.min_open_minor is None:
        raise ScenarioError(
            "a rule needs a tag, a country or a minimum open amount (the default scenario covers everyone else)",
            code="collection.rule.no_condition",
        )
    if not 0 <= data.priority <= 32767:
        raise ScenarioError(
            "the priority is a number from 0 to 32767", code="collection.rule.priority", field="priority"
        )
    created = rule is None
    rule = rule or ScenarioRule(company=company)
    rule.scenario = scenario
    rule.priority = data.priority
    rule.tag = tag
    rule.country = country
    rule.min_open_minor = data.min_open_minor
    rule.save()
    record(
        actor=actor, code="collection.rule.created" if created else "collection.rule.updated", company=company,
        obj=rule, data={"scenario": scenario.name, "priority": rule.priority, "tag": tag.name if tag else None,
                        "country": country, "min_open_minor": rule.min_open_minor},
    )  # fmt: skip
    return rule


@transaction.atomic
def rule_delete(*, rule: ScenarioRule, actor: Actor) -> None:
    data = {"scenario": rule.scenario.name, "priority": rule.priority}
    record(actor=actor, code="collection.rule.deleted", company=rule.company, data=data)
    rule.delete()
