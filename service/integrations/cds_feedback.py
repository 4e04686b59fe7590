"""CDS Hooks card feedback in the decision log's terms: which card, what happened, why (our codes only)."""

from __future__ import annotations

from service.decisions.schemas import FeedbackOutcome, ReasonCode
from service.integrations.cds_hooks import OVERRIDE_SYSTEM, FeedbackEntry
from service.integrations.patient_view import NON_ADHERENCE

OUTCOMES: dict[str, FeedbackOutcome] = {"accepted": "helpful", "overridden": "not_helpful"}
REASONS = {
    (OVERRIDE_SYSTEM, "already-done"): ReasonCode.already_done,
    (OVERRIDE_SYSTEM, "not-relevant"): ReasonCode.did_not_apply,
    (OVERRIDE_SYSTEM, "patient-declined"): ReasonCode.patient_declined,
    # patient-view offers HL7's non-adherence reason categories (CDS Hooks 3.0 ballot)
    (NON_ADHERENCE, "cds-not-applicable"): ReasonCode.did_not_apply,
    (NON_ADHERENCE, "cds-suboptimal-context"): ReasonCode.not_clear,
    (NON_ADHERENCE, "recipient-disagrees-evidence"): ReasonCode.care_team_advised_otherwise,
    (NON_ADHERENCE, "does-not-align-preferences"): ReasonCode.patient_declined,
    (NON_ADHERENCE, "not-convenient-feasible"): ReasonCode.hard_to_arrange,
}


def reason(entry: FeedbackEntry) -> ReasonCode | None:
    """An override reason we offer maps to ours; any other is `other`; a user comment is never kept."""
    coding = entry.overrideReason.reason if entry.overrideReason else None
    if coding is None:
        return None
    return REASONS.get((coding.system or "", coding.code)) or ReasonCode.other


def entries(feedback: list[FeedbackEntry]) -> list[tuple[str, FeedbackOutcome, ReasonCode | None]]:
    return [(entry.card, OUTCOMES[entry.outcome], reason(entry)) for entry in feedback]
