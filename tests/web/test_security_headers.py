"""Security headers on every response, the request time limit, and docs that still work under their CSP."""

from __future__ import annotations

import asyncio
import socket
from urllib.parse import urlsplit

import httpx
import pytest
from pydantic import SecretStr

from service.config import Settings
from service.main import create_app
from tests.support.bodies import opinion
from tests.support.server import AUTH, DEV_KEY, running_server

COMMON = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "strict-transport-security": "max-age=31536000",
}


@pytest.mark.parametrize(
    ("method", "path", "authenticated"),
    [
        ("GET", "/v1/rules", True),
        ("GET", "/v1/rules", False),  # 401
        ("GET", "/v1/nothing", True),  # 404
        ("POST", "/v1/recommendations", True),  # 422 (empty body)
        ("GET", "/healthz", False),
        ("GET", "/openapi.json", False),
        ("GET", "/cds-services", False),
    ],
)
def test_every_answer_carries_the_headers(
    client: httpx.Client, method: str, path: str, authenticated: bool
) -> None:
    headers = AUTH if authenticated else {"Authorization": ""}
    response = httpx.request(
        method, f"{client.base_url}{path}", headers=headers, json={} if method == "POST" else None
    )
    for name, value in COMMON.items():
        assert response.headers[name] == value, name
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["content-security-policy"].startswith("default-src 'none'")


def test_the_docs_pages_allow_only_their_own_assets_and_script(client: httpx.Client) -> None:
    for path in ("/docs", "/redoc"):
        csp = client.get(path).headers["content-security-policy"]
        directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
        assert directives["default-src"] == "'none'"
        assert (
            "'unsafe-inline'" not in directives["script-src"]
            and "'unsafe-eval'" not in directives["script-src"]
        )
        assert directives["frame-ancestors"] == "'none'"
    swagger = client.get("/docs").headers["content-security-policy"]
    assert "'sha256-" in swagger  # its one inline script, by hash


def test_the_docs_assets_may_be_cached(client: httpx.Client) -> None:
    response = client.get("/docs/assets/swagger-ui.css")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("cache-control", "")
    assert response.headers["x-content-type-options"] == "nosniff"


def test_an_unexpected_error_is_a_500_problem_with_the_headers() -> None:
    app = create_app(Settings(dev_api_key=SecretStr(DEV_KEY)))

    async def boom() -> None:
        raise RuntimeError("ZQXJ-private-7731")

    app.add_api_route("/v1/boom", boom)

    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://nextsteps.test", headers=AUTH
        ) as c:
            return await c.get("/v1/boom")

    response = asyncio.run(go())
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert "ZQXJ" not in response.text
    for name, value in COMMON.items():
        assert response.headers[name] == value, name
    assert response.headers["cache-control"] == "no-store"


def test_hsts_can_be_turned_off() -> None:
    with running_server(HSTS_MAX_AGE_SECONDS="0") as base:
        assert "strict-transport-security" not in httpx.get(f"{base}/healthz").headers


def test_a_request_over_the_time_limit_is_a_503_problem() -> None:
    """A client that stops sending its body half-way gets a 503 when the time limit passes."""
    with running_server(REQUEST_TIMEOUT_SECONDS="1") as base:
        host, port = urlsplit(base).hostname, urlsplit(base).port
        assert host and port
        with socket.create_connection((host, port), timeout=30) as conn:
            conn.sendall(
                b"POST /v1/recommendations HTTP/1.1\r\nHost: " + f"{host}:{port}".encode() + b"\r\n"
                b"Authorization: " + AUTH["Authorization"].encode() + b"\r\n"
                b'Content-Type: application/json\r\nContent-Length: 500\r\n\r\n{"opinions": ['
            )
            answer = b""
            while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
                chunk = conn.recv(4096)
                if not chunk:
                    break
                answer += chunk
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 503"), answer
        assert b"content-type: application/problem+json" in head.lower()
        assert b"retry-after: 1" in head.lower()
        assert b'"status":503' in body
        # An ordinary request within the limit is answered as usual.
        ok = httpx.post(f"{base}/v1/recommendations", json={"opinions": [opinion(), opinion()]}, headers=AUTH)
        assert ok.status_code == 200
