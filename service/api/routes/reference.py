"""The catalog, the cancer types and the loaded rules."""

from fastapi import APIRouter, Response

from service.api.deps import AcceptLanguage, LiveRulesDep, RecommenderDep
from service.core.languages import negotiate
from service.core.models import (
    CancerTypeEntry,
    CancerTypesResponse,
    CatalogResponse,
    CatalogStep,
    Resource,
    RuleEntry,
    RulesResponse,
)
from service.core.ranking import resources_for
from service.core.recommender import Recommender

router = APIRouter(prefix="/v1", tags=["reference"])


def _language(response: Response, accept_language: str | None, recommender: Recommender) -> str:
    lang = negotiate(accept_language, recommender.catalog.texts)
    response.headers["Content-Language"] = lang
    response.headers["Vary"] = "Accept-Language"
    return lang


@router.get(
    "/next-steps",
    operation_id="next-steps-list",
    summary="The next-step catalog",
    response_model=CatalogResponse,
)
async def list_next_steps(
    recommender: RecommenderDep, response: Response, accept_language: AcceptLanguage = None
) -> CatalogResponse:
    """Every next step the service can recommend, with its text and links, in tie-break order.

    The text is in the best match for `Accept-Language` (English when none fits).
    """
    catalog = recommender.catalog
    text = catalog.texts[_language(response, accept_language, recommender)]
    steps = []
    for code in catalog.step_codes:
        words = text.steps[code]
        name = text.cancer_types["other"]
        steps.append(
            CatalogStep(
                code=code,
                title=words.title.replace("{cancer}", name),
                summary=words.summary.replace("{cancer}", name),
                details=words.details.replace("{cancer}", name),
                questions_to_ask=[q.replace("{cancer}", name) for q in words.questions],
                resources=resources_for(code, catalog, text, []),
            )
        )
    return CatalogResponse(next_steps=steps, ruleset=recommender.ref, disclaimer=text.disclaimer)


@router.get(
    "/cancer-types",
    operation_id="cancer-types-list",
    summary="Accepted cancer-type codes",
    response_model=CancerTypesResponse,
)
async def list_cancer_types(
    recommender: RecommenderDep, response: Response, accept_language: AcceptLanguage = None
) -> CancerTypesResponse:
    """The cancer-type codes accepted in opinions, with their names and patient pages.

    Names and page titles are in the best match for `Accept-Language` (English when none fits).
    """
    catalog = recommender.catalog
    text = catalog.texts[_language(response, accept_language, recommender)]
    entries = []
    for code, pages in catalog.cancer_types.items():
        name = text.cancer_types[code]
        resources = [
            Resource(title=text.resources[f"page_{kind}"].replace("{cancer}", name), url=url)
            for kind, url in pages.items()
        ]
        entries.append(CancerTypeEntry(code=code, name=name, resources=resources))
    return CancerTypesResponse(cancer_types=entries)


@router.get("/rules", operation_id="rules-list", summary="The loaded rules", response_model=RulesResponse)
async def list_rules(recommender: RecommenderDep, live: LiveRulesDep) -> RulesResponse:
    """Rule ids in evaluation order, with the ruleset version and the sha256 of the loaded files;
    `loaded` says when they were loaded and the last reload refused, if any."""
    rules = [
        RuleEntry(id=r.id, stage=r.stage, action=r.action, file=r.file) for r in recommender.ruleset.rules
    ]
    return RulesResponse(
        version=recommender.ref.version, sha256=recommender.ref.sha256, rules=rules, loaded=live.status()
    )
