"""The decision log over HTTP, on SQLite and on PostgreSQL: what a portal and an auditor would check."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.support.bodies import AGREE, TREATMENTS_DIFFER, opinion
from tests.support.server import AUTH

DIFFER = TREATMENTS_DIFFER
LUNG = {"opinions": [opinion("lung", "III"), opinion("lung", "IV", modalities=("radiation",))]}


def post(client: httpx.Client, body: dict[str, Any], key: str | None = None) -> httpx.Response:
    headers = {"Idempotency-Key": key} if key else {}
    return client.post("/v1/recommendations", json=body, headers=headers)


def decide(client: httpx.Client, body: dict[str, Any]) -> dict[str, Any]:
    response = post(client, body)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def assert_problem(response: httpx.Response, status: int, field: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem: dict[str, Any] = response.json()
    assert problem["status"] == status and problem["title"] and problem["detail"]
    if field is not None:
        assert [e["field"] for e in problem["errors"]] == [field]
    return problem


def test_every_answer_carries_a_decision_id_that_returns_the_same_answer(store_client: httpx.Client) -> None:
    first = post(store_client, DIFFER)
    assert first.status_code == 200
    decision_id = first.json()["decision_id"]
    assert uuid.UUID(decision_id).version == 7  # time-ordered (service/decisions/ids.py)
    again = store_client.get(f"/v1/recommendations/{decision_id}")
    assert again.status_code == 200
    assert again.headers["content-type"] == "application/json"
    assert again.content == first.content


def test_unknown_and_malformed_decision_ids_are_problems(store_client: httpx.Client) -> None:
    assert_problem(store_client.get(f"/v1/recommendations/{uuid.uuid4()}"), 404)
    assert_problem(store_client.get("/v1/recommendations/not-a-uuid"), 422, "decision_id")


def test_decisions_list_what_was_shown_with_the_rules_behind_each_step(store_client: httpx.Client) -> None:
    shown = decide(store_client, DIFFER)
    page = store_client.get("/v1/decisions").json()
    [entry] = page["decisions"]
    assert entry["id"] == shown["decision_id"]
    assert entry["client_id"] == "dev"  # the authenticated client (the tests' development key)
    assert entry["ruleset"] == shown["ruleset"]
    assert [(s["rank"], s["code"]) for s in entry["next_steps"]] == [
        (s["rank"], s["code"]) for s in shown["next_steps"]
    ]
    for kept, step in zip(entry["next_steps"], shown["next_steps"], strict=True):
        assert kept["rules"] == [r["rule"] for r in step["reasons"]]
    assert entry["request_storage"] == "none" and entry["request"] is None and entry["request_sha256"] is None
    assert page["next_cursor"] is None


def test_cursor_pagination_visits_every_decision_once_newest_first(store_client: httpx.Client) -> None:
    made = [decide(store_client, AGREE)["decision_id"] for _ in range(7)]
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, str | int] = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        response = store_client.get("/v1/decisions", params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        seen += [d["id"] for d in page["decisions"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
        decide(store_client, AGREE)  # a new decision while paging does not shift later pages
    assert pages == 3
    assert seen == list(reversed(made))


def test_decisions_filter_by_step_code_time_and_ruleset_version(store_client: httpx.Client) -> None:
    agree = decide(store_client, AGREE)
    differ = decide(store_client, DIFFER)
    version = agree["ruleset"]["version"]

    def ids(**params: str) -> list[str]:
        response = store_client.get("/v1/decisions", params=params)
        assert response.status_code == 200, response.text
        return [d["id"] for d in response.json()["decisions"]]

    assert ids(code="confirmed_plan") == [agree["decision_id"]]
    assert ids(code="joint_review") == [differ["decision_id"]]
    assert ids(ruleset_version=version) == [differ["decision_id"], agree["decision_id"]]
    assert ids(ruleset_version="1999.1.0") == []
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    assert ids(since=future) == []
    assert ids(since=past, until=future) == [differ["decision_id"], agree["decision_id"]]
    assert ids(until=past) == []


def test_bad_list_parameters_are_named(store_client: httpx.Client) -> None:
    assert_problem(store_client.get("/v1/decisions", params={"cursor": "bm90LWEtY3Vyc29y"}), 422, "cursor")
    assert_problem(store_client.get("/v1/decisions", params={"code": "astrology"}), 422, "code")
    assert_problem(store_client.get("/v1/decisions", params={"since": "yesterday"}), 422, "since")
    assert_problem(store_client.get("/v1/decisions", params={"until": "0.5"}), 422, "until")
    assert_problem(
        store_client.get("/v1/decisions/report", params={"until": "2026-11-25T10:00"}), 422, "until"
    )
    assert_problem(store_client.get("/v1/decisions", params={"limit": 0}), 422, "limit")


def test_feedback_is_kept_and_counted_in_the_report(store_client: httpx.Client) -> None:
    shown = decide(store_client, DIFFER)
    first, second = shown["next_steps"][0]["code"], shown["next_steps"][1]["code"]
    url = f"/v1/recommendations/{shown['decision_id']}/feedback"
    for body in (
        {"step_code": first, "outcome": "done", "reporter": "patient"},
        {"step_code": first, "outcome": "helpful", "reporter": "patient"},
        {
            "step_code": second,
            "outcome": "not_helpful",
            "reporter": "clinician",
            "reason_code": "not_available",
        },
    ):
        response = store_client.post(url, json=body)
        assert response.status_code == 201, response.text
        kept = response.json()
        assert kept["decision_id"] == shown["decision_id"] and kept["step_code"] == body["step_code"]
        assert kept["source"] == "api"
    agreed = decide(store_client, AGREE)
    report = store_client.get("/v1/decisions/report").json()
    assert report["decisions"] == 2
    steps = {s["code"]: s for s in report["steps"]}
    assert steps[first]["recommended"] == 1
    assert steps[first]["ranks"] == [{"rank": 1, "count": 1}]
    assert steps[first]["feedback"] == {"done": 1, "helpful": 1, "not_helpful": 0}
    assert steps[second]["ranks"] == [{"rank": 2, "count": 1}]
    assert steps[second]["feedback"] == {"done": 0, "helpful": 0, "not_helpful": 1}
    assert steps["confirmed_plan"]["recommended"] == 1
    # per rule: the decisions and steps it placed or moved, and the feedback on those steps
    rules = {r["rule"]: r for r in report["rules"]}
    for rule in {reason["rule"] for reason in shown["next_steps"][0]["reasons"]}:
        assert rules[rule]["decisions"] >= 1
        assert rules[rule]["feedback"]["done"] >= 1 and rules[rule]["feedback"]["helpful"] >= 1
    placed_second_only = {r["rule"] for r in shown["next_steps"][1]["reasons"]} - {
        r["rule"] for step in shown["next_steps"] if step["code"] != second for r in step["reasons"]
    }
    for rule in placed_second_only:
        assert rules[rule]["feedback"] == {"done": 0, "helpful": 0, "not_helpful": 1}
    every_reason = [r for answer in (shown, agreed) for step in answer["next_steps"] for r in step["reasons"]]
    assert sum(r["steps"] for r in report["rules"]) == len(every_reason)
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    assert store_client.get("/v1/decisions/report", params={"since": later}).json()["steps"] == []


def test_the_same_feedback_posted_again_is_the_first_record_answered_200(store_client: httpx.Client) -> None:
    shown = decide(store_client, DIFFER)
    url = f"/v1/recommendations/{shown['decision_id']}/feedback"
    body = {"step_code": shown["next_steps"][0]["code"], "outcome": "helpful", "reporter": "patient"}
    first = store_client.post(url, json=body)
    assert first.status_code == 201
    again = [store_client.post(url, json=body) for _ in range(5)]
    assert [r.status_code for r in again] == [200] * 5
    assert {r.json()["id"] for r in again} == {first.json()["id"]}
    assert again[0].json() == first.json()
    other = store_client.post(url, json={**body, "outcome": "done"})  # something else said: kept
    assert other.status_code == 201 and other.json()["id"] != first.json()["id"]
    step = {s["code"]: s for s in store_client.get("/v1/decisions/report").json()["steps"]}[body["step_code"]]
    assert step["feedback"] == {"done": 1, "helpful": 1, "not_helpful": 0}


def test_feedback_errors_are_problems_naming_the_field(store_client: httpx.Client) -> None:
    shown = decide(store_client, AGREE)
    url = f"/v1/recommendations/{shown['decision_id']}/feedback"
    absent = {"step_code": "joint_review", "outcome": "done", "reporter": "patient"}
    assert_problem(store_client.post(url, json=absent), 422, "step_code")
    step = shown["next_steps"][0]["code"]
    bad_reason = {"step_code": step, "outcome": "done", "reporter": "patient", "reason_code": "because"}
    assert_problem(store_client.post(url, json=bad_reason), 422, "reason_code")
    meh = {"step_code": step, "outcome": "meh", "reporter": "patient"}
    assert_problem(store_client.post(url, json=meh), 422, "outcome")
    unknown = f"/v1/recommendations/{uuid.uuid4()}/feedback"
    assert_problem(store_client.post(unknown, json={**absent, "step_code": step}), 404)
    assert_problem(store_client.post(url, content=b"{", headers={"content-type": "application/json"}), 400)


def test_a_retry_with_the_same_idempotency_key_returns_the_first_decision(store_client: httpx.Client) -> None:
    key = f"retry-{uuid.uuid4()}"
    first = post(store_client, DIFFER, key)
    assert first.status_code == 200
    again = post(store_client, DIFFER, key)
    assert again.status_code == 200
    assert again.content == first.content
    assert again.headers.get("idempotent-replayed") == "true"
    assert len(store_client.get("/v1/decisions").json()["decisions"]) == 1


def test_the_same_idempotency_key_with_another_body_is_a_409(store_client: httpx.Client) -> None:
    key = f"conflict-{uuid.uuid4()}"
    assert post(store_client, DIFFER, key).status_code == 200
    problem = assert_problem(post(store_client, LUNG, key), 409, "Idempotency-Key")
    assert "lung" not in problem["detail"]
    assert post(store_client, LUNG, f"other-{uuid.uuid4()}").status_code == 200


def test_a_malformed_idempotency_key_is_a_named_422(store_client: httpx.Client) -> None:
    assert_problem(post(store_client, DIFFER, "x" * 201), 422, "Idempotency-Key")


def test_readyz_names_the_store_in_use(store_client: httpx.Client, store_url: str) -> None:
    ready = store_client.get("/readyz").json()
    assert ready["decision_store"] == ("postgresql" if store_url.startswith("postgresql") else "sqlite")


@pytest.mark.parametrize("storage", ["full", "hashed", "none"])
def test_request_storage_keeps_what_the_setting_says(storage: str, tmp_path: Any) -> None:
    from tests.support.server import running_server

    body = {"opinions": [{**opinion(), "guidelines_cited": ["free text about me"]}, opinion()]}
    env = {"DATA_DIR": str(tmp_path), "DECISION_REQUEST_STORAGE": storage, "DECISION_REQUEST_SALT": "pepper"}
    with running_server(**env) as base, httpx.Client(base_url=base, timeout=30, headers=AUTH) as client:
        decide(client, body)
        decide(client, body)
        entries = client.get("/v1/decisions").json()["decisions"]
    assert [e["request_storage"] for e in entries] == [storage, storage]
    if storage == "full":
        assert entries[0]["request"]["opinions"][0]["guidelines_cited"] == ["free text about me"]
        assert entries[0]["request_sha256"] is None
    elif storage == "hashed":
        assert entries[0]["request"] is None
        digest = entries[0]["request_sha256"]
        assert len(digest) == 64 and digest == entries[1]["request_sha256"]
    else:
        assert entries[0]["request"] is None and entries[0]["request_sha256"] is None
    kept = (tmp_path / "decisions.sqlite3").read_bytes() + b"".join(
        p.read_bytes() for p in tmp_path.glob("decisions.sqlite3-*")
    )
    assert (b"free text about me" in kept) == (storage == "full")


def test_hashed_storage_without_a_salt_does_not_start(tmp_path: Any) -> None:
    from tests.support.server import running_server

    with (
        pytest.raises(RuntimeError, match="DECISION_REQUEST_SALT"),
        running_server(DATA_DIR=str(tmp_path), DECISION_REQUEST_STORAGE="hashed"),
    ):
        pass


def test_store_off_answers_without_recording(tmp_path: Any) -> None:
    from tests.support.server import running_server

    with (
        running_server(DATA_DIR=str(tmp_path), DECISION_STORE="off") as base,
        httpx.Client(base_url=base, timeout=30, headers=AUTH) as client,
    ):
        answer = decide(client, DIFFER)
        assert "decision_id" not in answer and answer["next_steps"]
        assert client.get("/readyz").json()["decision_store"] == "off"
        assert_problem(client.get("/v1/decisions"), 503)
    assert not (tmp_path / "decisions.sqlite3").exists()


def test_a_cds_hooks_call_is_a_decision_and_its_card_feedback_lands_in_the_log(
    store_client: httpx.Client, store_url: str
) -> None:
    from tests.api.routes.test_cds_hooks import CALL, hook_call

    cards = store_client.post(CALL, json=hook_call()).json()["cards"]
    [entry] = store_client.get("/v1/decisions").json()["decisions"]
    assert len(cards) == len(entry["next_steps"])
    first, second = cards[0], cards[1]
    declined = next(r for r in first["overrideReasons"] if r["code"] == "patient-declined")
    feedback = {
        "feedback": [
            {
                "card": first["uuid"],
                "outcome": "overridden",
                "overrideReason": {"reason": declined, "userComment": "a private remark"},
                "outcomeTimestamp": "2026-11-25T10:01:00+01:00",
            },
            {"card": second["uuid"], "outcome": "accepted", "outcomeTimestamp": "2026-11-25T10:00:00Z"},
        ]
    }
    never_issued = {
        "card": str(uuid.uuid4()),
        "outcome": "accepted",
        "outcomeTimestamp": "2026-11-25T10:00:00Z",
    }
    refused = {"feedback": [*feedback["feedback"], never_issued]}
    assert store_client.post(f"{CALL}/feedback", json=refused).status_code == 400  # all or nothing
    assert store_client.post(f"{CALL}/feedback", json=feedback).status_code == 200
    steps = {s["code"]: s for s in store_client.get("/v1/decisions/report").json()["steps"]}
    first_code, second_code = entry["next_steps"][0]["code"], entry["next_steps"][1]["code"]
    assert steps[first_code]["feedback"] == {"done": 0, "helpful": 0, "not_helpful": 1}
    assert steps[second_code]["feedback"] == {"done": 0, "helpful": 1, "not_helpful": 0}
    # The EHR's ids and the clinician's comment are not kept anywhere.
    from sqlalchemy import select

    from service.decisions.models import Decision, StepFeedback
    from service.decisions.store import Store

    store = Store(store_url)
    try:
        with store.session() as session:
            rows = list(session.scalars(select(StepFeedback)))
            kept = " ".join(str(vars(row)) for row in [*rows, *session.scalars(select(Decision))])
    finally:
        store.close()
    assert {(r.source, r.reporter, r.reason_code) for r in rows} == {
        ("cds_hooks", "clinician", "patient_declined"),
        ("cds_hooks", "clinician", None),
    }
    assert "private remark" not in kept and "1288992" not in kept and "Practitioner" not in kept


def test_a_decision_is_returned_in_the_language_it_was_first_given(store_client: httpx.Client) -> None:
    first = store_client.post("/v1/recommendations", json=DIFFER, headers={"Accept-Language": "es"})
    assert first.status_code == 200 and first.headers["content-language"] == "es"
    again = store_client.get(f"/v1/recommendations/{first.json()['decision_id']}")
    assert again.headers["content-language"] == "es"
    assert again.content == first.content
