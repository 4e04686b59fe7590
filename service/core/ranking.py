"""An evaluation's outcome, turned into ranked next steps in the patient's language."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache, partial

from service.core.actions import Outcome, StepState
from service.core.catalog import Catalog, LanguageText, StepText
from service.core.models import NextStep, Reason, Resource
from service.core.phrasing import TWO, AnswerValues, ValueWords, fill_named, fill_values
from service.core.ruleset import Ruleset
from service.core.wording import cancer_phrases, cancer_type_pages, fill, resource

# Rendered step text kept per (language, step, cancer types named), reasons per (language, rule, cancer
# types named) before the answer's values, links per (language, key) and a cancer type's own pages per
# (language, type): static catalog text, not answers.
STEP_TEXT_CACHE = 4096


def cancer_names(text: LanguageText, codes: list[str] | tuple[str, ...]) -> dict[str, str]:
    """The cancer types' words for each placeholder: {"cancer": "breast cancer or lymphoma", ...}."""
    return cancer_phrases(text, codes)


def resources_for(
    code: str,
    catalog: Catalog,
    text: LanguageText,
    cancer_types: list[str] | tuple[str, ...],
    pages: Callable[[str], Iterable[Resource]] | None = None,
    link: Callable[[str], Resource] | None = None,
) -> list[Resource]:
    """A step's links: the named cancer types' own pages (most specific, first named first), then the
    step's entries of the resources table. `pages` (per cancer type) and `link` (per key) look them up;
    the Renderer passes its caches, so every answer shows the same object for the same link."""
    entry = catalog.step(code)
    pages = pages or (lambda one: cancer_type_pages(catalog, text, (one,)))
    link = link or (lambda key: resource(catalog, text, key))
    named = catalog.most_specific(cancer_types) if entry.per_cancer_type else ()
    return [*(page for one in named for page in pages(one)), *(link(key) for key in entry.resources)]


class Renderer:
    """Ranks an outcome's steps and adds their text, reasons and links; built once per ruleset."""

    def __init__(self, catalog: Catalog, ruleset: Ruleset) -> None:
        self.catalog = catalog
        self.step_order = {code: i for i, code in enumerate(catalog.step_codes)}
        self.rule_order = {rule.id: rule.order for rule in ruleset.rules}
        self.words = lru_cache(maxsize=STEP_TEXT_CACHE)(self._words)
        self.reason_template = lru_cache(maxsize=STEP_TEXT_CACHE)(self._reason_template)
        self.link = lru_cache(maxsize=STEP_TEXT_CACHE)(self._link)
        self.pages = lru_cache(maxsize=STEP_TEXT_CACHE)(self._pages)

    def rank(self, outcome: Outcome) -> list[StepState]:
        """Steps still on the list, highest weight first; ties keep catalog order.

        A step placed with an "after" parameter then moves to right after the highest-ranked of
        those steps still on the list.
        """
        live = [s for s in outcome.steps.values() if s.withdrawn_by is None]
        ranked = sorted(live, key=lambda s: (-s.weight, self.step_order[s.code]))
        for state in [s for s in ranked if any(p.params.get("after") for p in s.placements)]:
            anchors = {code for p in state.placements for code in p.params.get("after", [])}
            others = [s for s in ranked if s is not state]
            at = next((i for i, s in enumerate(others) if s.code in anchors), None)
            if at is not None:
                ranked = [*others[: at + 1], state, *others[at + 1 :]]
        return ranked

    def _words(
        self, lang: str, code: str, cancer_types: tuple[str, ...], doctors: str
    ) -> tuple[StepText, tuple[Resource, ...]]:
        """One step's text, with the cancer types and the doctors filled in, and its links."""
        text = self.catalog.texts[lang]
        words = text.steps[code]
        cancer = cancer_names(text, self.catalog.most_specific(cancer_types))
        values = {"doctors": doctors}

        def filled_in(template: str) -> str:
            return fill_values(fill(template, cancer), values)

        filled = StepText(
            title=filled_in(words.title),
            summary=filled_in(words.summary),
            details=filled_in(words.details),
            questions=tuple(filled_in(q) for q in words.questions),
        )
        links = resources_for(
            code, self.catalog, text, cancer_types, partial(self.pages, lang), partial(self.link, lang)
        )
        return filled, tuple(links)

    def _pages(self, lang: str, cancer_type: str) -> tuple[Resource, ...]:
        """One cancer type's own pages. Kept per type, not per combination of types named: step text is
        kept for each combination (thousands), and each held its own copies of the same links, several
        objects each that Python's collector walked on every full pass. After the benchmark's 2,000
        comparisons in English and Spanish the caches held 53,505 tracked objects and 10.2 MB; with one
        object per link, 15,615 and 3.6 MB, and a full pass 0.9 ms instead of 8.7 (in one process)."""
        return tuple(cancer_type_pages(self.catalog, self.catalog.texts[lang], (cancer_type,)))

    def _reason_template(self, lang: str, rule: str, cancer_types: tuple[str, ...]) -> str:
        """A rule's reason with the cancer types filled in; the answer's values are filled in later."""
        text = self.catalog.texts[lang]
        return fill(text.reasons[rule], cancer_names(text, self.catalog.most_specific(cancer_types)))

    def _link(self, lang: str, key: str) -> Resource:
        return resource(self.catalog, self.catalog.texts[lang], key)

    def render(self, outcome: Outcome, lang: str, cancer_types: list[str], opinions: int) -> list[NextStep]:
        """The ranked list with its text, reasons and resources."""
        text = self.catalog.texts[lang]
        named_types = tuple(cancer_types)
        value_words = ValueWords(text.phrases, text.cancer_types.__getitem__)
        values = AnswerValues(value_words, opinions, lambda: outcome.facts_of("discordance"))
        doctors = text.phrases.doctors["two" if opinions == TWO else "many"]
        steps: list[NextStep] = []
        for position, state in enumerate(self.rank(outcome), start=1):
            words, resources = self.words(lang, state.code, named_types, doctors)
            reasons = []
            links: list[Resource] = []
            for placement in sorted(state.placements, key=lambda p: self.rule_order[p.rule]):
                params = placement.params
                named = params.get("cancer_type")
                template = self.reason_template(lang, placement.rule, tuple(named) if named else named_types)

                def value(name: str) -> str:
                    if name == "unknowns":
                        return value_words.unknowns(params.get("unknown", []))  # noqa: B023 - used at once
                    return values[name]

                reasons.append(Reason(rule=placement.rule, text=fill_named(template, value)))
                links.extend(self.link(lang, key) for key in params.get("link", []))
            steps.append(
                NextStep(
                    rank=position,
                    code=state.code,
                    title=words.title,
                    summary=words.summary,
                    details=words.details,
                    questions_to_ask=list(words.questions),
                    reasons=reasons,
                    resources=[*resources, *(r for r in links if r not in resources)],
                )
            )
        return steps
