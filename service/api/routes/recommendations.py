"""POST /v1/recommendations: opinions in (our JSON or a FHIR R4 Bundle), ranked and explained next steps
out, each answer recorded."""

import json
from typing import Annotated

from fastapi import APIRouter, Header, Request, Response
from starlette.concurrency import run_in_threadpool

from service.api.comparison import REQUEST_BODY, Comparison, ComparisonDep
from service.api.deps import AcceptLanguage, DecisionLogDep, RecommenderDep, client_of, require_scope
from service.core.languages import choose
from service.decisions.schemas import RecordedRecommendation
from service.web.problems import PROBLEM_RESPONSES
from service.web.telemetry import record_answer

router = APIRouter(prefix="/v1", tags=["recommendations"])
JSON = "application/json"


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
    recommender: RecommenderDep,
    decisions: DecisionLogDep,
    idempotency_key: IdempotencyKey = None,
    accept_language: AcceptLanguage = None,
) -> Response:
    """Compare two to ten opinions and answer with the next steps, ranked, each with its reasons.

    The opinions come as our JSON (`application/json`) or as a FHIR R4 Bundle (`application/fhir+json`,
    mCODE profiles welcome), mapped to one opinion per clinician by `rules/fhir/*.yaml`; the answer then
    carries `fhir`: the opinions derived and which resources were used or ignored, by id and reason.

    The answer is recorded as a decision (its `decision_id`) before it is sent. The engine runs on the
    event loop thread: it takes well under a millisecond and must be entered by one thread at a time.

    Patient-facing text is in the request's `lang`, else the best match for `Accept-Language`,
    else English; `Content-Language` names the language used.
    """
    body = comparison.request
    lang = choose(body.lang, accept_language, recommender.catalog.texts)
    headers = {"Content-Language": lang, "Vary": "Accept-Language"}
    if decisions is None:  # DECISION_STORE=off: nothing recorded, no decision_id
        answer = recommender.recommend(body, lang)
        record_answer(request, answer)
        return Response(_with_fhir(answer.model_dump_json(), comparison), media_type=JSON, headers=headers)
    raw = comparison.recorded_body
    client = client_of(request) or decisions.default_client
    if idempotency_key is not None:
        replayed = await run_in_threadpool(decisions.replay, client, idempotency_key, raw)
        if replayed is not None:
            headers = {**headers, "Content-Language": replayed.lang, "Idempotent-Replayed": "true"}
            return Response(_with_fhir(replayed.body, comparison), media_type=JSON, headers=headers)
    answer = recommender.recommend(body, lang)
    record_answer(request, answer)
    stored = await run_in_threadpool(decisions.record, answer, raw, client, idempotency_key, lang)
    # stored is the first answer when a simultaneous retry with the same key was recorded first
    headers = {**headers, "Content-Language": stored.lang}
    return Response(_with_fhir(stored.body, comparison), media_type=JSON, headers=headers)
