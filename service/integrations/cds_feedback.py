"""CDS Hooks card feedback in the decision log's terms: which card, what happened, why (our codes only)."""

from __future__ import annotations

from service.decisions.schemas import FeedbackOutcome, ReasonCode
from service.integrations.cds_hooks import OVERRIDE_SYSTEM, FeedbackEntry

OUTCOMES: dict[str, FeedbackOutcome] = {"accepted": "helpful", "overridden": "not_helpful"}
REASONS = {
    "already-done": ReasonCode.already_done,
    "not-relevant": ReasonCode.did_not_apply,
    "patient-declined": ReasonCode.patient_declined,
}


def reason(entry: FeedbackEntry) -> ReasonCode | None:
    """An override reason we offer maps to ours; any other is `other`; a user comment is never kept."""
    coding = entry.overrideReason.reason if entry.overrideReason else None
    if coding is None:
        return None
    known = REASONS.get(coding.code) if coding.system == OVERRIDE_SYSTEM else None
    return known or ReasonCode.other


def entries(feedback: list[FeedbackEntry]) -> list[tuple[str, FeedbackOutcome, ReasonCode | None]]:
    return [(entry.card, OUTCOMES[entry.outcome], reason(entry)) for entry in feedback]
