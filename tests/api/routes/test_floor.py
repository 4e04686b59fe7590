"""POST /bench/floor is a benchmark's tool: absent unless BENCH_FLOOR=true."""

from __future__ import annotations

import httpx

from tests.support.bodies import opinion
from tests.support.server import AUTH, running_server

BODY = {"opinions": [opinion(), opinion()]}


def test_the_floor_is_absent_by_default(client: httpx.Client) -> None:
    response = client.post("/bench/floor", json=BODY)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert not any(path.startswith("/bench") for path in client.get("/openapi.json").json()["paths"])


def test_the_floor_is_served_with_bench_floor_true() -> None:
    with running_server(BENCH_FLOOR="true") as base:
        response = httpx.post(f"{base}/bench/floor", json=BODY, headers=AUTH, timeout=30)
    assert response.status_code == 200
    assert response.json()["next_steps"]
