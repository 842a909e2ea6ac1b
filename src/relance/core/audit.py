"""The audit trail: who did what, to which company and customer, with which data.

Every service records one event per state change through `record`. Actors are explicit: a user,
the system (a command, the daily run, an import) or a customer through the portal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from relance.core.batch import insert_instances
from relance.core.models import ActorKind, AuditEvent

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser
    from django.db.models import Model


@dataclass(frozen=True, slots=True)
class Actor:
    kind: str
    label: str
    user: AbstractBaseUser | None = None

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        return cls(kind=ActorKind.SYSTEM, label=label)

    @classmethod
    def for_user(cls, user: AbstractBaseUser) -> Actor:
        return cls(kind=ActorKind.USER, label=user.get_username(), user=user)


def record(
    *,
    actor: Actor,
    code: str,
    company: Model | None = None,
    customer: Model | None = None,
    obj: Model | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    return AuditEvent.objects.create(
        actor_kind=actor.kind,
        actor_label=actor.label[:200],
        actor_user_id=actor.user.pk if actor.user is not None else None,
        code=code,
        company_id=company.pk if company is not None else None,
        customer_id=customer.pk if customer is not None else None,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        data=data or {},
    )


def event(
    *,
    actor: Actor,
    code: str,
    company: Model | None = None,
    customer: Model | None = None,
    obj: Model | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """An unsaved event, for services that record many at once with `record_many`."""
    return AuditEvent(
        actor_kind=actor.kind,
        actor_label=actor.label[:200],
        actor_user_id=actor.user.pk if actor.user is not None else None,
        code=code,
        company_id=company.pk if company is not None else None,
        customer_id=customer.pk if customer is not None else None,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        data=data or {},
    )


def record_many(events: list[AuditEvent]) -> None:
    insert_instances(events, batch_size=1000)
