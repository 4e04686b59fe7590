"""GET /v1/review/rules and /v1/review/scenarios over HTTP: admin only, generated from the loaded rules."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.support.auth import ApiKey, clients_file, serve
from tests.support.bodies import load_scenarios


def test_every_loaded_rule_is_explained_with_its_reasons_and_scenarios(client: httpx.Client) -> None:
    loaded = [rule["id"] for rule in client.get("/v1/rules").json()["rules"]]
    body = client.get("/v1/review/rules").json()
    rules = {rule["id"]: rule for rule in body["rules"]}
    assert list(rules) == loaded
    assert all(rule["text"].startswith("When ") and " → " in rule["text"] for rule in rules.values())
    diagnosis = rules["diagnosis_differs"]["text"]
    assert "the first opinion's family" in diagnosis  # a type and its own subtype never differ (issue 11)
    assert diagnosis.endswith("→ note that the diagnosis differs")
    joint = rules["differ_joint_review"]
    assert joint["text"].startswith("When the opinions differ → recommend “Ask your doctors to review")
    assert set(joint["reasons"]) == {"en", "es"}
    assert joint["reasons"]["es"].endswith("Hablarlo juntos suele ser la forma más rápida de aclararlo.")
    assert rules["consensus_uncertain"]["text"].endswith(
        "conclude that the opinions may or may not agree (something could not be compared)"
    )
    assert rules["diagnosis_differs"]["reasons"] == {}  # a derive rule gives patients no reason
    covering = {(s["file"], s["name"]) for s in rules["diagnosis_differs_pathology_review"]["scenarios"]}
    assert (
        "30-differ.yaml",
        "the diagnosis differs - pathology review right after the joint review",
    ) in covering
    assert all(
        s["file"] != "10-agree.yaml" for s in joint["scenarios"]
    )  # agreeing cases fire no "differ" rule


def test_the_scenarios_are_every_case_of_every_file(client: httpx.Client) -> None:
    served = client.get("/v1/review/scenarios").json()["scenarios"]
    expected = load_scenarios()
    assert [(s["file"], s["name"]) for s in served] == [(s["file"], s["name"]) for s in expected]
    assert served[0]["request"] == expected[0]["request"]
    assert all(s["valid"] for s in served)


def test_only_admin_may_read_the_review(tmp_path: Path) -> None:
    admin, portal = ApiKey(), ApiKey()
    path = clients_file(
        tmp_path,
        [
            {"id": "admin", "scopes": ["admin"], "api_keys": [admin.hash]},
            {
                "id": "portal",
                "scopes": ["recommend", "decisions:read", "feedback"],
                "api_keys": [portal.hash],
            },
        ],
    )
    with serve(CLIENTS_FILE=str(path)) as server, httpx.Client(base_url=server.base, timeout=30) as http:
        for url in ("/v1/review/rules", "/v1/review/scenarios"):
            assert http.get(url, headers=admin.headers).status_code == 200
            assert http.get(url, headers=portal.headers).status_code == 403
            assert http.get(url).status_code == 401
