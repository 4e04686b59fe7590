"""Decision-log errors; service/web/decision_problems.py maps them to problem+json."""

from service.decisions.group_commit import Abandoned
from service.decisions.store import StoreUnavailable

__all__ = [
    "Abandoned",
    "BadCursor",
    "DecisionNotFound",
    "IdempotencyConflict",
    "StepNotInDecision",
    "StoreOff",
    "StoreUnavailable",
]


class DecisionNotFound(Exception):
    """No decision has this id (or it was purged)."""


class IdempotencyConflict(Exception):
    """An Idempotency-Key was used before with a different body."""


class StepNotInDecision(Exception):
    """Feedback names a step the decision did not recommend."""


class BadCursor(Exception):
    """A pagination cursor that this service did not issue."""


class StoreOff(Exception):
    """DECISION_STORE=off: nothing is recorded, so there is nothing to read."""
