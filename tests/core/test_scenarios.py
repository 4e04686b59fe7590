"""The scenario files beside the rules, run against a live server.

A scenario's `expect` may say: next_steps (codes in rank order), discordances, unknowns, consensus,
reasons (step code -> the exact reason texts, in order), text (step code -> field -> words the field
must contain), text_not (words no step text or reason may contain), fired and not_fired (rule ids).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support.bodies import load_scenarios

SCENARIOS = load_scenarios()


def everything_said(body: dict[str, Any]) -> str:
    parts = []
    for step in body["next_steps"]:
        parts += [step["title"], step["summary"], step["details"], *step["questions_to_ask"]]
        parts += [r["text"] for r in step["reasons"]]
    return "\n".join(parts)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[f"{s['file']}:{s['name']}" for s in SCENARIOS])
def test_scenario(client: httpx.Client, scenario: dict[str, Any]) -> None:
    response = client.post("/v1/recommendations", json=scenario["request"])
    assert response.status_code == 200, response.text
    body = response.json()
    expect = scenario["expect"]
    assert [s["code"] for s in body["next_steps"]] == expect["next_steps"]
    for key in ("discordances", "unknowns", "consensus"):
        if key in expect:
            assert body[key] == expect[key], key
    steps = {s["code"]: s for s in body["next_steps"]}
    for code, texts in expect.get("reasons", {}).items():
        assert [r["text"] for r in steps[code]["reasons"]] == texts, code
    for code, fields in expect.get("text", {}).items():
        for field, words in fields.items():
            assert words in steps[code][field], (code, field)
    said = everything_said(body)
    for words in expect.get("text_not", []):
        assert words not in said
    assert "{" not in said, "a placeholder was left unfilled"
    assert set(expect.get("fired", [])) <= set(body["rules_fired"])
    assert not set(expect.get("not_fired", [])) & set(body["rules_fired"])


def test_there_are_at_least_sixty_scenarios() -> None:
    assert len(SCENARIOS) >= 60
    assert len({s["name"] for s in SCENARIOS}) == len(SCENARIOS)


def test_every_rule_is_fired_by_some_scenario(client: httpx.Client) -> None:
    rule_ids = {rule["id"] for rule in client.get("/v1/rules").json()["rules"]}
    fired: set[str] = set()
    for scenario in SCENARIOS:
        fired |= set(client.post("/v1/recommendations", json=scenario["request"]).json()["rules_fired"])
    assert rule_ids - fired == set(), "rules that no scenario fires"
    assert fired <= rule_ids
