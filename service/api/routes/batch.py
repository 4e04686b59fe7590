"""POST /v1/recommendations:batch: up to 1,000 comparisons, each answered or refused on its own."""

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from service import batch
from service.api.deps import AcceptLanguage, DecisionLogDep, RecommenderDep, client_of, require_scope
from service.web.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/v1", tags=["recommendations"])


@router.post(
    "/recommendations:batch",
    operation_id="recommendations-create-batch",
    summary="Rank and explain next steps for many comparisons at once",
    response_model=batch.BatchResponse,
    response_model_exclude_none=True,
    responses={
        **PROBLEM_RESPONSES,
        503: {**PROBLEM_RESPONSES[500], "description": "The decision store is unavailable; nothing shown."},
    },
    dependencies=[require_scope("recommend")],
)
async def create_batch(
    body: batch.BatchRequest,
    request: Request,
    recommender: RecommenderDep,
    decisions: DecisionLogDep,
    accept_language: AcceptLanguage = None,
) -> Response:
    """Answer each item as `POST /v1/recommendations` would, in order: a valid item gets its
    recommendation (status 200), an invalid one its own problem (status 422) naming the fields.

    The answered items are recorded as decisions (each result's `decision_id`) in one transaction
    before the batch is answered. A large batch takes a while, so it runs on a worker thread and
    the server keeps answering other requests; the engine still takes one evaluation at a time.
    """
    client = client_of(request) or (decisions.default_client if decisions else None)
    answer = await run_in_threadpool(batch.run, recommender, body.items, accept_language, decisions, client)
    # Serialized once, straight to bytes: through response_model it would be copied twice more first.
    return Response(answer.model_dump_json(exclude_none=True), media_type="application/json")
