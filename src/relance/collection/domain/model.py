"""Value objects the engine reads and writes. Plain frozen dataclasses: no ORM, easy to build in tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property


class Channel(StrEnum):
    EMAIL = "email"
    CALL = "call"
    LETTER = "letter"
    TASK = "task"


class Family(StrEnum):
    """At most one action per customer, day and family: one outbound message, one call, one task."""

    MESSAGE = "message"
    CALL = "call"
    TASK = "task"


FAMILY_OF = {Channel.EMAIL: Family.MESSAGE, Channel.LETTER: Family.MESSAGE, Channel.CALL: Family.CALL,
             Channel.TASK: Family.TASK}  # fmt: skip


class Mode(StrEnum):
    AUTO = "auto"
    CONFIRM = "confirm"


class Trigger(StrEnum):
    DUE = "due"  # placed relative to the due date
    BROKEN_PROMISE = "broken_promise"  # fired once when a promise is found broken


@dataclass(frozen=True, slots=True)
class StepRule:
    id: int
    name: str
    offset_days: int  # relative to the due date; negative = preventive
    channel: Channel
    mode: Mode = Mode.AUTO
    template: str = ""
    trigger: Trigger = Trigger.DUE
    min_overdue_minor: int = 0  # the account's overdue amount (in the item's currency) must reach it
    min_open_minor: int = 0  # the account's open amount (overdue + not due) must reach it
    min_days_since_contact: int = 0  # wait until the last contact is at least this old
    tags: frozenset[str] = frozenset()  # only customers with one of these tags (empty: all)
    order: int = 0
    # Derived once (the engine asks for them for every item): the family and the label ("D+3").
    family: Family = field(init=False, repr=False, compare=False)
    label: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "family", FAMILY_OF[self.channel])
        label = f"D{self.offset_days:+d}" if self.trigger == Trigger.DUE else "broken promise"
        object.__setattr__(self, "label", label)

    @property
    def has_conditions(self) -> bool:
        """Conditions that may pass the step over (tags, account amounts)."""
        return bool(self.tags or self.min_overdue_minor or self.min_open_minor)


@dataclass(frozen=True)
class ScenarioRules:
    id: int
    name: str
    steps: tuple[StepRule, ...]

    @cached_property  # asked for every item of every customer: sorted once
    def due_steps(self) -> tuple[StepRule, ...]:
        """Steps placed on due dates, from the earliest to the most advanced."""
        return tuple(
            sorted((s for s in self.steps if s.trigger == Trigger.DUE), key=lambda s: (s.offset_days, s.order))
        )

    @cached_property
    def due_offsets(self) -> tuple[int, ...]:
        return tuple(step.offset_days for step in self.due_steps)

    @cached_property
    def due_conditioned(self) -> tuple[bool, ...]:
        """For each due step: whether a condition may pass it over."""
        return tuple(step.has_conditions for step in self.due_steps)

    @cached_property
    def broken_promise_step(self) -> StepRule | None:
        return next((s for s in self.steps if s.trigger == Trigger.BROKEN_PROMISE), None)


@dataclass(frozen=True, slots=True)
class ItemFacts:
    id: int
    number: str
    due_date: dt.date
    open_minor: int
    currency: str
    disputed: bool = False
    promised_until: dt.date | None = None  # promise date + grace: no dunning until then (inclusive)
    done_step_ids: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class BrokenPromise:
    id: int
    promised_date: dt.date
    item_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class CustomerFacts:
    id: int
    code: str
    status: str = "active"  # active, paused, litigation
    paused_until: dt.date | None = None
    tags: frozenset[str] = frozenset()
    last_contact: dt.date | None = None
    items: tuple[ItemFacts, ...] = ()
    broken_promises: tuple[BrokenPromise, ...] = ()  # broken and not yet followed up
    # The whole account's totals per currency when `items` holds only the items that may act today
    # (the daily run's fast path); None: computed from `items`.
    open_by_currency: dict[str, int] | None = None
    overdue_by_currency: dict[str, int] | None = None
    totals_known: bool = True  # False: the account totals were not loaded (no amount condition due)


@dataclass(frozen=True, slots=True)
class Decision:
    """One action to create: a message, a call or a task, covering one or several items."""

    customer_id: int
    date: dt.date
    family: Family
    step: StepRule
    item_steps: tuple[tuple[int, int], ...]  # (item id, step id reached by that item)
    reasons: tuple[str, ...]
    priority: int = 0
    promise_ids: tuple[int, ...] = ()

    @property
    def item_ids(self) -> tuple[int, ...]:
        return tuple(item for item, _step in self.item_steps)

    @property
    def mode(self) -> Mode:
        return self.step.mode


@dataclass(slots=True)
class CustomerOutcome:
    customer_id: int
    decisions: list[Decision] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # why nothing happened, for the collector
    deferred: bool = False  # a due step waits (days since last contact): look again tomorrow
