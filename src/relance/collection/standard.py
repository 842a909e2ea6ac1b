"""The scenarios shipped with Relance. Users copy one and adapt it; the originals stay as reference.

Standard: preventive e-mail 10 days before the due date (were the invoices received and
validated? on which date and by which means will they be paid? are our bank details right?), a
call 3 days before for accounts of 5,000 or more, a courteous e-mail 3 days after, a call at 10
days, a firm e-mail with late-payment penalties at 20, a formal notice letter at 35 (to confirm),
hand-over to litigation at 50 (a task to confirm), and an immediate-payment e-mail as soon as a
promise is broken.

Risky customers: the same path, earlier and tighter (preventive e-mail and call before the due
date whatever the amount, calls sooner, formal notice at 25, litigation at 40).

Public sector: public bodies pay through a mandated accountant within a legal period (30 days in
France, 50 for hospitals): a preventive e-mail checks the invoice reached the right service (and
the Chorus Pro platform), reminders are spaced, there is no litigation hand-over and the formal
notice is replaced by a letter to the public accountant.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from relance.collection.domain.model import Channel, Mode, Trigger
from relance.collection.models import CollectionSettings, Scenario, Step
from relance.core.audit import Actor, record
from relance.ledger.models import Company


@dataclass(frozen=True)
class StepSpec:
    name: str
    offset: int
    channel: Channel
    template: str
    mode: Mode = Mode.AUTO
    min_open: int = 0  # major units of the company's currency
    trigger: Trigger = Trigger.DUE


E, C, L, T = Channel.EMAIL, Channel.CALL, Channel.LETTER, Channel.TASK
BROKEN = StepSpec("Broken promise: immediate payment", 0, E, "broken_promise", trigger=Trigger.BROKEN_PROMISE)

STANDARD_SCENARIOS: dict[str, tuple[str, list[StepSpec]]] = {
    "Standard": (
        "Preventive reminder before the due date, then courteous, firm, formal notice and litigation.",
        [
            StepSpec("Preventive e-mail", -10, E, "preventive"),
            StepSpec("Preventive call", -3, C, "call_preventive", min_open=5000),
            StepSpec("Courteous reminder", 3, E, "overdue_courteous"),
            StepSpec("Reminder call", 10, C, "call_overdue"),
            StepSpec("Firm reminder with penalties", 20, E, "overdue_firm"),
            StepSpec("Formal notice letter", 35, L, "formal_notice", Mode.CONFIRM),
            StepSpec("Hand over to litigation", 50, T, "litigation_handover", Mode.CONFIRM),
            BROKEN,
        ],
    ),
    "Risky customers": (
        "Tighter: preventive e-mail and call whatever the amount, earlier calls and formal notice.",
        [
            StepSpec("Preventive e-mail", -12, E, "preventive"),
            StepSpec("Preventive call", -5, C, "call_preventive"),
            StepSpec("Courteous reminder", 1, E, "overdue_courteous"),
            StepSpec("Reminder call", 5, C, "call_overdue"),
            StepSpec("Firm reminder with penalties", 12, E, "overdue_firm"),
            StepSpec("Formal notice letter", 25, L, "formal_notice", Mode.CONFIRM),
            StepSpec("Hand over to litigation", 40, T, "litigation_handover", Mode.CONFIRM),
            BROKEN,
        ],
    ),
    "Public sector": (
        "Public bodies: check the invoice reached the paying service, spaced reminders, no litigation.",
        [
            StepSpec("Preventive e-mail (service and platform check)", -15, E, "preventive_public"),
            StepSpec("Courteous reminder", 5, E, "overdue_courteous"),
            StepSpec("Call to the paying service", 15, C, "call_overdue"),
            StepSpec("Firm reminder with penalties", 30, E, "overdue_firm"),
            StepSpec("Letter to the public accountant", 45, L, "public_accountant_letter", Mode.CONFIRM),
            BROKEN,
        ],
    ),
}


def _minor(company: Company, major: int) -> int:
    from relance.core.money import currency_exponent

    return major * 10 ** currency_exponent(company.currency)


@transaction.atomic
def scenarios_install_standard(*, company: Company, actor: Actor) -> list[Scenario]:
    """Create the shipped scenarios (once) and the company's collection settings; Standard is the default."""
    CollectionSettings.objects.get_or_create(company=company)
    created = []
    has_default = Scenario.objects.filter(company=company, is_default=True).exists()
    for name, (description, specs) in STANDARD_SCENARIOS.items():
        scenario, is_new = Scenario.objects.get_or_create(
            company=company,
            name=name,
            defaults={
                "description": description,
                "is_builtin": True,
                "is_default": name == "Standard" and not has_default,
            },
        )
        if not is_new:
            continue
        Step.objects.bulk_create(
            Step(
                scenario=scenario,
                order=index,
                name=spec.name,
                trigger=spec.trigger,
                offset_days=spec.offset,
                channel=spec.channel,
                mode=spec.mode,
                template_code=spec.template,
                min_open_minor=_minor(company, spec.min_open),
            )
            for index, spec in enumerate(specs)
        )
        created.append(scenario)
    if created:
        record(
            actor=actor,
            code="collection.scenario.installed",
            company=company,
            data={"scenarios": [s.name for s in created]},
        )
    return created


@transaction.atomic
def scenario_copy(*, scenario: Scenario, name: str, actor: Actor) -> Scenario:
    """A copy the user can edit (steps and their tags included)."""
    copy = Scenario.objects.create(
        company=scenario.company, name=name, description=scenario.description, copied_from=scenario
    )
    for step in scenario.steps.all():
        tags = list(step.tags.all())
        step.pk = None
        step.scenario = copy
        step.save()
        step.tags.set(tags)
    record(
        actor=actor, code="collection.scenario.copied", company=scenario.company, obj=copy, data={"from": scenario.name}
    )
    return copy
