"""POST /v1/recommendations: opinions in, ranked and explained next steps out."""

from fastapi import APIRouter, Request, Response

from service.api.deps import AcceptLanguage, RecommenderDep, require_scope
from service.languages import choose
from service.models import RecommendationRequest, RecommendationResponse
from service.problems import PROBLEM_RESPONSES
from service.telemetry import record_answer

router = APIRouter(prefix="/v1", tags=["recommendations"])


@router.post(
    "/recommendations",
    operation_id="recommendations-create",
    summary="Rank and explain next steps for a set of opinions",
    response_model=RecommendationResponse,
    responses=PROBLEM_RESPONSES,
    dependencies=[require_scope("recommend")],
)
async def create_recommendation(
    body: RecommendationRequest,
    recommender: RecommenderDep,
    request: Request,
    response: Response,
    accept_language: AcceptLanguage = None,
) -> RecommendationResponse:
    """Compare two to ten opinions and answer with the next steps, ranked, each with its reasons.

    The engine runs on the event loop thread: it takes well under a millisecond and
    must be entered by one thread at a time.

    Patient-facing text is in the request's `lang`, else the best match for `Accept-Language`,
    else English; `Content-Language` names the language used.
    """
    lang = choose(body.lang, accept_language, recommender.catalog.texts)
    response.headers["Content-Language"] = lang
    response.headers["Vary"] = "Accept-Language"
    answer = recommender.recommend(body, lang)
    record_answer(request, answer)
    return answer
