"""Route dependencies, as Annotated aliases so route signatures read like prose."""

from typing import Annotated

from fastapi import Depends, Header, Request

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
