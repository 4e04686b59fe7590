"""Hostile input: each gets a 4xx problem+json, and the server stays healthy afterwards."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.support.bodies import opinion

JSON = {"content-type": "application/json"}
VALID = json.dumps({"opinions": [opinion(), opinion("lung", "III", ("radiation",))]}).encode()
ENDPOINTS = ["/v1/recommendations", "/cds-services/nextsteps-opinion-compare"]


def assert_problem(response: httpx.Response, *statuses: int) -> dict[str, Any]:
    assert response.status_code in statuses, response.text[:300]
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == response.status_code
    return body


@pytest.mark.parametrize("cut", [1, 2, 10, 50, len(VALID) // 2, len(VALID) - 1])
def test_truncated_json_is_a_400(client: httpx.Client, cut: int) -> None:
    body = assert_problem(client.post("/v1/recommendations", content=VALID[:cut], headers=JSON), 400)
    assert body["errors"][0]["field"] == "body"


@pytest.mark.parametrize(
    "raw",
    [
        b"{'opinions': []}",
        b'{"opinions": [1,]}',
        b"\x00\x01\x02",
        b'{"opinions": NaN}',
        b"[" * 30000 + b"]" * 30000,
        b'{"a":' * 10000 + b"1" + b"}" * 10000,
        b'{"opinions": "\xff\xfe\xfd"}',
        b"\xef\xbb\xbf" + VALID[:20],
    ],
    ids=[
        "single-quotes",
        "trailing-comma",
        "binary",
        "nan",
        "deep-arrays",
        "deep-objects",
        "bad-utf8",
        "bom",
    ],
)
@pytest.mark.parametrize("path", ENDPOINTS)
def test_malformed_bodies_are_4xx(client: httpx.Client, path: str, raw: bytes) -> None:
    assert_problem(client.post(path, content=raw, headers=JSON), 400, 422)


def test_huge_strings_and_arrays_within_the_size_limit(client: httpx.Client) -> None:
    bodies = {
        "many opinions": {"opinions": [opinion()] * 200},
        "long text": {"opinions": [{**opinion(), "guidelines_cited": ["x" * 60000]}, opinion()]},
        "long array": {"opinions": [opinion(), opinion()], "completed_steps": ["joint_review"] * 3500},
        "many keys": {"opinions": [opinion(), opinion()], **{f"k{i}": i for i in range(4000)}},
    }
    for name, body in bodies.items():
        raw = json.dumps(body).encode()
        assert len(raw) < 65536, name
        problem = assert_problem(client.post("/v1/recommendations", content=raw, headers=JSON), 422)
        assert problem["errors"], name


WRONG_VALUES: list[Any] = [None, True, 7, -1.5, "", "x" * 300, [], {}, ["a"], {"a": 1}]


def leaves(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path into a JSON document, containers included."""
    found = [path] if path else []
    if isinstance(value, dict):
        for key, inner in value.items():
            found += leaves(inner, (*path, key))
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            found += leaves(inner, (*path, i))
    return found


def replaced(document: Any, path: tuple[Any, ...], new: Any) -> Any:
    copy = json.loads(json.dumps(document))
    target = copy
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = new
    return copy


def test_wrong_types_in_every_field(client: httpx.Client) -> None:
    base = {
        "opinions": [
            {
                **opinion("breast", "II", ("surgery",), tumor_focus="breast", intent="curative"),
                "guidelines_cited": ["g"],
            },
            opinion(),
        ],
        "time_sensitive": False,
        "completed_steps": ["joint_review"],
    }
    checked = 0
    for path in leaves(base):
        for wrong in WRONG_VALUES:
            candidate = replaced(base, path, wrong)
            response = client.post("/v1/recommendations", json=candidate)
            assert response.status_code in (200, 422), (path, wrong, response.text[:200])
            if response.status_code == 422:
                checked += 1
                assert response.headers["content-type"] == "application/problem+json"
                assert response.json()["errors"], (path, wrong)
    assert checked > 100


def test_the_server_is_healthy_after_the_hostile_input(client: httpx.Client) -> None:
    assert client.get("/healthz").status_code == 200
    assert client.post("/v1/recommendations", content=VALID, headers=JSON).status_code == 200
