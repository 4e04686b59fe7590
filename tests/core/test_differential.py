"""Differential check: durable-rules and the plain-Python evaluator reach the same outcome."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings

from bench.pyeval import PyEvaluator
from service.config import get_settings
from service.core.actions import Outcome
from service.core.facts import to_facts
from service.core.recommender import batches
from service.core.rulebook import RuleBook
from tests.strategies import requests
from tests.support.bodies import load_scenarios

RULES = RuleBook.load(get_settings().rules_dir)
RECOMMENDER = RULES.recommender
PYTHON = PyEvaluator(RECOMMENDER.ruleset)


def signature(outcome: Outcome) -> tuple[Any, ...]:
    steps = {
        code: (s.weight, [(p.rule, p.params) for p in s.placements], s.withdrawn_by)
        for code, s in outcome.steps.items()
    }
    return sorted(outcome.fired), steps, sorted(outcome.discordances), sorted(outcome.derived)


def both(body: dict[str, Any]) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    request = RULES.parse(body)
    engine = RECOMMENDER.evaluate(request)
    python = Outcome(RECOMMENDER.ruleset)
    PYTHON.evaluate(batches(to_facts(request, RECOMMENDER.families)), python.fire)
    return signature(engine), signature(python)


def test_the_scenarios_agree() -> None:
    for scenario in load_scenarios():
        engine, python = both(scenario["request"])
        assert engine == python, scenario["name"]


@settings(max_examples=400, deadline=None)
@given(body=requests)
def test_generated_comparisons_agree(body: dict[str, Any]) -> None:
    engine, python = both(body)
    assert engine == python
