"""Counts CDS Hooks card feedback. Labels are our own codes only, never a value a client made up."""

from __future__ import annotations

from prometheus_client import Counter

from service.integrations import patient_view
from service.integrations.cds_hooks import OVERRIDE_REASONS, FeedbackEntry

KNOWN_REASONS = frozenset((r.system, r.code) for r in (*OVERRIDE_REASONS, *patient_view.OVERRIDE_REASONS))

CDS_FEEDBACK = Counter(
    "nextsteps_cds_feedback",
    "CDS Hooks card feedback received, by outcome and override reason (ours, else 'other' or 'none').",
    ["service", "outcome", "reason"],
)


def reason_label(entry: FeedbackEntry) -> str:
    """The override reason's code when it is one we offer; anything else is 'other'."""
    reason = entry.overrideReason.reason if entry.overrideReason else None
    if reason is None:
        return "none"
    return reason.code if (reason.system, reason.code) in KNOWN_REASONS else "other"


def count(service_id: str, entries: list[FeedbackEntry]) -> None:
    for entry in entries:
        CDS_FEEDBACK.labels(service=service_id, outcome=entry.outcome, reason=reason_label(entry)).inc()
