"""What the scenarios under rules/scenarios/ cover: per rule the scenarios that fire it, per step the
scenarios that rank it. `make rules-coverage` (also part of `make test`) runs it and fails when a rule
has no scenario, or a scenario's request is refused.

The scenarios are run as the review page runs them (service/review/scenarios.py): each request is
answered by the same recommender the service runs. tests/core/test_scenarios.py checks each `expect`.

    python -m service.review.coverage [--rules-dir rules] [--json coverage.json]
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from service.core.exceptions import RuleFileError
from service.core.rulebook import RuleBook
from service.review.scenarios import Scenario, run_scenarios


@dataclass
class Coverage:
    rules: dict[str, list[str]]  # rule id (in rule order) -> scenarios that fire it
    steps: dict[str, list[str]]  # step code (catalog order) -> scenarios that rank it
    rule_files: dict[str, str]  # rule id -> its file
    scenarios: int = 0
    problems: list[str] = field(default_factory=list)  # scenarios that could not be run

    @property
    def unfired(self) -> list[str]:
        return [rule for rule, names in self.rules.items() if not names]

    @property
    def unranked(self) -> list[str]:
        return [step for step, names in self.steps.items() if not names]

    @property
    def ok(self) -> bool:
        return not self.unfired and not self.problems and self.scenarios > 0

    def as_json(self) -> dict[str, Any]:
        return {
            "scenarios": self.scenarios,
            "rules": [{"id": r, "file": self.rule_files[r], "scenarios": s} for r, s in self.rules.items()],
            "steps": [{"code": c, "scenarios": s} for c, s in self.steps.items()],
            "unfired_rules": self.unfired,
            "unranked_steps": self.unranked,
            "problems": self.problems,
        }


def measure(rules: RuleBook, scenarios: list[Scenario]) -> Coverage:
    """Count the rules each scenario fired and the steps it ranked."""
    ruleset = rules.recommender.ruleset.rules
    coverage = Coverage(
        rules={rule.id: [] for rule in ruleset},
        steps={code: [] for code in rules.catalog.step_codes},
        rule_files={rule.id: rule.file for rule in ruleset},
    )
    for scenario in scenarios:
        label = f"{scenario.file}: {scenario.name}"
        coverage.scenarios += 1
        if not scenario.valid:
            coverage.problems.append(f"{label}: its request is refused by the service")
            continue
        for rule_id in scenario.rules_fired:
            coverage.rules[rule_id].append(label)
        for code in scenario.steps:
            coverage.steps[code].append(label)
    return coverage


def report(coverage: Coverage) -> str:
    lines = [f"{coverage.scenarios} scenarios", "", "Rules (the scenarios that fire each):"]
    for rule_id, names in coverage.rules.items():
        lines.append(f"  {rule_id} ({coverage.rule_files[rule_id]}): {len(names)}")
        lines += [f"      {name}" for name in names]
    lines += ["", "Steps (the scenarios that rank each):"]
    for code, names in coverage.steps.items():
        lines.append(f"  {code}: {len(names)}")
        lines += [f"      {name}" for name in names]
    lines.append("")
    fired = len(coverage.rules) - len(coverage.unfired)
    lines.append(f"Rules fired by some scenario: {fired} of {len(coverage.rules)}")
    ranked = len(coverage.steps) - len(coverage.unranked)
    lines.append(f"Steps ranked by some scenario: {ranked} of {len(coverage.steps)}")
    if coverage.unranked:
        lines.append(f"Steps no scenario ranks: {', '.join(coverage.unranked)}")
    if coverage.unfired:
        lines.append(f"FAIL: rules no scenario fires: {', '.join(coverage.unfired)}")
    for problem in coverage.problems:
        lines.append(f"FAIL: {problem}")
    if coverage.scenarios == 0:
        lines.append("FAIL: no scenarios under scenarios/")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m service.review.coverage", description=__doc__)
    parser.add_argument("--rules-dir", type=Path, default=Path(__file__).resolve().parents[2] / "rules")
    parser.add_argument("--json", type=Path, help="also write the coverage as JSON to this file")
    args = parser.parse_args(argv)
    try:
        rules = RuleBook.load(args.rules_dir)
    except RuleFileError as exc:
        print(f"rules-coverage: {exc}", file=sys.stderr)
        return 2
    coverage = measure(rules, run_scenarios(args.rules_dir, rules))
    print(report(coverage))
    if args.json:
        args.json.write_text(json.dumps(coverage.as_json(), indent=2) + "\n", encoding="utf-8")
    return 0 if coverage.ok else 1


if __name__ == "__main__":
    sys.exit(main())
