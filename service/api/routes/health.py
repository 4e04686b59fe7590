"""Liveness and readiness, for load balancers and orchestrators."""

from typing import Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from service.api.deps import DecisionLogDep, RecommenderDep
from service.core.models import Health, Readiness
from service.web.problem_types import STORE_UNAVAILABLE
from service.web.problems import problem

router = APIRouter(tags=["operations"])


@router.get("/healthz", operation_id="health-live", summary="The process is alive", response_model=Health)
async def healthz() -> Health:
    """Answers 200 while the process can serve HTTP."""
    return Health(status="ok")


@router.get(
    "/readyz",
    operation_id="health-ready",
    summary="Rules are loaded and the decision store answers",
    response_model=Readiness,
    responses={503: {"description": "The decision store is not reachable, or recent writes to it failed."}},
)
async def readyz(recommender: RecommenderDep, decisions: DecisionLogDep) -> Readiness | JSONResponse:
    """Answers 200 once the rules are loaded into the engine and the decision store answers, and no
    write to it has failed in the last 30 s without one succeeding since; else 503."""
    if decisions is None:
        return Readiness(status="ready", ruleset=recommender.ref, decision_store="off")
    if not await run_in_threadpool(decisions.store.ping):
        return problem(STORE_UNAVAILABLE, "The decision store is not reachable.")
    if decisions.store.failed_recently():
        return problem(STORE_UNAVAILABLE, "Recent writes to the decision store failed.")
    postgres = decisions.store.dialect == "postgresql"
    store: Literal["postgresql", "sqlite"] = "postgresql" if postgres else "sqlite"
    return Readiness(status="ready", ruleset=recommender.ref, decision_store=store)
