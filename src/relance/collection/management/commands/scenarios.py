"""relance scenarios: list a company's scenarios, install the standard ones, copy one."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from relance.collection.models import Scenario
from relance.collection.standard import scenario_copy, scenarios_install_standard
from relance.core.audit import Actor
from relance.ledger.management.commands._company import add_company_argument, resolve_company


class Command(BaseCommand):
    help = "List scenarios and their steps; --install-standard adds the shipped ones; --copy NAME --to NEW copies."

    def add_arguments(self, parser: CommandParser) -> None:
        add_company_argument(parser)
        parser.add_argument("--install-standard", action="store_true")
        parser.add_argument("--copy", metavar="NAME")
        parser.add_argument("--to", metavar="NEW_NAME")

    def handle(self, *args: object, **options: object) -> None:
        company = resolve_company(options["company"])  # type: ignore[arg-type]
        actor = Actor.system("relance scenarios")
        if options["install_standard"]:
            created = scenarios_install_standard(company=company, actor=actor)
            self.stdout.write(f"installed: {', '.join(s.name for s in created) or 'nothing new'}")
        if options["copy"]:
            source = Scenario.objects.filter(company=company, name=options["copy"]).first()
            if source is None or not options["to"]:
                raise CommandError("--copy needs an existing scenario name and --to NEW_NAME")
            scenario_copy(scenario=source, name=str(options["to"]), actor=actor)
        for scenario in Scenario.objects.filter(company=company).prefetch_related("steps"):
            flags = [f for f, on in (("default", scenario.is_default), ("built in", scenario.is_builtin)) if on]
            self.stdout.write(f"{scenario.name}" + (f" ({', '.join(flags)})" if flags else ""))
            for step in sorted(scenario.steps.all(), key=lambda s: (s.trigger != "due", s.offset_days)):
                when = "when a promise is broken" if step.trigger == "broken_promise" else f"D{step.offset_days:+d}"
                self.stdout.write(f"  {when:25} {step.channel:6} {step.mode:8} {step.name} [{step.template_code}]")
