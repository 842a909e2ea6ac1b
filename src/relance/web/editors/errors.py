"""Service errors in the UI language: the services name each problem with a stable code."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from relance.core.errors import RelanceError

MESSAGES: dict[str, Promise] = {
    "collection.scenario.builtin": _("A built-in scenario cannot be changed: copy it and edit the copy."),
    "collection.scenario.name_missing": _("A scenario needs a name."),
    "collection.scenario.name_long": _("A scenario name has at most 100 characters."),
    "collection.scenario.name_taken": _("A scenario named “%(name)s” already exists."),
    "collection.scenario.delete_default": _(
        "The default scenario cannot be deleted: make another one the default first."
    ),
    "collection.scenario.delete_rules": _("Assignment rules use this scenario: change or delete them first."),
    "collection.scenario.delete_customers": _(
        "Customers are assigned to this scenario: assign them another one first."
    ),
    "collection.scenario.delete_actions": _("Actions were decided with this scenario: it is kept for their history."),
    "collection.step.name_missing": _("A step needs a name."),
    "collection.step.name_long": _("A step name has at most 100 characters."),
    "collection.step.choice": _("Choose one of the options."),
    "collection.step.offset_range": _("The offset must be between -%(max)s and %(max)s days."),
    "collection.step.broken_promise_twice": _("The scenario already has a step for broken promises."),
    "collection.step.amount_negative": _("An amount condition cannot be negative."),
    "collection.step.wait_range": _("Between 0 and %(max)s days."),
    "collection.step.template_unknown": _("There is no %(channel)s template “%(code)s”."),
    "collection.step.template_missing": _("An e-mail or a letter needs a template."),
    "collection.step.copies_email_only": _("Copies apply to e-mails only."),
    "collection.step.tag_unknown": _("Unknown tag."),
    "collection.step.other_scenario": _("This step belongs to another scenario."),
    "collection.step.move": _(
        "Steps run in the order of their offset: change the offset to move a step to another day."
    ),
    "collection.rule.other_company": _("This rule belongs to another company."),
    "collection.rule.scenario_unknown": _("Unknown scenario."),
    "collection.rule.tag_unknown": _("Unknown tag."),
    "collection.rule.country": _("A country is a two-letter ISO code, e.g. FR."),
    "collection.rule.amount_negative": _("The minimum open amount cannot be negative."),
    "collection.rule.no_condition": _(
        "A rule needs a tag, a country or a minimum open amount (the default scenario covers everyone else)."
    ),
    "collection.rule.priority": _("The priority is a number from 0 to 32767."),
    "collection.email.not_email": _("Only e-mail templates can be sent as a test."),
}


def message_for(error: RelanceError) -> str:
    """The error's message in the UI language (its own English message for codes not listed)."""
    template = MESSAGES.get(error.code)
    if template is None:
        return str(error.message)
    params = getattr(error, "params", None) or {}
    return str(template) % params if params else str(template)
