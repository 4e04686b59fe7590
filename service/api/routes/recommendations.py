"""POST /v1/recommendations: opinions in (our JSON or a FHIR R4 Bundle), ranked and explained next steps
out, each answer recorded."""

import json
from typing import Annotated

from fastapi import APIRouter, Header, Request, Response

from service.api.comparison import REQUEST_BODY, Comparison, ComparisonDep
from service.api.deps import AcceptLanguage, AnsweringDep, Caller, CommitGateDep, RulesDep, require_scope
from service.decisions.schemas import RecordedRecommendation
from service.web.problems import PROBLEM_RESPONSES
from service.web.telemetry import note_steps

router = APIRouter(prefix="/v1", tags=["recommendations"])


def _with_fhir(body: bytes | str, comparison: Comparison) -> bytes | str:
    """The recorded answer, plus what was read from FHIR (never recorded: it names resource ids)."""
    if comparison.fhir is None:
        return body
    report = comparison.fhir.model_dump(mode="json", exclude_none=True)
    return json.dumps({**json.loads(body), "fhir": report})


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
    openapi_extra=REQUEST_BODY,
    responses={
        **PROBLEM_RESPONSES,
        409: {**PROBLEM_RESPONSES[422], "description": "Idempotency-Key reused with another body."},
        503: {**PROBLEM_RESPONSES[500], "description": "The decision store is unavailable; nothing shown."},
    },
    dependencies=[require_scope("recommend")],
)
async def create_recommendation(
    comparison: ComparisonDep,
    request: Request,
    rules: RulesDep,
    answering: AnsweringDep,
    caller: Caller,
    gate: CommitGateDep,
    idempotency_key: IdempotencyKey = None,
    accept_language: AcceptLanguage = None,
) -> Response:
    """Compare two to ten opinions and answer with the next steps, ranked, each with its reasons.

    The opinions come as our JSON (`application/json`) or as a FHIR R4 Bundle (`application/fhir+json`,
    mCODE profiles welcome), mapped to one opinion per clinician by `rules/fhir/*.yaml`; the answer then
    carries `fhir`: the opinions derived and which resources were used or ignored, by id and reason.

    The answer is recorded as a decision (its `decision_id`) before it is sent; send `Idempotency-Key` to
    retry safely. Patient-facing text is in the request's `lang`, else the best match for
    `Accept-Language`, else English; `Content-Language` names the language used.
    """
    answered = await answering.answer_one(
        rules, comparison.request, caller.id, accept_language, idempotency_key, gate, caller.tenant
    )
    note_steps(request, answered.recommendation)
    headers = {"Content-Language": answered.lang, "Vary": "Accept-Language"}
    if answered.replayed:
        headers["Idempotent-Replayed"] = "true"
    return Response(_with_fhir(answered.body, comparison), media_type="application/json", headers=headers)
