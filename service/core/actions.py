"""What a rule does when it fires: derive a fact, recommend a step, conclude, adjust or withdraw a step.

Each evaluation collects its results in an Outcome. The engine adapter calls
Outcome.fire for every rule firing; the facts it returns go back into the engine,
which is how one stage's conclusions feed the next (forward chaining).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from service.core.engine import Fact
from service.core.ruleset import Ruleset


@dataclass
class Placement:
    """One rule's part in a step's rank: it put the step on the list or moved it."""

    rule: str
    params: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class StepState:
    code: str
    weight: int
    placements: list[Placement] = field(default_factory=list)
    withdrawn_by: str | None = None

    def placement(self, rule: str) -> Placement | None:
        return next((p for p in self.placements if p.rule == rule), None)


@dataclass
class Outcome:
    """Everything one evaluation concluded."""

    ruleset: Ruleset
    derived: set[tuple[tuple[str, str], ...]] = field(default_factory=set)
    discordances: set[str] = field(default_factory=set)
    unknowns: set[str] = field(default_factory=set)
    consensus: set[str] = field(default_factory=set)  # what the conclude rules said; one value expected
    steps: dict[str, StepState] = field(default_factory=dict)
    fired: set[str] = field(default_factory=set)

    def facts_of(self, fact_type: str) -> list[dict[str, str]]:
        """The derived facts of one type, in a fixed order."""
        return [dict(key) for key in sorted(self.derived) if dict(key)["t"] == fact_type]

    def fire(self, rule_id: str, matched: Mapping[str, Fact]) -> Iterable[Fact]:
        rule = self.ruleset.by_id[rule_id]
        self.fired.add(rule_id)
        then = rule.then
        if rule.action == "derive":
            return self._derive(_resolve(then["fact"], matched))
        if rule.action == "recommend":
            return self._recommend(
                rule_id, then["step"], then["weight"], _resolve(then.get("params", {}), matched)
            )
        if rule.action == "conclude":
            self.consensus.add(then["consensus"])
            return ()
        step = self.steps[matched[then["step"]]["code"]]
        if rule.action == "withdraw":
            step.withdrawn_by = step.withdrawn_by or rule_id
        else:
            self._adjust(step, rule_id, then["by"], _resolve(then.get("params", {}), matched))
        return ()

    def _derive(self, fact: dict[str, str]) -> Iterable[Fact]:
        key = tuple(sorted(fact.items()))
        if key in self.derived:
            return ()
        self.derived.add(key)
        if fact["t"] == "discordance":
            self.discordances.add(fact["kind"])
        elif fact["t"] == "unknown":
            self.unknowns.add(fact["kind"])
        return (fact,)

    def _recommend(self, rule_id: str, code: str, weight: int, params: dict[str, str]) -> Iterable[Fact]:
        step = self.steps.get(code)
        new = step is None
        if step is None:
            step = self.steps[code] = StepState(code, weight)
        placement = step.placement(rule_id)
        if placement is None:  # a rule places a step once, however many facts it matched
            placement = Placement(rule_id)
            step.placements.append(placement)
            step.weight = max(step.weight, weight)
        _collect(placement, params)
        return ({"t": "step", "code": code},) if new else ()

    @staticmethod
    def _adjust(step: StepState, rule_id: str, by: int, params: dict[str, str]) -> None:
        placement = step.placement(rule_id)
        if placement is None:  # a rule moves a step once, however many facts it matched
            placement = Placement(rule_id)
            step.placements.append(placement)
            step.weight += by
        _collect(placement, params)


def _collect(placement: Placement, params: dict[str, str]) -> None:
    """Adds each parameter value once; kept sorted, so the firing order never shows."""
    for name, value in params.items():
        values = placement.params.setdefault(name, [])
        if value not in values:
            values.append(value)
            values.sort()


def _resolve(template: Mapping[str, Any], matched: Mapping[str, Fact]) -> dict[str, Any]:
    """Fill references (alias: field) in a template with the matched facts' values."""
    out: dict[str, Any] = {}
    for name, value in template.items():
        if isinstance(value, dict):  # a reference; anything else is a literal
            ((alias, fname),) = value.items()
            out[name] = matched[alias][fname]
        else:
            out[name] = value
    return out
