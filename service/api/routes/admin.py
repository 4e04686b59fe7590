"""Operations on the running service: reload the rules without a restart."""

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from service.api.deps import LiveRulesDep, require_scope
from service.core.live_rules import ReloadRefused, tell_other_workers
from service.core.models import ReloadResponse
from service.web.problem_types import RULES_REFUSED
from service.web.problems import PROBLEM_RESPONSES, problem

router = APIRouter(prefix="/v1/admin", tags=["operations"])


@router.post(
    "/rules:reload",
    operation_id="rules-reload",
    summary="Reload rules, catalog, text and resources without a restart",
    response_model=ReloadResponse,
    responses={
        **PROBLEM_RESPONSES,
        422: {
            **PROBLEM_RESPONSES[422],
            "description": "The new rules were refused; the last good ones serve.",
        },
    },
    dependencies=[require_scope("admin")],
)
async def reload_rules(live: LiveRulesDep) -> ReloadResponse | JSONResponse:
    """Read the rules directory again, check and compile all of it, and put it in use in the process
    that answers; then every other process of the server is told to do the same (as on SIGHUP).

    Requests under way finish on the rules they started with. A set that fails a check is refused
    (422, naming the file and entry) and the last good one keeps serving. A change to the accepted
    codes (cancer types, step codes, languages) is refused too: it changes the request schema and the
    OpenAPI document, so it needs a restart.
    """
    try:
        outcome = await run_in_threadpool(live.reload)
    except ReloadRefused as refused:
        return problem(RULES_REFUSED, f"The rules were not reloaded: {refused.failure.reason}.")
    signalled = tell_other_workers()
    return ReloadResponse(**outcome.model_dump(), reloads="every_process" if signalled else "this_process")
