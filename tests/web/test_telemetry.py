"""One JSON log line per request, a request id in and out, and no request value in any log line."""

from __future__ import annotations

import logging
import socket
import uuid
from typing import Any

import httpx
import pytest

from service.web.telemetry import SANE_REQUEST_ID, request_id_from
from tests.support.bodies import opinion
from tests.support.server import AUTH, ServerProcess

# Distinctive values that must never reach the logs, whatever the log level.
SECRETS = {
    "body_text": "ZQXBODYTEXT7741",
    "unknown_field_value": "ZQXUNKNOWNVALUE5127",
    "unknown_field_name": "zqxunknownname9932",
    "bad_code": "ZQXBADCODE3318",
    "query": "ZQXQUERY6604",
    "query_name": "zqxqueryname2290",
    "malformed": "ZQXMALFORMED8812",
    "bad_request_id": "ZQXREQID4471",
    "bad_http": "ZQXBADHTTP5530",
}


def valid_body(**extra: Any) -> dict[str, Any]:
    first = opinion(modalities=("surgery",))
    second = opinion(modalities=("chemotherapy",))
    second["guidelines_cited"] = [SECRETS["body_text"]]
    return {"opinions": [first, second], **extra}


def send_bad_http(base_url: str) -> bytes:
    """A request line and a header that are not HTTP, over a raw socket; returns the answer."""
    host, port = base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(f"GET /{SECRETS['bad_http']} HTTP/1.1 extra\r\n{SECRETS['bad_http']}\r\n\r\n".encode())
        return conn.recv(4096)


def send_everything(client: httpx.Client) -> dict[str, httpx.Response]:
    """Requests that carry the distinctive values in every place a client can put them."""
    bad_code = valid_body()
    bad_code["opinions"][0]["diagnosis"]["cancer_type"] = SECRETS["bad_code"]
    query = {SECRETS["query_name"]: SECRETS["query"]}
    return {
        "valid": client.post("/v1/recommendations", json=valid_body(), params=query),
        "unknown_field": client.post(
            "/v1/recommendations",
            json=valid_body(**{SECRETS["unknown_field_name"]: SECRETS["unknown_field_value"]}),
        ),
        "bad_code": client.post("/v1/recommendations", json=bad_code),
        "malformed": client.post(
            "/v1/recommendations",
            content=f'{{"opinions": ["{SECRETS["malformed"]}"'.encode(),
            headers={"content-type": "application/json"},
        ),
        "not_json": client.post(
            "/v1/recommendations",
            content=SECRETS["body_text"].encode(),
            headers={"content-type": "text/plain"},
        ),
        "get_with_query": client.get("/v1/next-steps", params=query),
        "unknown_path": client.get(f"/v1/nothing-here?{SECRETS['query_name']}={SECRETS['query']}"),
        "bad_request_id": client.get(
            "/healthz", headers={"x-request-id": f"{SECRETS['bad_request_id']} <script>"}
        ),
    }


@pytest.mark.parametrize("level", ["debug", "info", "warning"])
def test_no_request_value_reaches_the_logs_at_any_level(level: str) -> None:
    with ServerProcess(LOG_LEVEL=level, WORKERS="2") as server:
        with httpx.Client(base_url=server.base_url, timeout=10, headers=AUTH) as client:
            answers = send_everything(client)
            assert [answers[k].status_code for k in answers] == [200, 422, 422, 400, 415, 200, 404, 200]
        assert send_bad_http(server.base_url).startswith(b"HTTP/1.1 400")
        assert server.stop() == 0
        output = server.output()
        lines = server.log_lines()  # every line is JSON
    for secret in SECRETS.values():
        assert secret.lower() not in output.lower(), f"{secret} reached the logs"
    if level in ("debug", "info"):
        requests = [line for line in lines if line["message"] == "request" and line["route"] != "/readyz"]
        assert len(requests) == len(answers)


def test_one_json_line_per_request_with_what_was_answered() -> None:
    with ServerProcess(LOG_LEVEL="info") as server:
        with httpx.Client(base_url=server.base_url, timeout=10, headers=AUTH) as client:
            given = str(uuid.uuid4())
            answer = client.post("/v1/recommendations", json=valid_body(), headers={"X-Request-ID": given})
            missing = client.get("/v1/nothing-here")
            generated = client.get("/healthz")
        assert server.stop() == 0  # every line written
        lines = server.log_lines()  # every line is JSON
    assert answer.status_code == 200
    assert answer.headers["x-request-id"] == given
    requests = [line for line in lines if line["message"] == "request" and line["route"] != "/readyz"]
    assert len(requests) == 3
    post = next(line for line in requests if line["request_id"] == given)
    assert post["method"] == "POST"
    assert post["path"] == post["route"] == "/v1/recommendations"
    assert post["status"] == 200
    assert post["duration_ms"] > 0
    assert post["ruleset_version"] == answer.json()["ruleset"]["version"]
    assert post["next_steps"] == [step["code"] for step in answer.json()["next_steps"]]
    assert post["level"] == "INFO" and post["timestamp"]
    lost = next(line for line in requests if line["path"] == "/v1/nothing-here")
    assert (lost["status"], lost["route"], lost["next_steps"]) == (404, "unmatched", [])
    assert lost["request_id"] == missing.headers["x-request-id"]
    made = generated.headers["x-request-id"]
    assert SANE_REQUEST_ID.fullmatch(made) and made != given
    assert any(line["request_id"] == made for line in requests)


@pytest.mark.parametrize(
    ("header", "kept"),
    [
        (b"4f2c7a1e-93b8-4d1e-8c55-0b7c1d2e3f40", True),
        (b"trace.abc:123_x", True),
        (b"has space", False),
        (b"<script>", False),
        (b"x" * 129, False),
        (b"", False),
    ],
)
def test_an_incoming_request_id_is_kept_only_if_it_is_a_plain_token(header: bytes, kept: bool) -> None:
    scope: dict[str, Any] = {"headers": [(b"x-request-id", header)]}
    got = request_id_from(scope)
    assert (got == header.decode()) is kept
    assert SANE_REQUEST_ID.fullmatch(got)


def test_an_unexpected_error_is_a_500_with_the_request_id_and_no_message(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """In process: no route of the service fails on purpose, so a small app with one that does."""
    import asyncio

    from fastapi import FastAPI

    from service.web import problems
    from service.web.telemetry import RequestTelemetry

    app = FastAPI()
    problems.install(app)
    app.add_middleware(RequestTelemetry, ruleset_version="test")

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError(SECRETS["body_text"])

    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.get("/boom", headers={"x-request-id": "req-500"})

    with caplog.at_level(logging.INFO):
        answer = asyncio.run(call())
    assert answer.status_code == 500
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.headers["x-request-id"] == "req-500"
    assert SECRETS["body_text"] not in answer.text
    [error] = [r for r in caplog.records if r.getMessage() == "unhandled error"]
    assert error.error_type == "RuntimeError"  # type: ignore[attr-defined]
    assert all(SECRETS["body_text"] not in r.getMessage() for r in caplog.records)
    [line] = [r for r in caplog.records if r.getMessage() == "request"]
    assert (line.status, line.route, line.request_id) == (500, "/boom", "req-500")  # type: ignore[attr-defined]
