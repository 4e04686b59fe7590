"""Route dependencies, as Annotated aliases so route signatures read like prose."""

from typing import Annotated

from fastapi import Depends, Request

from service.recommender import Recommender


def get_recommender(request: Request) -> Recommender:
    recommender: Recommender = request.app.state.recommender
    return recommender


RecommenderDep = Annotated[Recommender, Depends(get_recommender)]
