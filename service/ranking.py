"""An evaluation's outcome, turned into ranked next steps in the patient's language."""

from __future__ import annotations

from service.actions import Outcome, StepState
from service.catalog import Catalog, LanguageText
from service.models import NextStep, Reason, Resource

PLACEHOLDER = "{cancer}"


def cancer_names(text: LanguageText, codes: list[str]) -> str:
    """Cancer types in plain words: "breast cancer or lymphoma"."""
    return text.joiner_or.join(text.cancer_types[code] for code in codes)


def rank(outcome: Outcome, catalog: Catalog) -> list[StepState]:
    """Steps still on the list, highest weight first; ties keep catalog order."""
    order = {code: i for i, code in enumerate(catalog.step_codes)}
    live = [s for s in outcome.steps.values() if s.withdrawn_by is None]
    return sorted(live, key=lambda s: (-s.weight, order[s.code]))


def resources_for(code: str, catalog: Catalog, text: LanguageText, cancer_types: list[str]) -> list[Resource]:
    entry = catalog.step(code)
    found: list[Resource] = []
    if entry.per_cancer_type:
        for ct in cancer_types:
            for kind, url in catalog.cancer_types[ct].items():
                title = text.resources[f"page_{kind}"].replace(PLACEHOLDER, text.cancer_types[ct])
                found.append(Resource(title=title, url=url))
    found.extend(Resource(title=text.resources[ref], url=catalog.resources[ref]) for ref in entry.resources)
    return found


def render(outcome: Outcome, catalog: Catalog, lang: str, cancer_types: list[str]) -> list[NextStep]:
    """The ranked list with its text, reasons and resources."""
    text = catalog.texts[lang]
    cancer = cancer_names(text, cancer_types)
    order = {rule.id: rule.order for rule in outcome.ruleset.rules}
    steps: list[NextStep] = []
    for position, state in enumerate(rank(outcome, catalog), start=1):
        words = text.steps[state.code]
        reasons = []
        for placement in sorted(state.placements, key=lambda p: order[p.rule]):
            named = placement.params.get("cancer_type")
            reason_cancer = cancer_names(text, named) if named else cancer
            reasons.append(
                Reason(
                    rule=placement.rule, text=text.reasons[placement.rule].replace(PLACEHOLDER, reason_cancer)
                )
            )
        steps.append(
            NextStep(
                rank=position,
                code=state.code,
                title=words.title.replace(PLACEHOLDER, cancer),
                summary=words.summary.replace(PLACEHOLDER, cancer),
                details=words.details.replace(PLACEHOLDER, cancer),
                questions_to_ask=[q.replace(PLACEHOLDER, cancer) for q in words.questions],
                reasons=reasons,
                resources=resources_for(state.code, catalog, text, cancer_types),
            )
        )
    return steps
