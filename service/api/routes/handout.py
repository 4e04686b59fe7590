"""GET /v1/recommendations/{id}/handout: a recorded decision as a page a patient can print, or a PDF."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from starlette.concurrency import run_in_threadpool

from service.api.deps import Caller, DecisionsDep, HandoutLabelsDep, require_scope
from service.handout.document import build_handout
from service.handout.render import content_security_policy, to_html, to_pdf
from service.web.media import choose_media
from service.web.problem_types import NOT_ACCEPTABLE
from service.web.problems import PROBLEM_RESPONSES, problem

router = APIRouter(prefix="/v1", tags=["decisions"])
HTML, PDF = "text/html", "application/pdf"
OFFERS = (HTML, PDF)


@router.get(
    "/recommendations/{decision_id}/handout",
    operation_id="recommendations-handout",
    summary="A recorded decision as a printable handout (HTML or PDF)",
    response_class=Response,
    responses={
        200: {
            "description": "The handout, in the decision's language.",
            "content": {
                HTML: {"schema": {"type": "string"}},
                PDF: {"schema": {"type": "string", "format": "binary"}},
            },
        },
        404: {**PROBLEM_RESPONSES[422], "description": "No decision has this id."},
        406: {**PROBLEM_RESPONSES[422], "description": "Accept names neither text/html nor application/pdf."},
        422: PROBLEM_RESPONSES[422],
        500: PROBLEM_RESPONSES[500],
        503: {**PROBLEM_RESPONSES[500], "description": "The decision store is unavailable or off."},
    },
    dependencies=[require_scope("decisions:read")],
)
async def get_handout(
    decision_id: Annotated[uuid.UUID, Path(description="The `decision_id` of an answer.")],
    request: Request,
    caller: Caller,
    decisions: DecisionsDep,
    labels: HandoutLabelsDep,
) -> Response:
    """The ranked steps, the questions to ask with room for the answers, the resources with their
    URLs, the disclaimer, the date and the ruleset version, in the language the decision was given in.

    Send `Accept: application/pdf` for the PDF; HTML is the default. Who may read it is who may read the
    decision: the client that asked for it, or `admin`."""
    # Accept is read here, not declared: OpenAPI ignores an Accept parameter (the content types say it).
    media = choose_media(request.headers.get("accept"), OFFERS)
    if media is None:
        return problem(NOT_ACCEPTABLE, "The handout comes as text/html or application/pdf.")
    answer, given_at = await run_in_threadpool(decisions.get_dated, decision_id, caller.owner)
    handout = build_handout(answer.body, answer.lang, given_at, labels[answer.lang])
    html = to_html(handout)
    headers = {"Content-Language": answer.lang, "Vary": "Accept"}
    if media == PDF:
        pdf = await run_in_threadpool(to_pdf, html)
        disposition = f'inline; filename="nextsteps-{handout.iso_date}.pdf"'
        return Response(pdf, media_type=PDF, headers={**headers, "Content-Disposition": disposition})
    csp = content_security_policy()
    return Response(html, media_type=HTML, headers={**headers, "Content-Security-Policy": csp})
