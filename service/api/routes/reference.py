"""The catalog, the cancer types and the loaded rules."""

from fastapi import APIRouter, Response

from service.api.deps import AcceptLanguage, Caller, LiveRulesDep, RecommenderDep, RulesDep
from service.core.languages import negotiate
from service.core.models import (
    CancerTypeEntry,
    CancerTypesResponse,
    CatalogResponse,
    CatalogStep,
    RuleEntry,
    RulesResponse,
    TenantRef,
)
from service.core.phrasing import fill_values
from service.core.ranking import resources_for
from service.core.recommender import Recommender
from service.core.wording import cancer_phrases, cancer_type_pages, fill

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
    rules: RulesDep, caller: Caller, response: Response, accept_language: AcceptLanguage = None
) -> CatalogResponse:
    """Every next step the service can recommend, with its text and links, in tie-break order.

    The text is in the best match for `Accept-Language` (English when none fits). It is the caller's
    tenant's view, as its answers show the steps: steps the tenant cannot offer are left out, and its
    local resources and paragraphs are in (`tenant` names it).
    """
    recommender = rules.recommender
    catalog = recommender.catalog
    lang = _language(response, accept_language, recommender)
    text = catalog.texts[lang]
    tenant = rules.tenants[caller.tenant] if caller.tenant is not None else None
    steps = []
    # Generic words: "your type of cancer", and the doctors of any number of opinions.
    doctors = {"doctors": text.phrases.doctors["many"]}
    for code in catalog.step_codes:
        if tenant is not None and tenant.hides(code):
            continue
        words = text.steps[code]
        name = cancer_phrases(text, ["other"])

        def generic(template: str) -> str:
            return fill_values(fill(template, name), doctors)  # noqa: B023 - used at once

        details, resources = generic(words.details), resources_for(code, catalog, text, [])
        if tenant is not None:
            details, resources = tenant.words(code, details, resources, catalog, lang)
        steps.append(
            CatalogStep(
                code=code,
                title=generic(words.title),
                summary=generic(words.summary),
                details=details,
                questions_to_ask=[generic(q) for q in words.questions],
                resources=resources,
            )
        )
    return CatalogResponse(
        next_steps=steps,
        ruleset=recommender.ref,
        disclaimer=text.disclaimer,
        tenant=TenantRef(id=tenant.id, overrides_sha256=tenant.sha256) if tenant is not None else None,
    )


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
    for code in catalog.cancer_types:
        resources = cancer_type_pages(catalog, text, [code])
        entries.append(
            CancerTypeEntry(
                code=code,
                name=text.cancer_types[code],
                parent=catalog.cancer_types[code].parent,
                resources=resources,
            )
        )
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
