"""The scenario files beside the rules, run against a live server."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support.bodies import load_scenarios

SCENARIOS = load_scenarios()


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[f"{s['file']}:{s['name']}" for s in SCENARIOS])
def test_scenario(client: httpx.Client, scenario: dict[str, Any]) -> None:
    response = client.post("/v1/recommendations", json=scenario["request"])
    assert response.status_code == 200, response.text
    body = response.json()
    expect = scenario["expect"]
    assert [s["code"] for s in body["next_steps"]] == expect["next_steps"]
    if "discordances" in expect:
        assert body["discordances"] == expect["discordances"]
    if "consensus" in expect:
        assert body["consensus"] == expect["consensus"]


def test_every_rule_is_fired_by_some_scenario(client: httpx.Client) -> None:
    rule_ids = {rule["id"] for rule in client.get("/v1/rules").json()["rules"]}
    fired: set[str] = set()
    for scenario in SCENARIOS:
        fired |= set(client.post("/v1/recommendations", json=scenario["request"]).json()["rules_fired"])
    assert rule_ids - fired == set(), "rules that no scenario fires"
    assert fired <= rule_ids
