"""Many comparisons in one request: each item is validated and answered, or refused, on its own."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, WithJsonSchema
from starlette.concurrency import run_in_threadpool

from service.answering import Answered, Answering
from service.core.models import RecommendationRequest, RecommendationResponse
from service.core.rulebook import RuleBook
from service.decisions.group_commit import CommitGate
from service.web.problem_types import INVALID_REQUEST
from service.web.problems import Problem, document, field_errors

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
    status: Literal[200, 422] = Field(
        description="200: answered (`recommendation`); 422: refused (`problem`).",
        json_schema_extra={"x-enum-varnames": ["ANSWERED", "REFUSED"]},
    )
    decision_id: uuid.UUID | None = Field(
        default=None, description="Where this item's answer is kept: GET /v1/recommendations/{id}."
    )
    recommendation: RecommendationResponse | None = Field(
        default=None, description="The answer, when `status` is 200."
    )
    problem: Problem | None = Field(
        default=None,
        description="Why the item was refused, when `status` is 422 (fields named from the item).",
    )


class BatchResponse(BaseModel):
    results: list[BatchResult] = Field(description="One result per item, in the order of the items.")
    answered: int = Field(description="How many items were answered.")
    refused: int = Field(description="How many items were refused.")


def _refusal(index: int, exc: ValidationError) -> BatchResult:
    """A refused item: its own problem, the fields named from the item."""
    errors = [
        e if e.field != "body" else e.model_copy(update={"field": "item"})
        for e in field_errors([{**e, "loc": ("body", *e["loc"])} for e in exc.errors()])
    ]
    detail = f"{len(errors)} field(s) of item {index} are not valid; see errors."
    problem = document(INVALID_REQUEST, detail, errors)
    return BatchResult(index=index, status=422, problem=problem)


def _parse(rules: RuleBook, items: Sequence[Any]) -> list[RecommendationRequest | BatchResult]:
    parsed: list[RecommendationRequest | BatchResult] = []
    for index, item in enumerate(items):
        try:
            parsed.append(rules.parse(item))
        except ValidationError as exc:
            parsed.append(_refusal(index, exc))
    return parsed


async def answer(
    answering: Answering,
    rules: RuleBook,
    items: Sequence[Any],
    client_id: str,
    accept_language: str | None,
    gate: CommitGate | None = None,
    tenant: str | None = None,
) -> bytes:
    """Validate each item on its own; the valid ones are answered (and recorded in one transaction, if the
    request still waits for them then: `gate`, service/web/timeout.py). Returns the BatchResponse's JSON."""
    parsed = await run_in_threadpool(_parse, rules, items)
    requests = [p for p in parsed if isinstance(p, RecommendationRequest)]
    answered = iter(await answering.answer_many(rules, requests, client_id, accept_language, gate, tenant))
    parts: list[bytes | memoryview] = [b'{"results":[']
    for index, p in enumerate(parsed):
        if index:
            parts.append(b",")
        parts.extend([_json(p)] if isinstance(p, BatchResult) else _answered(index, next(answered)))
    parts.append(f'],"answered":{len(requests)},"refused":{len(parsed) - len(requests)}}}'.encode())
    return b"".join(parts)


def _json(result: BatchResult) -> bytes:
    """A result as the route documents it: BatchResponse's JSON, None fields left out."""
    return result.__pydantic_serializer__.to_json(result, exclude_none=True)


def _answered(index: int, answered: Answered) -> list[bytes | memoryview]:
    """An answered item's JSON, with the recommendation's bytes as recorded rather than serialised again
    (1,000 items: 28 ms). A recorded body is the recommendation's JSON with its decision_id appended last
    (service/decisions/service.py, recorded_json); with nothing recorded, it is the recommendation's JSON.
    The same bytes as _json (tests/api/routes/test_batch.py compares them)."""
    head = f'{{"index":{index},"status":200'
    if answered.decision_id is None:
        return [f'{head},"recommendation":'.encode(), answered.body, b"}"]
    kept = f',"decision_id":"{answered.decision_id}"}}'.encode()
    if not answered.body.endswith(kept):  # not recorded_json's form: serialised here
        return [_json(_result(index, answered))]
    head = f'{head},"decision_id":"{answered.decision_id}","recommendation":'
    return [head.encode(), memoryview(answered.body)[: -len(kept)], b"}}"]


def _result(index: int, answered: Answered) -> BatchResult:
    return BatchResult(
        index=index, status=200, decision_id=answered.decision_id, recommendation=answered.recommendation
    )
