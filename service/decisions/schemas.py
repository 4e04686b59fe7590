"""Request and response bodies of the decision-log endpoints (the public contract)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field

from service.core.fhir_report import FhirReport
from service.core.models import Closed, RecommendationResponse, RulesetRef, StepCodeOut
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
    """The answer of `POST /v1/recommendations`: the ranked next steps and the `decision_id` they are kept
    under. `GET /v1/recommendations/{id}` returns it again, byte for byte."""

    decision_id: uuid.UUID = Field(
        description="Where this answer is kept: GET /v1/recommendations/{id}. A time-ordered uuid"
        " (version 7): its first 48 bits are when the decision was made, in milliseconds since 1970."
    )
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
    id: uuid.UUID = Field(description="The feedback's own id.")
    decision_id: uuid.UUID = Field(description="The decision it is about.")
    created_at: datetime = Field(description="When it was recorded (UTC).")
    source: Literal["api", "cds_hooks"] = Field(
        description="`api` (this endpoint) or `cds_hooks` (card feedback)."
    )
    reporter: Reporter = Field(description="Who reported it.")
    step_code: StepCodeOut = Field(description="The next step it is about.")
    outcome: FeedbackOutcome = Field(description="What happened with the step.")
    reason_code: ReasonCode | None = Field(description="Why, when a reason was given.")


class DecisionStepEntry(BaseModel):
    rank: int = Field(description="The step's rank in the answer, from 1.")
    code: str = Field(
        description="The step's code (a decision keeps the codes of the ruleset it was made with)."
    )
    rules: list[str] = Field(description="The rules that placed or moved this step.")


class DecisionEntry(BaseModel):
    id: uuid.UUID = Field(description="The decision's id: `GET /v1/recommendations/{id}` returns its answer.")
    created_at: datetime = Field(description="When the answer was given (UTC).")
    client_id: str = Field(description="The client that asked.")
    ruleset: RulesetRef = Field(description="The rules that gave the answer.")
    next_steps: list[DecisionStepEntry] = Field(
        description="The steps shown, in rank order, with the rules behind each."
    )
    request_storage: RequestStorage = Field(
        description="What was kept of the request: `none`, `hashed` or `full`."
    )
    request_sha256: str | None = Field(default=None, description="Salted hash of the request (hashed).")
    request: dict[str, object] | None = Field(default=None, description="The request as sent (full).")
    tenant: str | None = Field(default=None, description="The tenant of the client that asked, if any.")
    overrides_revision: str | None = Field(
        default=None, description="SHA-256 of that tenant's overrides file when the answer was given."
    )


class DecisionPage(BaseModel):
    decisions: list[DecisionEntry] = Field(description="Decisions, newest first.")
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")


class RankCount(BaseModel):
    rank: int = Field(description="A rank, from 1.")
    count: int = Field(description="How many decisions showed the step at that rank.")


class FeedbackCounts(BaseModel):
    done: int = Field(default=0, description="Reports that the step was done.")
    helpful: int = Field(default=0, description="Reports that the step helped (CDS Hooks: card accepted).")
    not_helpful: int = Field(default=0, description="Reports that it did not (CDS Hooks: card overridden).")


class StepReport(BaseModel):
    code: str = Field(description="The next step.")
    recommended: int = Field(description="Decisions that recommended this step.")
    ranks: list[RankCount] = Field(description="How often it was recommended at each rank.")
    feedback: FeedbackCounts = Field(description="The feedback on this step in these decisions.")


class RuleReport(BaseModel):
    rule: str = Field(description="The rule's id, as `Reason.rule` and `rules_fired` name it.")
    fired: int = Field(
        default=0,
        description="Decisions in which this rule fired (any rule, derive rules too; decisions recorded "
        "before the service kept `rules_fired` are not counted).",
    )
    decisions: int = Field(description="Decisions in which this rule placed or moved a next step.")
    steps: int = Field(description="Next steps this rule placed or moved, over those decisions.")
    feedback: FeedbackCounts = Field(
        description="What people said about the steps this rule placed or moved."
    )


class DecisionReport(BaseModel):
    decisions: int = Field(description="How many decisions the report covers.")
    since: datetime | None = Field(description="The start of the time range, if one was given.")
    until: datetime | None = Field(description="The end of the time range, if one was given.")
    ruleset_version: str | None = Field(description="The ruleset version filtered on, if one was given.")
    tenant: str | None = Field(default=None, description="The tenant filtered on, if one was given.")
    steps: list[StepReport] = Field(description="One entry per next step, in catalog order.")
    rules: list[RuleReport] = Field(
        default_factory=list,
        description=(
            "Per rule that fired or placed or moved a step: how often it fired, the steps it placed or moved "
            "and how they were rated. Rules that placed a step come first, most steps first; then the rules "
            "that only fired (derive rules), most often fired first."
        ),
    )
