"""HL7 CDS Hooks 2.0 on the same server: discovery, the opinion-compare service and card feedback."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

from service.api.deps import (
    AcceptLanguage,
    AnsweringDep,
    Caller,
    CommitGateDep,
    DecisionLogDep,
    RulesDep,
    require_scope,
)
from service.decisions.service import card_uuids
from service.integrations import cds_feedback, cds_hooks, feedback_metrics, patient_view
from service.integrations.cds_hooks import SERVICE_ID, CdsRequest, CdsResponse, Discovery, Feedback
from service.web.problem_types import INVALID_HOOK_REQUEST, UNKNOWN_CARD
from service.web.problems import PROBLEM_RESPONSES, FieldError, field_errors, problem
from service.web.telemetry import note_steps

NOT_OURS = "not a card this service gave you"


class CdsHooksRoute(APIRoute):
    """The spec answers a request it cannot accept with 400, so validation errors are 400 here, not 422."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as exc:
                if "service_id" in request.path_params:  # patient-view's route names its service itself
                    _known(request.path_params["service_id"])  # unknown: 404, whatever the body
                errors = field_errors(list(exc.errors()))
                malformed = any(e.reason.startswith("malformed JSON") for e in errors)
                detail = "The body is not valid JSON." if malformed else "The hook request is not valid."
                return problem(INVALID_HOOK_REQUEST, detail, errors)

        return handle


router = APIRouter(prefix="/cds-services", tags=["cds-hooks"], route_class=CdsHooksRoute)

CDS_PROBLEMS: dict[int | str, dict[str, Any]] = {
    **{status: PROBLEM_RESPONSES[status] for status in (413, 415, 500)},
    400: {
        **PROBLEM_RESPONSES[400],
        "description": "Malformed JSON or an invalid hook request; `errors` names each field.",
    },
    404: {**PROBLEM_RESPONSES[400], "description": "No CDS service has this id."},
    503: {**PROBLEM_RESPONSES[500], "description": "The decision store is unavailable; nothing is given."},
}


# The call route serves every id but patient-view's, which has its own route (and body) before it.
CallServiceId = Annotated[
    str,
    Path(
        description="The service's `id` from discovery.",
        examples=[SERVICE_ID],
        max_length=200,
        # documentation only (the Rust regex engine has no look-ahead): that id never reaches this route
        json_schema_extra={"pattern": r"^(?!nextsteps-patient-view$)"},
    ),
]
ServiceId = Annotated[
    str, Path(description="The service's `id` from discovery.", examples=[SERVICE_ID], max_length=200)
]


SERVICES = frozenset({SERVICE_ID, patient_view.SERVICE_ID})  # the ids discovery lists


def _known(service_id: str) -> None:
    if service_id not in SERVICES:
        raise HTTPException(404, "No CDS service has this id; see GET /cds-services.")


@router.get(
    "",
    operation_id="cds-services-discover",
    summary="CDS Hooks discovery",
    response_model=Discovery,
    response_model_exclude_none=True,
    responses={500: PROBLEM_RESPONSES[500]},
)
async def discover() -> Discovery:
    """The CDS services on this server: `patient-view` (reads the chart's FHIR resources, with the
    prefetch templates it needs) and the custom hook `org.nextsteps.opinion-compare`."""
    found = cds_hooks.discovery()
    return Discovery(services=[patient_view.discovery_entry(), *found.services])


@router.post(
    "/{service_id}",
    operation_id="cds-services-call",
    summary="Call the opinion-compare CDS service",
    response_model=CdsResponse,
    response_model_exclude_none=True,
    responses=CDS_PROBLEMS,
    dependencies=[require_scope("recommend")],
)
async def call_service(
    service_id: CallServiceId,
    body: CdsRequest,
    request: Request,
    response: Response,
    rules: RulesDep,
    answering: AnsweringDep,
    caller: Caller,
    gate: CommitGateDep,
    accept_language: AcceptLanguage = None,
) -> CdsResponse:
    """Answer a hook call with one card per next step, in rank order.

    `context` carries the same comparison as the `POST /v1/recommendations` body. Each card is `warning`
    when a doctor said decisions are urgent (`time_sensitive`), else `info`; its links are the step's
    resources. Text is in `context.lang`, else the best match for `Accept-Language`, else English.
    """
    _known(service_id)
    # answered and recorded like POST /v1/recommendations; the EHR's ids are not kept
    comparison = rules.parse(body.context.model_dump(exclude_unset=True, exclude=cds_hooks.EHR_IDS))
    answered = await answering.answer_one(
        rules, comparison, caller.id, accept_language, gate=gate, tenant=caller.tenant
    )
    note_steps(request, answered.recommendation)
    response.headers["Content-Language"] = answered.lang
    response.headers["Vary"] = "Accept-Language"
    card_ids = None
    if answered.decision_id is not None:  # each card's uuid is derived from the decision's
        codes = [step.code for step in answered.recommendation.next_steps]
        card_ids = dict(zip(codes, map(str, card_uuids(answered.decision_id, codes)), strict=True))
    base: str | None = request.app.state.public_base_url  # never the caller's Host: no URL without it
    source_url = base.rstrip("/") + "/redoc" if base else None
    return cds_hooks.cards(answered.recommendation, comparison.time_sensitive, source_url, card_ids)


@router.post(
    "/{service_id}/feedback",
    operation_id="cds-services-feedback",
    summary="Tell the service what happened to its cards",
    response_model=None,
    status_code=200,
    responses={
        **CDS_PROBLEMS,
        200: {"description": "The feedback was recorded and counted."},
        400: {
            **PROBLEM_RESPONSES[400],
            "description": "Malformed JSON, an invalid feedback body, or a `card` this service never gave "
            "the caller; `errors` names each entry. Nothing of the request is recorded or counted.",
        },
    },
    dependencies=[require_scope("feedback")],
)
async def feedback(
    service_id: ServiceId, body: Feedback, caller: Caller, decisions: DecisionLogDep
) -> Response:
    """Record whether each card was accepted or overridden (with the override reason).

    Each `card` must be the `uuid` of a card this service gave the caller; otherwise the whole request is
    refused (400) and nothing is kept. Kept in the decision log as clinician feedback (accepted = helpful,
    overridden = not helpful) and counted (metric `nextsteps_cds_feedback_total`, by outcome and by
    override reason when it is one this service offers); comments are never stored or logged.
    """
    _known(service_id)
    if decisions is not None:  # first, so a retry after a 503 is not counted twice
        entries = cds_feedback.entries(body.feedback)
        unknown = await run_in_threadpool(decisions.add_card_feedback, entries, caller.id, owner=caller.owner)
        if unknown:
            errors = [FieldError(field=f"feedback[{i}].card", reason=NOT_OURS) for i in unknown]
            detail = "Feedback is only taken on cards this service gave you; nothing was recorded."
            return problem(UNKNOWN_CARD, detail, errors)
    feedback_metrics.count(service_id, body.feedback)
    return Response(status_code=200)
