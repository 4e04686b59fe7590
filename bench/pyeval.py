"""A small, independent plain-Python evaluator of the rule-condition language.

It reads the same checked rules (service.core.ruleset) and drives the same actions
(service.core.actions.Outcome) as the durable-rules engine, but does the matching
itself: for each stage, every rule's positive aliases are joined over the facts
(a fact binds to at most one alias of a match, as in durable-rules), negations
are checked against the facts not bound in the match, and rules fire until no
new (rule, binding) pair appears. It serves two purposes: a floor for the
engine's speed (bench/engine_bench.py), and an oracle for the differential test
(tests/core/test_differential.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from service.core.engine import Fact, FireHandler
from service.core.ruleset import STAGE_GATE, Rule, Ruleset, fact_type_of

Condition = tuple[str, str, Any]  # alias, fact type, condition
_MISSING = object()


def _operand(value: Any, bound: Mapping[str, Fact]) -> Any:
    if isinstance(value, dict):
        ((alias, field),) = value.items()
        return bound[alias].get(field, _MISSING)
    return value


def _compare(op: str, left: Any, right: Any) -> bool:
    if left is _MISSING or right is _MISSING:
        return op == "$neq" and left is _MISSING and right is not _MISSING
    if op == "$eq":
        return bool(left == right)
    if op == "$neq":
        return bool(left != right)
    if op == "$lt":
        return bool(left < right)
    if op == "$lte":
        return bool(left <= right)
    if op == "$gt":
        return bool(left > right)
    return bool(left >= right)


def matches(cond: Mapping[str, Any], fact: Fact, bound: Mapping[str, Fact]) -> bool:
    """Does one fact satisfy a condition, given the facts already bound to earlier aliases?"""
    ((key, value),) = cond.items()
    if key == "$and":
        return all(matches(child, fact, bound) for child in value)
    if key == "$or":
        return any(matches(child, fact, bound) for child in value)
    if key in ("$ex", "$nex"):
        ((field, _),) = value.items()
        return (field in fact) == (key == "$ex")
    if key.startswith("$"):
        ((field, operand),) = value.items()
        return _compare(key, fact.get(field, _MISSING), _operand(operand, bound))
    return _compare("$eq", fact.get(key, _MISSING), _operand(value, bound))


class PyEvaluator:
    """Evaluates a checked Ruleset over facts, stage by stage, without durable-rules."""

    def __init__(self, ruleset: Ruleset) -> None:
        self._stages: dict[str, list[tuple[Rule, list[Condition]]]] = {}
        for rule in ruleset.rules:
            conditions = [
                (alias, fact_type_of(cond) or "", cond)
                for item in rule.definition["all"]
                for alias, cond in item.items()
                if alias != STAGE_GATE
            ]
            self._stages.setdefault(rule.stage, []).append((rule, conditions))

    def evaluate(self, batches: Sequence[Sequence[Fact]], handler: FireHandler) -> None:
        """Same contract as service.core.engine.RulesEngine.evaluate: inputs, then a phase fact per stage."""
        facts: dict[str, list[Fact]] = {}  # by fact type
        for batch in batches:
            for fact in batch:
                if fact.get("t") == "phase":
                    self._run_stage(str(fact["name"]), facts, handler)
                else:
                    _add(facts, fact)

    def _run_stage(self, stage: str, facts: dict[str, list[Fact]], handler: FireHandler) -> None:
        fired: set[tuple[str, tuple[int, ...]]] = set()
        progress = True
        while progress:
            progress = False
            for rule, conditions in self._stages.get(stage, []):
                for binding in list(self._bindings(conditions, facts, {}, ())):
                    key = (rule.id, binding[1])
                    if key in fired:
                        continue
                    fired.add(key)
                    progress = True
                    for new in handler(rule.id, binding[0]):
                        _add(facts, new)

    def _bindings(
        self,
        conditions: list[Condition],
        facts: dict[str, list[Fact]],
        bound: dict[str, Fact],
        used: tuple[int, ...],
    ) -> Iterable[tuple[dict[str, Fact], tuple[int, ...]]]:
        if not conditions:
            yield dict(bound), used
            return
        (alias, fact_type, cond), rest = conditions[0], conditions[1:]
        candidates = facts.get(fact_type, [])
        if alias.endswith("$not"):
            if not any(id(f) not in used and matches(cond, f, bound) for f in candidates):
                yield from self._bindings(rest, facts, bound, used)
            return
        for fact in candidates:
            if id(fact) not in used and matches(cond, fact, bound):
                yield from self._bindings(rest, facts, {**bound, alias: fact}, (*used, id(fact)))


def _add(facts: dict[str, list[Fact]], fact: Fact) -> None:
    """Facts are a set, as in the engine: the same fact twice is one fact."""
    same_type = facts.setdefault(str(fact.get("t")), [])
    if fact not in same_type:
        same_type.append(dict(fact))
