"""Many comparisons in one request: each item is validated and answered, or refused, on its own."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, WithJsonSchema

from service.core.languages import choose
from service.core.models import RecommendationRequest, RecommendationResponse
from service.core.recommender import Recommender
from service.decisions.service import DecisionLog
from service.web import metrics
from service.web.problems import PROBLEM_BASE, Problem, field_errors

MAX_ITEMS = 1000

# Items are read one by one, so one bad item does not spoil the others: the schema says
# an item should be a RecommendationRequest, and any other value is answered with its own 422.
ITEM_SCHEMA = {
    "anyOf": [{"$ref": "#/components/schemas/RecommendationRequest"}, {}],
    "description": "A comparison, as the body of POST /v1/recommendations. "
    "An item that is not a valid RecommendationRequest is refused on its own (status 422).",
}
Item = Annotated[Any, WithJsonSchema(ITEM_SCHEMA)]


class BatchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a stray top-level field is refused, not carried
    items: list[Item] = Field(min_length=1, max_length=MAX_ITEMS, description="1 to 1,000 comparisons.")


class BatchResult(BaseModel):
    index: int = Field(description="Position of the item in the request, from 0.")
    status: Literal[200, 422]
    decision_id: uuid.UUID | None = Field(
        default=None, description="Where this item's answer is kept: GET /v1/recommendations/{id}."
    )
    recommendation: RecommendationResponse | None = None
    problem: Problem | None = None


class BatchResponse(BaseModel):
    results: list[BatchResult]
    answered: int
    refused: int


def run(
    recommender: Recommender,
    items: Sequence[Any],
    accept_language: str | None,
    decisions: DecisionLog | None = None,
    client: str | None = None,
) -> BatchResponse:
    """Validate and answer each item; a refused item carries its own problem, fields named from the item.

    The answered items are recorded as decisions in one transaction before the batch is answered.
    """
    results: list[BatchResult] = []
    answered: list[tuple[BatchResult, RecommendationResponse, bytes, str]] = []
    for index, item in enumerate(items):
        try:
            request = RecommendationRequest.model_validate(item)
        except ValidationError as exc:
            errors = [
                e if e.field != "body" else e.model_copy(update={"field": "item"})
                for e in field_errors([{**e, "loc": ("body", *e["loc"])} for e in exc.errors()])
            ]
            problem = Problem(
                type=PROBLEM_BASE + "invalid-request",
                title="Invalid request",
                status=422,
                detail=f"{len(errors)} field(s) of item {index} are not valid; see errors.",
                errors=errors,
            )
            results.append(BatchResult(index=index, status=422, problem=problem))
            continue
        lang = choose(request.lang, accept_language, recommender.catalog.texts)
        answer = recommender.recommend(request, lang)
        metrics.observe_answer(list(answer.rules_fired), [step.code for step in answer.next_steps])
        result = BatchResult(index=index, status=200, recommendation=answer)
        results.append(result)
        answered.append((result, answer, json.dumps(item).encode(), lang))
    if decisions is not None and answered:
        recorded = decisions.record_many(
            [(answer, body, lang) for _r, answer, body, lang in answered], client
        )
        for (result, *_rest), stored in zip(answered, recorded, strict=True):
            result.decision_id = stored.decision_id
    return BatchResponse(results=results, answered=len(answered), refused=len(results) - len(answered))
