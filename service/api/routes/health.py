"""Liveness and readiness, for load balancers and orchestrators."""

from fastapi import APIRouter

from service.api.deps import RecommenderDep
from service.models import Health, Readiness

router = APIRouter(tags=["operations"])


@router.get("/healthz", operation_id="health-live", summary="The process is alive", response_model=Health)
async def healthz() -> Health:
    """Answers 200 while the process can serve HTTP."""
    return Health(status="ok")


@router.get("/readyz", operation_id="health-ready", summary="Rules are loaded", response_model=Readiness)
async def readyz(recommender: RecommenderDep) -> Readiness:
    """Answers 200 once the rules are loaded into the engine, with the ruleset in use."""
    return Readiness(status="ready", ruleset=recommender.ref)
