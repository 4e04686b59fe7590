"""POST /v1/recommendations: opinions in, ranked and explained next steps out, each answer recorded."""

from typing import Annotated

from fastapi import APIRouter, Header, Request, Response

from service.api.deps import AcceptLanguage, AnsweringDep, Caller, CommitGateDep, RulesDep, require_scope
from service.core.models import RecommendationRequest
from service.decisions.schemas import RecordedRecommendation
from service.web.problems import PROBLEM_RESPONSES
from service.web.telemetry import note_steps

router = APIRouter(prefix="/v1", tags=["recommendations"])

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        pattern=r"^[\x21-\x7e]+$",
        description="A retry with the same key and body returns the first decision; another body gets 409.",
    ),
]


@router.post(
    "/recommendations",
    operation_id="recommendations-create",
    summary="Rank and explain next steps for a set of opinions",
    response_model=RecordedRecommendation,
    responses={
        **PROBLEM_RESPONSES,
        409: {**PROBLEM_RESPONSES[422], "description": "Idempotency-Key reused with another body."},
        503: {**PROBLEM_RESPONSES[500], "description": "The decision store is unavailable; nothing shown."},
    },
    dependencies=[require_scope("recommend")],
)
async def create_recommendation(
    body: RecommendationRequest,
    request: Request,
    rules: RulesDep,
    answering: AnsweringDep,
    caller: Caller,
    gate: CommitGateDep,
    idempotency_key: IdempotencyKey = None,
    accept_language: AcceptLanguage = None,
) -> Response:
    """Compare two to ten opinions and answer with the next steps, ranked, each with its reasons.

    The answer is recorded as a decision (its `decision_id`) before it is sent; send `Idempotency-Key` to
    retry safely. Patient-facing text is in the request's `lang`, else the best match for
    `Accept-Language`, else English; `Content-Language` names the language used.
    """
    answered = await answering.answer_one(rules, body, caller.id, accept_language, idempotency_key, gate)
    note_steps(request, answered.recommendation)
    headers = {"Content-Language": answered.lang, "Vary": "Accept-Language"}
    if answered.replayed:
        headers["Idempotent-Replayed"] = "true"
    return Response(answered.body, media_type="application/json", headers=headers)
