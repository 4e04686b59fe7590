"""POST /v1/recommendations:batch: up to 1,000 comparisons, each answered or refused on its own."""

from fastapi import APIRouter, Response

from service import batch
from service.api.deps import AcceptLanguage, AnsweringDep, Caller, CommitGateDep, RulesDep, require_scope
from service.web.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/v1", tags=["recommendations"])


@router.post(
    "/recommendations:batch",
    operation_id="recommendations-create-batch",
    summary="Rank and explain next steps for many comparisons at once",
    response_model=batch.BatchResponse,  # the schema; the JSON is written by service/batch.py (None left out)
    responses={
        **PROBLEM_RESPONSES,
        503: {**PROBLEM_RESPONSES[500], "description": "The decision store is unavailable; nothing shown."},
    },
    dependencies=[require_scope("recommend")],
)
async def create_batch(
    body: batch.BatchRequest,
    rules: RulesDep,
    answering: AnsweringDep,
    caller: Caller,
    gate: CommitGateDep,
    accept_language: AcceptLanguage = None,
) -> Response:
    """Answer each item as `POST /v1/recommendations` would, in order: a valid item gets its
    recommendation (status 200), an invalid one its own problem (status 422) naming the fields.

    The answered items are recorded as decisions (each result's `decision_id`) in one transaction
    before the batch is answered: either every answered item is kept, or the batch fails (503).
    """
    json = await batch.answer(answering, rules, body.items, caller.id, accept_language, gate, caller.tenant)
    return Response(json, media_type="application/json")
