"""POST /bench/floor: the benchmark's floor, served only when BENCH_FLOOR=true.

It takes the same body with the same validation as POST /v1/recommendations and answers a
fixed recommendation of the same size through the same response model, so the difference
between the two endpoints is the cost of the engine, the ranking and the text.
"""

from fastapi import APIRouter

from service.api.deps import RulesDep
from service.core.models import RecommendationRequest, RecommendationResponse
from service.core.rulebook import RuleBook

router = APIRouter(prefix="/bench", include_in_schema=False)

FIXED = {
    "opinions": [
        {
            "clinician": {"specialty": "surgical_oncology"},
            "diagnosis": {"cancer_type": "breast", "stage": "II"},
            "treatment": {"modalities": ["surgery"]},
        },
        {
            "clinician": {"specialty": "medical_oncology"},
            "diagnosis": {"cancer_type": "breast", "stage": "II"},
            "treatment": {"modalities": ["chemotherapy", "surgery"]},
        },
    ]
}


_answers: dict[int, RecommendationResponse] = {}


def fixed_answer(rules: RuleBook) -> RecommendationResponse:
    """A typical answer (two opinions that differ in treatment), computed once per rule book."""
    answer = _answers.get(id(rules))
    if answer is None:
        answer = _answers[id(rules)] = rules.recommender.recommend(rules.parse(FIXED))
    return answer


@router.post("/floor", response_model=RecommendationResponse)
async def floor(body: RecommendationRequest, rules: RulesDep) -> RecommendationResponse:
    return fixed_answer(rules)
