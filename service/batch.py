"""Many comparisons in one request: each item is validated and answered, or refused, on its own."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, ValidationError, WithJsonSchema

from service.languages import choose
from service.models import RecommendationRequest, RecommendationResponse
from service.problems import PROBLEM_BASE, Problem, field_errors
from service.recommender import Recommender

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
    items: list[Item] = Field(min_length=1, max_length=MAX_ITEMS, description="1 to 1,000 comparisons.")


class BatchResult(BaseModel):
    index: int = Field(description="Position of the item in the request, from 0.")
    status: Literal[200, 422]
    recommendation: RecommendationResponse | None = None
    problem: Problem | None = None


class BatchResponse(BaseModel):
    results: list[BatchResult]
    answered: int
    refused: int


def run(recommender: Recommender, items: Sequence[Any], accept_language: str | None) -> BatchResponse:
    """Validate and answer each item; a refused item carries its own problem, fields named from the item."""
    results: list[BatchResult] = []
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
        results.append(
            BatchResult(index=index, status=200, recommendation=recommender.recommend(request, lang))
        )
    answered = sum(1 for r in results if r.status == 200)
    return BatchResponse(results=results, answered=answered, refused=len(results) - answered)
