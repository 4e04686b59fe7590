"""The data path, top to bottom: request -> facts -> engine -> ranking -> response."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from service.core.actions import Outcome
from service.core.catalog import DEFAULT_LANG, Catalog, read_catalog, ruleset_sha256
from service.core.engine import Fact, RulesEngine
from service.core.exceptions import EngineError
from service.core.facts import cancer_types_named, to_facts
from service.core.models import Intent, Modality, RecommendationRequest, RecommendationResponse, RulesetRef
from service.core.phrasing import check_phrases
from service.core.ranking import Renderer
from service.core.ruleset import STAGES, Ruleset, load_ruleset

RULESET_NAME = "nextsteps"
DISCORDANCE_ORDER = ("diagnosis", "stage", "treatment")
# One phase fact per stage, asserted after the one before has finished. The first
# stage's phase fact goes last in the batch of input facts, saving one engine call.
PHASES = [{"t": "phase", "name": stage} for stage in STAGES]


def batches(facts: list[Fact]) -> list[list[Fact]]:
    """Input facts with the first phase fact, then one batch per later stage."""
    return [[*facts, PHASES[0]], *([phase] for phase in PHASES[1:])]


# Read by the layers above (rules/fhir: FHIR mapping, rules/cds: card wording, rules/handout: handout
# words); they shape what callers get too, so they are part of the revision and a change to them reloads.
INTEGRATION_DIRS = ("fhir", "cds", "handout")


def _integration_files(rules_dir: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(rules_dir)): path.read_bytes()
        for folder in INTEGRATION_DIRS
        for path in sorted((rules_dir / folder).glob("*.yaml"))
    }


@dataclass
class Recommender:
    catalog: Catalog
    ruleset: Ruleset
    engine: RulesEngine
    ref: RulesetRef
    # Wraps each evaluation; the app passes its engine-time metric (service/web/metrics.py).
    timer: Callable[[], AbstractContextManager[object]] = nullcontext
    renderer: Renderer = field(init=False)
    families: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        self.renderer = Renderer(self.catalog, self.ruleset)
        # cancer-type code -> broad type (cll -> leukemia): "a type and its subtype never differ"
        self.families = {code: self.catalog.family(code) for code in self.catalog.cancer_types}

    @classmethod
    def load(
        cls,
        rules_dir: Path,
        timer: Callable[[], AbstractContextManager[object]] = nullcontext,
        name: str = RULESET_NAME,
    ) -> Recommender:
        """Read and check rules_dir and compile it in the engine as ruleset `name` (unique in the
        process: a reload compiles beside the rules in use); raises RuleFileError."""
        catalog = read_catalog(rules_dir)
        for lang, text in catalog.texts.items():
            check_phrases(lang, text.phrases, [m.value for m in Modality], [i.value for i in Intent])
        ruleset = load_ruleset(rules_dir, catalog)
        aliases = {rule.id: list(rule.aliases) for rule in ruleset.rules}
        engine = RulesEngine(name, ruleset.definition(), aliases)
        sha = ruleset_sha256({**_integration_files(rules_dir), **catalog.files, **ruleset.files})
        return cls(catalog, ruleset, engine, RulesetRef(version=catalog.version, sha256=sha), timer)

    def evaluate(self, request: RecommendationRequest) -> Outcome:
        outcome = Outcome(self.ruleset)
        with self.timer():
            self.engine.evaluate(batches(to_facts(request, self.families)), outcome.fire)
        return outcome

    def recommend(self, request: RecommendationRequest, lang: str = DEFAULT_LANG) -> RecommendationResponse:
        outcome = self.evaluate(request)
        if len(outcome.consensus) != 1:  # the rules conclude exactly one; anything else is a rule bug
            raise EngineError(f"the rules concluded {len(outcome.consensus)} consensus values, not one")
        (consensus,) = outcome.consensus
        return RecommendationResponse(
            next_steps=self.renderer.render(
                outcome, lang, cancer_types_named(request), len(request.opinions)
            ),
            discordances=[kind for kind in DISCORDANCE_ORDER if kind in outcome.discordances],  # type: ignore[misc]
            unknowns=[kind for kind in DISCORDANCE_ORDER if kind in outcome.unknowns],  # type: ignore[misc]
            consensus=consensus,  # type: ignore[arg-type]
            ruleset=self.ref,
            rules_fired=sorted(outcome.fired, key=self.renderer.rule_order.__getitem__),
            disclaimer=self.catalog.texts[lang].disclaimer,
        )
