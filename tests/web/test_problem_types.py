"""One registry of problem types: each slug has one title and one status, and the documents follow it."""

from __future__ import annotations

import json
from typing import Any

from service.openapi.document import EXAMPLES
from service.web import problem_types
from service.web.problem_types import PROBLEM_BASE, ProblemType

REGISTERED = [v for v in vars(problem_types).values() if isinstance(v, ProblemType)]


def documented_problems(node: Any) -> list[dict[str, Any]]:
    """Every problem document among the OpenAPI examples."""
    if isinstance(node, dict):
        found = [node] if str(node.get("type", "")).startswith(PROBLEM_BASE) else []
        return found + [p for value in node.values() for p in documented_problems(value)]
    if isinstance(node, list):
        return [p for value in node for p in documented_problems(value)]
    return []


def test_each_slug_is_registered_once() -> None:
    slugs = [kind.slug for kind in REGISTERED]
    assert len(slugs) == len(set(slugs))


def test_every_documented_problem_has_its_registered_title_and_status() -> None:
    by_uri = {kind.uri: kind for kind in REGISTERED}
    examples = documented_problems(json.loads(EXAMPLES.read_text(encoding="utf-8")))
    assert examples
    for example in examples:
        kind = by_uri.get(example["type"]) or problem_types.for_http_status(example["status"])
        assert (example["title"], example["status"]) == (kind.title, kind.status), example["type"]
