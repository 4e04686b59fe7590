"""The review endpoints' answers, built once per process from the loaded ruleset and scenario files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from service.core.rulebook import RuleBook
from service.review.explain import RuleExplainer
from service.review.models import ExplainedRuleEntry, ExplainedRules, ScenarioEntry, ScenarioRef, Scenarios
from service.review.scenarios import run_scenarios


@dataclass(frozen=True)
class Review:
    rulebook: RuleBook  # what it was built from: a reload swaps the rule book, and the review with it
    rules: ExplainedRules
    scenarios: Scenarios


def build_review(rules_dir: Path, rulebook: RuleBook) -> Review:
    recommender = rulebook.recommender
    ran = run_scenarios(rules_dir, rulebook)
    explainer = RuleExplainer(recommender.catalog)
    texts = recommender.catalog.texts
    entries = []
    for rule in recommender.ruleset.rules:
        explained = explainer.explain(rule)
        reasons = {lang: text.reasons[rule.id] for lang, text in texts.items() if rule.id in text.reasons}
        covering = [ScenarioRef(file=s.file, name=s.name) for s in ran if rule.id in s.rules_fired]
        entries.append(
            ExplainedRuleEntry(
                id=rule.id,
                stage=rule.stage,
                action=rule.action,
                file=rule.file,
                text=explained.text,
                reasons=reasons,
                scenarios=covering,
            )
        )
    scenarios = [
        ScenarioEntry(file=s.file, name=s.name, request=s.request, expect=s.expect, valid=s.valid)
        for s in ran
    ]
    return Review(
        rulebook, ExplainedRules(ruleset=recommender.ref, rules=entries), Scenarios(scenarios=scenarios)
    )
