"""Who may read and give feedback on which decisions: each client its own, `admin` every one."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.support.auth import ApiKey, clients_file, serve
from tests.support.bodies import TREATMENTS_DIFFER

BODY = TREATMENTS_DIFFER


def test_a_client_reads_and_rates_only_its_own_decisions(tmp_path: Path) -> None:
    portal_a, portal_b, auditor, recommender_only = ApiKey(), ApiKey(), ApiKey(), ApiKey()
    path = clients_file(
        tmp_path,
        [
            {
                "id": "portal-a",
                "scopes": ["recommend", "decisions:read", "feedback"],
                "api_keys": [portal_a.hash],
            },
            {
                "id": "portal-b",
                "scopes": ["recommend", "decisions:read", "feedback"],
                "api_keys": [portal_b.hash],
            },
            {"id": "auditor", "scopes": ["admin"], "api_keys": [auditor.hash]},
            {"id": "ehr", "scopes": ["recommend"], "api_keys": [recommender_only.hash]},
        ],
    )
    with serve(CLIENTS_FILE=str(path)) as server, httpx.Client(base_url=server.base, timeout=30) as http:
        a = http.post("/v1/recommendations", json=BODY, headers=portal_a.headers).json()
        b = http.post("/v1/recommendations", json=BODY, headers=portal_b.headers).json()
        url_a = f"/v1/recommendations/{a['decision_id']}"
        step = {"step_code": a["next_steps"][0]["code"], "outcome": "done", "reporter": "patient"}

        assert http.get(url_a, headers=portal_a.headers).status_code == 200
        assert http.get(url_a, headers=portal_b.headers).status_code == 404  # not even its existence
        assert http.post(f"{url_a}/feedback", json=step, headers=portal_b.headers).status_code == 404
        assert http.post(f"{url_a}/feedback", json=step, headers=portal_a.headers).status_code == 201
        assert http.get(url_a, headers=recommender_only.headers).status_code == 403
        assert http.get("/v1/decisions", headers=recommender_only.headers).status_code == 403

        def listed(key: ApiKey) -> list[tuple[str, str]]:
            page = http.get("/v1/decisions", headers=key.headers).json()
            return [(d["id"], d["client_id"]) for d in page["decisions"]]

        assert listed(portal_a) == [(a["decision_id"], "portal-a")]
        assert listed(portal_b) == [(b["decision_id"], "portal-b")]
        assert set(listed(auditor)) == {(a["decision_id"], "portal-a"), (b["decision_id"], "portal-b")}
        report_b = http.get("/v1/decisions/report", headers=portal_b.headers).json()
        assert report_b["decisions"] == 1 and all(s["feedback"]["done"] == 0 for s in report_b["steps"])
        report_all = http.get("/v1/decisions/report", headers=auditor.headers).json()
        assert report_all["decisions"] == 2


def test_cds_hooks_card_feedback_is_taken_only_on_the_callers_own_cards(tmp_path: Path) -> None:
    from tests.api.routes.test_cds_hooks import CALL, hook_call

    ehr_a, ehr_b = ApiKey(), ApiKey()
    path = clients_file(
        tmp_path,
        [
            {"id": "ehr-a", "scopes": ["recommend", "feedback", "decisions:read"], "api_keys": [ehr_a.hash]},
            {"id": "ehr-b", "scopes": ["recommend", "feedback", "decisions:read"], "api_keys": [ehr_b.hash]},
        ],
    )
    with serve(CLIENTS_FILE=str(path)) as server, httpx.Client(base_url=server.base, timeout=30) as http:
        card = http.post(CALL, json=hook_call(), headers=ehr_a.headers).json()["cards"][0]
        feedback = {
            "feedback": [
                {"card": card["uuid"], "outcome": "accepted", "outcomeTimestamp": "2026-11-25T10:00:00Z"}
            ]
        }

        def helpful() -> int:
            report = http.get("/v1/decisions/report", headers=ehr_a.headers).json()
            return sum(s["feedback"]["helpful"] for s in report["steps"])

        assert http.post(f"{CALL}/feedback", json=feedback, headers=ehr_b.headers).status_code == 400
        assert helpful() == 0  # another client's card: refused, as a card never issued is
        assert http.post(f"{CALL}/feedback", json=feedback, headers=ehr_a.headers).status_code == 200
        assert helpful() == 1
