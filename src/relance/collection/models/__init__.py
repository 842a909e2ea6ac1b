"""Collection models: scenarios and their steps, statuses that steer them, and the actions decided."""

from relance.collection.models.actions import Action, ActionItem, ActionStatus, CollectionRun
from relance.collection.models.notes import CustomerNote
from relance.collection.models.scenarios import CollectionSettings, CustomerScenario, Scenario, ScenarioRule, Step
from relance.collection.models.statuses import (
    Dispute,
    DisputeComment,
    DisputeReason,
    DisputeStatus,
    Promise,
    PromiseSource,
    PromiseStatus,
)

__all__ = [
    "Action",
    "ActionItem",
    "ActionStatus",
    "CollectionRun",
    "CollectionSettings",
    "CustomerNote",
    "CustomerScenario",
    "Dispute",
    "DisputeComment",
    "DisputeReason",
    "DisputeStatus",
    "Promise",
    "PromiseSource",
    "PromiseStatus",
    "Scenario",
    "ScenarioRule",
    "Step",
]
