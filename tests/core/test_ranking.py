"""Ranking: higher weight first; a tie keeps the catalog's order, whatever order the rules fired in."""

from __future__ import annotations

import itertools

import pytest

from service.core.actions import Outcome, Placement, StepState
from service.core.catalog import Catalog, load_catalog
from service.core.ranking import Renderer
from service.core.rulebook import RuleBook
from service.core.ruleset import Ruleset, load_ruleset
from tests.support.bodies import opinion
from tests.support.paths import RULES


@pytest.fixture(scope="module")
def shipped() -> tuple[Catalog, Ruleset]:
    catalog = load_catalog(RULES)
    return catalog, load_ruleset(RULES, catalog)


def outcome_with(ruleset: Ruleset, steps: list[tuple[str, int]]) -> Outcome:
    """An outcome holding these (step code, weight) pairs, inserted in the given order."""
    rule = next(rule.id for rule in ruleset.rules if rule.action == "recommend")
    outcome = Outcome(ruleset)
    for code, weight in steps:
        outcome.steps[code] = StepState(code, weight, [Placement(rule)])
    return outcome


def test_a_tie_keeps_the_catalog_order_whatever_order_the_steps_arrived_in(
    shipped: tuple[Catalog, Ruleset],
) -> None:
    catalog, ruleset = shipped
    renderer = Renderer(catalog, ruleset)
    first, second, third = catalog.step_codes[:3]
    for arrival in itertools.permutations([first, second, third]):
        ranked = renderer.rank(outcome_with(ruleset, [(code, 50) for code in arrival]))
        assert [s.code for s in ranked] == [first, second, third], arrival


def test_weight_outranks_catalog_order_and_a_tie_below_keeps_catalog_order(
    shipped: tuple[Catalog, Ruleset],
) -> None:
    catalog, ruleset = shipped
    renderer = Renderer(catalog, ruleset)
    first, second, third = catalog.step_codes[:3]
    ranked = renderer.rank(outcome_with(ruleset, [(first, 10), (second, 10), (third, 90)]))
    assert [s.code for s in ranked] == [third, first, second]


def test_the_rendered_ranks_follow_the_tie_break(shipped: tuple[Catalog, Ruleset]) -> None:
    catalog, ruleset = shipped
    first, second = catalog.step_codes[:2]
    steps = Renderer(catalog, ruleset).render(outcome_with(ruleset, [(second, 7), (first, 7)]), "en", [], 2)
    assert [(s.rank, s.code) for s in steps] == [(1, first), (2, second)]


def test_many_answers_reuse_the_same_link_objects() -> None:
    """The rendered text is kept per combination of cancer types named (thousands of them in a busy
    worker); a link is one object for all of them (one per place it comes from: a cancer type's pages or
    the resources table), not a copy per combination, which every full pass of Python's collector would
    walk again."""
    book = RuleBook.load(RULES)
    codes = sorted(book.catalog.cancer_types)
    seen: dict[tuple[str, str], set[int]] = {}
    for lang in ("en", "es"):
        for first, second in itertools.combinations(codes[:8], 2):
            body = {"opinions": [opinion(cancer_type=first), opinion(cancer_type=second, stage="III")]}
            for step in book.recommend(book.parse(body), lang).next_steps:
                for resource in step.resources:
                    seen.setdefault((resource.title, resource.url), set()).add(id(resource))
    assert len(seen) > 20  # pages of several cancer types and the national guides, in two languages
    # At most two: a page can be both a cancer type's own page and an entry of the resources table.
    assert {link: len(ids) for link, ids in seen.items() if len(ids) > 2} == {}
