"""Request and response bodies of the decision-log endpoints (the public contract)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field

from service.core.fhir_report import FhirReport
from service.core.models import Closed, RecommendationResponse, RulesetRef
from service.core.vocabulary import StepCode

FeedbackOutcome = Literal["done", "helpful", "not_helpful"]
Reporter = Literal["patient", "clinician"]
RequestStorage = Literal["full", "hashed", "none"]
OUTCOMES: tuple[FeedbackOutcome, ...] = ("done", "helpful", "not_helpful")


class ReasonCode(StrEnum):
    """Why a step was or was not helpful; a fixed list so reports can count them and no free text is kept."""

    already_done = "already_done"
    not_available = "not_available"
    too_costly = "too_costly"
    hard_to_arrange = "hard_to_arrange"
    care_team_advised_otherwise = "care_team_advised_otherwise"
    not_clear = "not_clear"
    did_not_apply = "did_not_apply"
    patient_declined = "patient_declined"
    other = "other"


class RecordedRecommendation(RecommendationResponse):
    decision_id: uuid.UUID = Field(description="Where this answer is kept: GET /v1/recommendations/{id}.")
    fhir: FhirReport | None = Field(
        default=None,
        description=(
            "Only in the answer to a FHIR Bundle: the opinions derived, and the resources used and ignored. "
            "Not kept in the decision log."
        ),
    )


class FeedbackRequest(Closed):
    step_code: StepCode = Field(description="A next step of this decision.")
    outcome: FeedbackOutcome = Field(description="done, helpful or not_helpful.")
    reporter: Reporter = Field(description="Who reports: the patient or a clinician.")
    reason_code: ReasonCode | None = Field(default=None, description="Why, from a fixed list.")


class FeedbackRecorded(BaseModel):
    id: uuid.UUID
    decision_id: uuid.UUID
    created_at: datetime
    source: Literal["api", "cds_hooks"]
    reporter: Reporter
    step_code: str
    outcome: FeedbackOutcome
    reason_code: ReasonCode | None


class DecisionStepEntry(BaseModel):
    rank: int
    code: str
    rules: list[str] = Field(description="The rules that placed or moved this step.")


class DecisionEntry(BaseModel):
    id: uuid.UUID
    created_at: datetime
    client_id: str
    ruleset: RulesetRef
    next_steps: list[DecisionStepEntry]
    request_storage: RequestStorage
    request_sha256: str | None = Field(default=None, description="Salted hash of the request (hashed).")
    request: dict[str, object] | None = Field(default=None, description="The request as sent (full).")


class DecisionPage(BaseModel):
    decisions: list[DecisionEntry]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")


class RankCount(BaseModel):
    rank: int
    count: int


class FeedbackCounts(BaseModel):
    done: int = 0
    helpful: int = 0
    not_helpful: int = 0


class StepReport(BaseModel):
    code: str
    recommended: int = Field(description="Decisions that recommended this step.")
    ranks: list[RankCount] = Field(description="How often it was recommended at each rank.")
    feedback: FeedbackCounts


class DecisionReport(BaseModel):
    decisions: int
    since: datetime | None
    until: datetime | None
    ruleset_version: str | None
    steps: list[StepReport]
