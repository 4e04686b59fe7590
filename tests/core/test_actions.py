"""What firing rules do to a step: two rules recommending one step keep the higher weight."""

from __future__ import annotations

from dataclasses import replace

import pytest

from service.core.actions import Outcome
from service.core.catalog import load_catalog
from service.core.ruleset import Rule, Ruleset, load_ruleset
from tests.support.paths import RULES


@pytest.fixture(scope="module")
def ruleset() -> Ruleset:
    return load_ruleset(RULES, load_catalog(RULES))


def two_recommenders(ruleset: Ruleset, code: str, low: int, high: int) -> Ruleset:
    """The shipped ruleset plus two recommend rules for one step, with a low and a high weight."""
    template = next(rule for rule in ruleset.rules if rule.action == "recommend")

    def recommender(rule_id: str, weight: int) -> Rule:
        then = {"action": "recommend", "step": code, "weight": weight}
        return replace(template, id=rule_id, then=then)

    extra = [recommender("test_low", low), recommender("test_high", high)]
    return Ruleset(rules=[*ruleset.rules, *extra], schema=ruleset.schema, files=ruleset.files)


@pytest.mark.parametrize("order", [("test_low", "test_high"), ("test_high", "test_low")])
def test_a_step_recommended_twice_keeps_the_higher_weight(ruleset: Ruleset, order: tuple[str, str]) -> None:
    code = next(rule.then["step"] for rule in ruleset.rules if rule.action == "recommend")
    outcome = Outcome(two_recommenders(ruleset, code, low=20, high=65))
    for rule_id in order:
        outcome.fire(rule_id, {})
    step = outcome.steps[code]
    assert step.weight == 65
    assert [p.rule for p in step.placements] == list(order)  # both rules are its reasons


def test_the_same_rule_firing_again_changes_nothing(ruleset: Ruleset) -> None:
    code = next(rule.then["step"] for rule in ruleset.rules if rule.action == "recommend")
    outcome = Outcome(two_recommenders(ruleset, code, low=20, high=65))
    assert list(outcome.fire("test_low", {})) == [{"t": "step", "code": code}]  # the step enters the engine
    assert list(outcome.fire("test_low", {})) == []
    assert list(outcome.fire("test_high", {})) == []  # only once per step
    assert outcome.steps[code].weight == 65
