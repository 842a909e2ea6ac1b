"""The company's collection settings: when the daily run starts, when e-mails may leave, how long
promises run, and the pause switch. One audit event per save naming what changed."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from relance.collection.models import CollectionSettings
from relance.core.audit import Actor
from relance.core.changes import fields_update
from relance.ledger.models import Company

EDITABLE = frozenset({"run_time", "send_window_start", "send_window_end", "promise_grace_days", "promise_max_days",
                      "paused"})  # fmt: skip


def collection_settings_for(company: Company) -> CollectionSettings:
    """The company's settings row (unsaved defaults when it has none yet)."""
    return CollectionSettings.objects.filter(company=company).first() or CollectionSettings(company=company)


def collection_settings_update(*, company: Company, values: dict[str, object], actor: Actor) -> list[str]:
    """Save the given settings; ValidationError when the send window ends before it starts or the
    grace period is longer than the longest promise."""
    unknown = set(values) - EDITABLE
    if unknown:
        raise ValueError(f"not editable here: {', '.join(sorted(unknown))}")
    row = collection_settings_for(company)
    start = values.get("send_window_start", row.send_window_start)
    end = values.get("send_window_end", row.send_window_end)
    if start >= end:  # type: ignore[operator]
        raise ValidationError({"send_window_end": "The send window must end after it starts."})
    grace = values.get("promise_grace_days", row.promise_grace_days)
    longest = values.get("promise_max_days", row.promise_max_days)
    if not longest or int(longest) < 1:  # type: ignore[call-overload]
        raise ValidationError({"promise_max_days": "A promise must be allowed at least one day."})
    if int(grace) > int(longest):  # type: ignore[call-overload]
        raise ValidationError({"promise_grace_days": "The grace period cannot be longer than the longest promise."})
    return fields_update(instance=row, values=values, actor=actor, code="collection.settings.updated", company=company)
