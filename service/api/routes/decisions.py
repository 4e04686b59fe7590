"""The decision log over HTTP: one decision as first returned, feedback on it, and the auditors' views."""

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response
from pydantic import BeforeValidator
from starlette.concurrency import run_in_threadpool

from service.api.deps import Caller, DecisionsDep, RecommenderDep, require_scope
from service.core.tenants import TENANT_ID_PATTERN
from service.core.vocabulary import StepCode
from service.decisions.schemas import (
    DecisionPage,
    DecisionReport,
    FeedbackRecorded,
    FeedbackRequest,
    RecordedRecommendation,
)
from service.decisions.service import CURSOR_PATTERN, ExistingFeedback, Filters
from service.web.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/v1", tags=["decisions"])
Responses = dict[int | str, dict[str, Any]]
UNAVAILABLE: Responses = {
    503: {**PROBLEM_RESPONSES[500], "description": "The decision store is unavailable or off."}
}
NOT_FOUND: Responses = {404: {**PROBLEM_RESPONSES[422], "description": "No decision has this id."}}
READ_ERRORS: Responses = {
    **{status: PROBLEM_RESPONSES[status] for status in (422, 500)},
    **UNAVAILABLE,
}


DecisionId = Annotated[uuid.UUID, Path(description="The `decision_id` of an answer.")]


def _iso_time(value: object) -> object:
    """Only an ISO 8601 time with a UTC offset (not a number, not a local time), as UTC. A ValueError is a
    422 naming the parameter; its message is ours, as Python's would repeat the value."""
    if not isinstance(value, str):
        raise ValueError("an ISO 8601 time is required")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError("an ISO 8601 time is required, e.g. 2026-11-25T10:00:00Z") from None
    if parsed.tzinfo is None:
        raise ValueError("give a UTC offset, e.g. 2026-11-25T10:00:00Z")
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00:00+14:00 is before the first representable time
        raise ValueError("the time is out of range once converted to UTC") from None


IsoTime = Annotated[datetime, BeforeValidator(_iso_time)]
Since = Annotated[IsoTime | None, Query(description="Decisions made at or after this time (ISO 8601).")]
Until = Annotated[IsoTime | None, Query(description="Decisions made before this time (ISO 8601).")]
# Printable ASCII only: no NUL (PostgreSQL refuses it in text) or other control characters.
Version = Annotated[
    str | None, Query(min_length=1, max_length=100, pattern=r"^[!-~]+$", description="Ruleset version.")
]

Tenant = Annotated[
    str | None,
    Query(
        pattern=TENANT_ID_PATTERN,
        description="Decisions made for this tenant's clients (a tenant id: lower-case letters, digits, "
        "- and _).",
    ),
]


@router.get(
    "/recommendations/{decision_id}",
    operation_id="recommendations-get",
    summary="A recorded decision, exactly as it was first returned",
    response_model=RecordedRecommendation,
    responses={**READ_ERRORS, **NOT_FOUND},
    dependencies=[require_scope("decisions:read")],
)
async def get_recommendation(decision_id: DecisionId, caller: Caller, decisions: DecisionsDep) -> Response:
    """The stored answer, byte for byte what the client was first given, in the same language.

    A client reads only the decisions it asked for (`admin`: every one); others are not found."""
    answer = await run_in_threadpool(decisions.get, decision_id, caller.owner)
    return Response(answer.body, media_type="application/json", headers={"Content-Language": answer.lang})


@router.post(
    "/recommendations/{decision_id}/feedback",
    operation_id="recommendations-feedback",
    summary="Report a next step of a decision as done, helpful or not helpful",
    status_code=201,
    response_model=FeedbackRecorded,
    responses={
        200: {
            "model": FeedbackRecorded,
            "description": "The same feedback was recorded before: that record.",
        },
        **PROBLEM_RESPONSES,
        **NOT_FOUND,
        **UNAVAILABLE,
    },
    dependencies=[require_scope("feedback")],
)
async def post_feedback(
    decision_id: DecisionId,
    body: FeedbackRequest,
    caller: Caller,
    decisions: DecisionsDep,
    response: Response,
) -> FeedbackRecorded:
    """A patient or clinician says what they did with one next step; the step must be in the decision.

    The same feedback from the same client within 10 minutes is not kept twice: the answer is the record
    kept the first time, with status 200."""
    recorded = await run_in_threadpool(
        decisions.add_feedback, decision_id, body, caller.id, owner=caller.owner
    )
    if isinstance(recorded, ExistingFeedback):
        response.status_code = 200
    return recorded


@router.get(
    "/decisions",
    operation_id="decisions-list",
    summary="Recorded decisions, newest first, for auditors",
    response_model=DecisionPage,
    responses=READ_ERRORS,
    dependencies=[require_scope("decisions:read")],
)
async def list_decisions(
    caller: Caller,
    decisions: DecisionsDep,
    since: Since = None,
    until: Until = None,
    code: Annotated[StepCode | None, Query(description="Decisions that recommended this step.")] = None,
    ruleset_version: Version = None,
    tenant: Tenant = None,
    limit: Annotated[int, Query(ge=1, le=200, description="At most this many decisions per page.")] = 50,
    cursor: Annotated[
        str | None,
        Query(pattern=CURSOR_PATTERN, description="`next_cursor` of the page before (opaque)."),
    ] = None,
) -> DecisionPage:
    """Filter by time range, step code, ruleset version and tenant; follow `next_cursor` for the next page."""
    filters = Filters(since, until, str(code) if code else None, ruleset_version, caller.owner, tenant)
    return await run_in_threadpool(decisions.page, filters, limit, cursor)


@router.get(
    "/decisions/report",
    operation_id="decisions-report",
    summary="How often each step is recommended, at which rank, and its feedback",
    response_model=DecisionReport,
    responses=READ_ERRORS,
    dependencies=[require_scope("decisions:read")],
)
async def report(
    caller: Caller,
    decisions: DecisionsDep,
    recommender: RecommenderDep,
    since: Since = None,
    until: Until = None,
    ruleset_version: Version = None,
    tenant: Tenant = None,
) -> DecisionReport:
    """Counts over the decisions in the time range (and ruleset version, and tenant), steps in catalog
    order; per rule how often it fired and how the steps it placed were rated."""
    filters = Filters(since, until, None, ruleset_version, caller.owner, tenant)
    return await run_in_threadpool(decisions.report, filters, list(recommender.catalog.step_codes))
