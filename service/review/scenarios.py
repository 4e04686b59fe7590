"""The scenario files under rules/scenarios/: read, and run through the loaded rules to see which rules
each one makes fire (the coverage the review page shows)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from service.core.rulebook import RuleBook


@dataclass(frozen=True)
class Scenario:
    file: str
    name: str
    request: dict[str, Any]
    expect: dict[str, Any]
    rules_fired: tuple[str, ...]  # empty when the request is not valid for this service
    valid: bool


def _entries(path: Path) -> list[dict[str, Any]]:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [e for e in doc if isinstance(e, dict)] if isinstance(doc, list) else []


def run_scenarios(rules_dir: Path, rules: RuleBook) -> list[Scenario]:
    """Every scenario of every file, in file and then listed order, with the rules it fires."""
    found: list[Scenario] = []
    for path in sorted((rules_dir / "scenarios").glob("*.yaml")):
        for entry in _entries(path):
            request: dict[str, Any] = entry["request"] if isinstance(entry.get("request"), dict) else {}
            expect: dict[str, Any] = entry["expect"] if isinstance(entry.get("expect"), dict) else {}
            try:
                fired = tuple(rules.recommender.recommend(rules.parse(request)).rules_fired)
                valid = True
            except ValidationError:
                fired, valid = (), False
            found.append(Scenario(path.name, str(entry.get("name", "")), request, expect, fired, valid))
    return found
