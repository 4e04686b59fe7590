"""Route dependencies, as Annotated aliases so route signatures read like prose."""

from typing import Annotated

from fastapi import Depends, Header, Request

from service.decisions.exceptions import StoreOff
from service.decisions.service import DecisionLog
from service.recommender import Recommender


def get_recommender(request: Request) -> Recommender:
    recommender: Recommender = request.app.state.recommender
    return recommender


RecommenderDep = Annotated[Recommender, Depends(get_recommender)]


AcceptLanguage = Annotated[
    str | None,
    Header(
        description="Preferred languages for patient-facing text (`en`, `es`); English when none fits.",
        examples=["es-MX,es;q=0.9,en;q=0.5"],
    ),
]


def get_decision_log(request: Request) -> DecisionLog | None:
    """The decision log, or None when DECISION_STORE=off."""
    log: DecisionLog | None = request.app.state.decisions
    return log


def client_of(request: Request) -> str | None:
    """The authenticated client id once authentication sets request.state.client_id; else the default."""
    client: str | None = getattr(request.state, "client_id", None)
    return client


DecisionLogDep = Annotated[DecisionLog | None, Depends(get_decision_log)]


def require_decision_log(request: Request) -> DecisionLog:
    """The decision log; the decision endpoints answer 503 when DECISION_STORE=off."""
    log: DecisionLog | None = request.app.state.decisions
    if log is None:
        raise StoreOff
    return log


DecisionsDep = Annotated[DecisionLog, Depends(require_decision_log)]
