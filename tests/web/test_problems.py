"""Bad input: every client mistake gets a 4xx problem+json naming the field and the reason."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.support.bodies import opinion
from tests.support.server import AUTH, running_server

GOOD: dict[str, Any] = {"opinions": [opinion(), opinion()]}


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["title"] and body["type"].startswith("https://")
    return body


def errors_by_field(body: dict[str, Any]) -> dict[str, str]:
    return {e["field"]: e["reason"] for e in body["errors"]}


def with_opinion_change(path: list[str | int], value: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"opinions": [opinion(), opinion()]}
    target: Any = body["opinions"][0]
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return body


def test_unknown_fields_are_refused_by_name(client: httpx.Client) -> None:
    body = with_opinion_change(["clinician", "name"], "Dr Who")
    body["patient_name"] = "x"
    errors = errors_by_field(problem(client.post("/v1/recommendations", json=body), 422))
    assert errors == {"opinions[0].clinician.name": "unknown field", "patient_name": "unknown field"}


def test_unknown_codes_are_refused_listing_the_valid_ones(client: httpx.Client) -> None:
    errors = errors_by_field(
        problem(
            client.post(
                "/v1/recommendations", json=with_opinion_change(["diagnosis", "cancer_type"], "brest")
            ),
            422,
        )
    )
    reason = errors["opinions[0].diagnosis.cancer_type"]
    assert "'breast'" in reason and "'lymphoma'" in reason and "brest" not in reason


def test_unknown_completed_step_is_refused(client: httpx.Client) -> None:
    errors = errors_by_field(
        problem(
            client.post("/v1/recommendations", json={**GOOD, "completed_steps": ["fly_to_the_moon"]}), 422
        )
    )
    assert "'joint_review'" in errors["completed_steps[0]"]


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (["explained_reasoning"], "false", "opinions[0].explained_reasoning"),
        (["explained_reasoning"], 0, "opinions[0].explained_reasoning"),
        (["diagnosis", "stage"], 2, "opinions[0].diagnosis.stage"),
        (["diagnosis", "stage"], "2", "opinions[0].diagnosis.stage"),
        (["treatment", "modalities"], [], "opinions[0].treatment.modalities"),
        (["treatment", "modalities"], "surgery", "opinions[0].treatment.modalities"),
        (["treatment", "intent"], "cure", "opinions[0].treatment.intent"),
        (["clinician", "specialty"], "oncology", "opinions[0].clinician.specialty"),
        (["guidelines_cited"], [1, 2], "opinions[0].guidelines_cited[0]"),
        (["guidelines_cited"], ["x" * 201], "opinions[0].guidelines_cited[0]"),
    ],
)
def test_wrong_values_name_the_field(
    client: httpx.Client, path: list[str | int], value: Any, field: str
) -> None:
    errors = errors_by_field(
        problem(client.post("/v1/recommendations", json=with_opinion_change(path, value)), 422)
    )
    assert errors.get(field)


def test_time_sensitive_must_be_a_real_boolean(client: httpx.Client) -> None:
    errors = errors_by_field(
        problem(client.post("/v1/recommendations", json={**GOOD, "time_sensitive": "true"}), 422)
    )
    assert "time_sensitive" in errors


@pytest.mark.parametrize("count", [0, 1, 11])
def test_two_to_ten_opinions(client: httpx.Client, count: int) -> None:
    errors = errors_by_field(
        problem(client.post("/v1/recommendations", json={"opinions": [opinion()] * count}), 422)
    )
    assert "opinions" in errors


def test_missing_required_fields_are_named(client: httpx.Client) -> None:
    body = {"opinions": [{"clinician": {"specialty": "other"}}, opinion()]}
    errors = errors_by_field(problem(client.post("/v1/recommendations", json=body), 422))
    assert errors["opinions[0].diagnosis"] == "Field required"
    assert "opinions[0].treatment" not in errors  # a diagnosis-only read has no treatment


def test_malformed_json_is_a_400(client: httpx.Client) -> None:
    body = problem(
        client.post(
            "/v1/recommendations", content=b'{"opinions": [', headers={"content-type": "application/json"}
        ),
        400,
    )
    assert body["errors"][0]["field"] == "body"
    assert body["errors"][0]["reason"].startswith("malformed JSON")


def test_a_body_that_is_not_an_object(client: httpx.Client) -> None:
    problem(client.post("/v1/recommendations", json=[1, 2]), 422)
    problem(
        client.post("/v1/recommendations", content=b"", headers={"content-type": "application/json"}), 422
    )


def test_wrong_content_type_is_a_415(client: httpx.Client) -> None:
    problem(
        client.post("/v1/recommendations", content=b"opinions=2", headers={"content-type": "text/plain"}), 415
    )
    problem(client.post("/v1/recommendations", data={"opinions": "x"}), 415)


def test_body_over_the_limit_is_a_413(client: httpx.Client) -> None:
    big = {**GOOD, "padding": "x" * 70_000}
    problem(client.post("/v1/recommendations", json=big), 413)


def test_chunked_body_over_the_limit_is_a_413(client: httpx.Client) -> None:
    def chunks() -> Any:
        for _ in range(100):
            yield b" " * 1024

    problem(
        client.post("/v1/recommendations", content=chunks(), headers={"content-type": "application/json"}),
        413,
    )


def test_the_body_limit_is_a_setting() -> None:
    with running_server(MAX_BODY_BYTES="2048") as base:
        padded = {**GOOD, "opinions": [opinion(), opinion()], "pad": " " * 3000}
        problem(httpx.post(f"{base}/v1/recommendations", json=padded, headers=AUTH), 413)
        assert httpx.post(f"{base}/v1/recommendations", json=GOOD, headers=AUTH).status_code == 200


def body_of(size: int) -> bytes:
    """The good body, padded with trailing white space to exactly `size` bytes."""
    body = json.dumps(GOOD).encode()
    assert len(body) <= size
    return body + b" " * (size - len(body))


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_body_of_exactly_the_limit_is_accepted_and_one_byte_more_is_a_413(chunked: bool) -> None:
    """The limit is inclusive, whether the size is declared up front or counted as the body streams in."""
    headers = {**AUTH, "content-type": "application/json"}

    def send(base: str, body: bytes) -> httpx.Response:
        content: Any = iter([body[: len(body) // 2], body[len(body) // 2 :]]) if chunked else body
        return httpx.post(f"{base}/v1/recommendations", content=content, headers=headers, timeout=30)

    with running_server(MAX_BODY_BYTES="2048") as base:
        assert send(base, body_of(2048)).status_code == 200
        problem(send(base, body_of(2049)), 413)


def test_unknown_path_and_method_are_problems(client: httpx.Client) -> None:
    problem(client.get("/v1/nothing-here"), 404)
    problem(client.get("/v1/recommendations"), 405)


def test_problems_never_echo_submitted_values(client: httpx.Client) -> None:
    marker = "ZQXJ-private-7731"
    body = with_opinion_change(["diagnosis", "cancer_type"], marker)
    body["opinions"][1]["clinician"]["specialty"] = marker
    body["opinions"][1]["guidelines_cited"] = [marker * 20]
    body["extra"] = marker
    response = client.post("/v1/recommendations", json=body)
    assert len(problem(response, 422)["errors"]) == 4
    assert marker not in response.text
