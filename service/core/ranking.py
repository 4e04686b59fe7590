"""An evaluation's outcome, turned into ranked next steps in the patient's language."""

from __future__ import annotations

from functools import lru_cache

from service.core.actions import Outcome, StepState
from service.core.catalog import Catalog, LanguageText, StepText
from service.core.models import NextStep, Reason, Resource
from service.core.ruleset import Ruleset

PLACEHOLDER = "{cancer}"
# Rendered step text kept per (language, step, cancer types named): static catalog text, not answers.
STEP_TEXT_CACHE = 4096


def cancer_names(text: LanguageText, codes: list[str] | tuple[str, ...]) -> str:
    """Cancer types in plain words: "breast cancer or lymphoma"."""
    return text.joiner_or.join(text.cancer_types[code] for code in codes)


def resources_for(
    code: str, catalog: Catalog, text: LanguageText, cancer_types: list[str] | tuple[str, ...]
) -> list[Resource]:
    entry = catalog.step(code)
    found: list[Resource] = []
    if entry.per_cancer_type:
        for ct in cancer_types:
            for kind, url in catalog.cancer_types[ct].items():
                title = text.resources[f"page_{kind}"].replace(PLACEHOLDER, text.cancer_types[ct])
                found.append(Resource(title=title, url=url))
    found.extend(Resource(title=text.resources[ref], url=catalog.resources[ref]) for ref in entry.resources)
    return found


class Renderer:
    """Ranks an outcome's steps and adds their text, reasons and links; built once per ruleset."""

    def __init__(self, catalog: Catalog, ruleset: Ruleset) -> None:
        self.catalog = catalog
        self.step_order = {code: i for i, code in enumerate(catalog.step_codes)}
        self.rule_order = {rule.id: rule.order for rule in ruleset.rules}
        self.words = lru_cache(maxsize=STEP_TEXT_CACHE)(self._words)

    def rank(self, outcome: Outcome) -> list[StepState]:
        """Steps still on the list, highest weight first; ties keep catalog order."""
        live = [s for s in outcome.steps.values() if s.withdrawn_by is None]
        return sorted(live, key=lambda s: (-s.weight, self.step_order[s.code]))

    def _words(
        self, lang: str, code: str, cancer_types: tuple[str, ...]
    ) -> tuple[StepText, tuple[Resource, ...]]:
        """One step's text, with the cancer types filled in, and its links."""
        text = self.catalog.texts[lang]
        words = text.steps[code]
        cancer = cancer_names(text, cancer_types)
        filled = StepText(
            title=words.title.replace(PLACEHOLDER, cancer),
            summary=words.summary.replace(PLACEHOLDER, cancer),
            details=words.details.replace(PLACEHOLDER, cancer),
            questions=tuple(q.replace(PLACEHOLDER, cancer) for q in words.questions),
        )
        return filled, tuple(resources_for(code, self.catalog, text, cancer_types))

    def render(self, outcome: Outcome, lang: str, cancer_types: list[str]) -> list[NextStep]:
        """The ranked list with its text, reasons and resources."""
        text = self.catalog.texts[lang]
        named_types = tuple(cancer_types)
        cancer = cancer_names(text, named_types)
        steps: list[NextStep] = []
        for position, state in enumerate(self.rank(outcome), start=1):
            words, resources = self.words(lang, state.code, named_types)
            reasons = []
            for placement in sorted(state.placements, key=lambda p: self.rule_order[p.rule]):
                named = placement.params.get("cancer_type")
                reason_cancer = cancer_names(text, named) if named else cancer
                reasons.append(
                    Reason(
                        rule=placement.rule,
                        text=text.reasons[placement.rule].replace(PLACEHOLDER, reason_cancer),
                    )
                )
            steps.append(
                NextStep(
                    rank=position,
                    code=state.code,
                    title=words.title,
                    summary=words.summary,
                    details=words.details,
                    questions_to_ask=list(words.questions),
                    reasons=reasons,
                    resources=list(resources),
                )
            )
        return steps
