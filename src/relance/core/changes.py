"""Saving a settings row: only the fields that changed, checked, with one audit event naming them.

    changed = fields_update(instance=row, values={"from_name": "Durand"}, actor=a, code="x.settings.updated",
                            company=c)

The event's data lists the changed field names and, for each, the value before and after (as
text) unless the field is in `secret` (then only its name is recorded). Nothing is written and no
event recorded when no value changed (a settings row never saved keeps its defaults). Model
validation (`full_clean`) runs before saving, so a caller that skipped a form still cannot store
an invalid IBAN or time zone.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from django.db import transaction
from django.db.models import Model

from relance.core.audit import Actor, record


def _text(value: Any) -> str:
    if value is None:
        return ""
    name = getattr(value, "name", None)  # files: their stored name
    if name is not None and not isinstance(value, str):
        return str(name or "")
    return str(value)


def fields_update(
    *,
    instance: Model,
    values: Mapping[str, Any],
    actor: Actor,
    code: str,
    company: Model | None = None,
    secret: Collection[str] = (),
    exclude_from_validation: Collection[str] = (),
) -> list[str]:
    """Set `values` on `instance`, validate, save and record one event. Returns the changed names."""
    changed = [name for name, value in values.items() if getattr(instance, name) != value]
    if not changed:
        return []
    before = {name: _text(getattr(instance, name)) for name in changed}
    for name in changed:
        setattr(instance, name, values[name])
    instance.full_clean(exclude=list(exclude_from_validation) or None)
    with transaction.atomic():
        if instance.pk is None:
            instance.save()
        else:
            instance.save(update_fields=changed)
        data: dict[str, Any] = {
            "fields": changed,
            "changes": {name: [before[name], _text(getattr(instance, name))] for name in changed if name not in secret},
        }
        record(actor=actor, code=code, company=company, obj=instance, data=data)
    return changed
