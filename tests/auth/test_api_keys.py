"""API keys, scopes and rate limits against a live server with a clients file."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from service.integrations.cds_hooks import SERVICE_ID
from tests.support.auth import ApiKey, Server, clients_file, serve
from tests.support.bodies import STAGES_DIFFER
from tests.support.paths import ROOT

COMPARISON = STAGES_DIFFER


class Keys:
    portal_old = ApiKey()
    portal_new = ApiKey()
    reader = ApiKey()
    busy = ApiKey()
    calm = ApiKey()
    admin = ApiKey()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    path = clients_file(
        tmp_path_factory.mktemp("api-keys"),
        [
            {
                "id": "portal-a",
                "scopes": ["recommend", "feedback"],
                "api_keys": [Keys.portal_old.hash, Keys.portal_new.hash],
            },
            {"id": "reader", "scopes": ["decisions:read"], "api_keys": [Keys.reader.hash]},
            # Five at once, then one a minute: the load test drains it.
            {
                "id": "busy",
                "scopes": ["recommend"],
                "rate_limit": {"burst": 5, "per_minute": 1},
                "api_keys": [Keys.busy.hash],
            },
            {
                "id": "calm",
                "scopes": ["recommend"],
                "rate_limit": {"burst": 1000, "per_minute": 6000},
                "api_keys": [Keys.calm.hash],
            },
            {"id": "ops", "scopes": ["admin"], "api_keys": [Keys.admin.hash]},
        ],
    )
    with serve(CLIENTS_FILE=str(path)) as running:
        yield running


def post(
    server: Server, key: ApiKey | None, path: str = "/v1/recommendations", **headers: str
) -> httpx.Response:
    if key is not None:
        headers = {**key.headers, **headers}
    return httpx.post(server.base + path, json=COMPARISON, headers=headers, timeout=10)


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


def test_a_registered_key_with_the_scope_is_let_in(server: Server) -> None:
    assert post(server, Keys.portal_new).status_code == 200


def test_both_keys_of_a_client_work_during_a_rotation(server: Server) -> None:
    assert post(server, Keys.portal_old).status_code == 200
    assert post(server, Keys.portal_new).status_code == 200


def test_a_key_removed_from_the_file_stops_working(tmp_path: Path) -> None:
    """The rotation's last step: the old hash is deleted and the service restarted."""
    path = clients_file(
        tmp_path, [{"id": "portal-a", "scopes": ["recommend"], "api_keys": [Keys.portal_new.hash]}]
    )
    with serve(CLIENTS_FILE=str(path)) as rotated:
        problem(post(rotated, Keys.portal_old), 401)
        assert post(rotated, Keys.portal_new).status_code == 200


def test_no_credential_is_401_with_a_challenge(server: Server) -> None:
    response = post(server, None)
    problem(response, 401)
    assert response.headers["www-authenticate"] == 'Bearer realm="nextsteps"'


@pytest.mark.parametrize(
    "authorization",
    [
        f"Bearer {ApiKey().key}",  # well-formed, never registered
        f"Bearer {Keys.portal_new.hash}",  # the stored hash is not the key
        f"Bearer {Keys.portal_new.key}x",
        f"Basic {Keys.portal_new.key}",
        f"Bearer {'a' * 9000}",
        "Bearer a.b.c",
    ],
)
def test_a_bad_credential_is_401_and_names_nothing(server: Server, authorization: str) -> None:
    response = post(server, None, Authorization=authorization)
    body = problem(response, 401)
    assert response.headers["www-authenticate"].startswith('Bearer realm="nextsteps"')
    text = response.text
    for client_id in ("portal-a", "reader", "busy", "calm", "ops"):
        assert client_id not in text
    assert authorization.split(" ", 1)[1][:40] not in text
    assert body["title"] == "Unauthorized"


def test_unknown_and_revoked_keys_get_the_same_answer(server: Server) -> None:
    unknown = post(server, ApiKey())
    wrong = post(server, None, Authorization=f"Bearer {Keys.portal_new.key[:-1]}")
    assert (unknown.status_code, unknown.json(), dict(unknown.headers)["www-authenticate"]) == (
        wrong.status_code,
        wrong.json(),
        dict(wrong.headers)["www-authenticate"],
    )


def test_a_missing_scope_is_403(server: Server) -> None:
    response = post(server, Keys.reader)
    body = problem(response, 403)
    assert response.headers["www-authenticate"] == (
        'Bearer realm="nextsteps", error="insufficient_scope", scope="recommend"'
    )
    assert "`recommend` scope" in body["detail"]
    call = {
        "hook": "org.nextsteps.opinion-compare",
        "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
        "context": COMPARISON,
    }
    response = httpx.post(f"{server.base}/cds-services/{SERVICE_ID}", json=call, headers=Keys.reader.headers)
    problem(response, 403)


def test_admin_holds_every_scope(server: Server) -> None:
    assert post(server, Keys.admin).status_code == 200


def test_an_api_key_works_for_cds_hooks_too(server: Server) -> None:
    call = {
        "hook": "org.nextsteps.opinion-compare",
        "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
        "context": COMPARISON,
    }
    response = httpx.post(
        f"{server.base}/cds-services/{SERVICE_ID}", json=call, headers=Keys.portal_new.headers
    )
    assert response.status_code == 200


def test_reference_endpoints_need_any_valid_credential(server: Server) -> None:
    for path in ("/v1/rules", "/v1/next-steps", "/v1/cancer-types"):
        problem(httpx.get(server.base + path), 401)
        assert httpx.get(server.base + path, headers=Keys.reader.headers).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/healthz",
        "/readyz",
        "/docs",
        "/redoc",
        "/openapi.json",
        "/cds-services",
        "/docs/assets/swagger-ui.css",
    ],
)
def test_operations_docs_and_discovery_are_public(server: Server, path: str) -> None:
    assert httpx.get(server.base + path).status_code == 200


def test_an_unknown_path_without_a_credential_is_401_not_404(server: Server) -> None:
    problem(httpx.get(server.base + "/v1/secret-thing"), 401)
    problem(httpx.post(server.base + "/healthz", json={}), 401)


def test_a_body_is_not_read_before_the_caller_is_known(server: Server) -> None:
    """Unauthenticated callers learn nothing about the body's checks: no 413, 415 or 422."""
    problem(
        httpx.post(
            server.base + "/v1/recommendations",
            content=b"x" * 100_000,
            headers={"content-type": "application/json"},
        ),
        401,
    )
    problem(httpx.post(server.base + "/v1/recommendations", content=b"a=b"), 401)
    problem(httpx.post(server.base + "/v1/recommendations", json={"opinions": []}), 401)


def test_one_client_over_its_limit_does_not_slow_another(server: Server) -> None:
    """A load test over loopback: `busy` (5 at once, 1 a minute) and `calm` each send 60 requests,
    all at the same time. `busy` gets 429s with Retry-After; every `calm` request succeeds."""

    async def run() -> list[tuple[str, httpx.Response]]:
        limits = httpx.Limits(max_connections=40)
        async with httpx.AsyncClient(base_url=server.base, timeout=30, limits=limits) as client:

            async def one(name: str, key: ApiKey) -> tuple[str, httpx.Response]:
                return name, await client.post("/v1/recommendations", json=COMPARISON, headers=key.headers)

            tasks = [
                one(name, key) for _ in range(60) for name, key in (("busy", Keys.busy), ("calm", Keys.calm))
            ]
            return await asyncio.gather(*tasks)

    results = asyncio.run(run())
    busy = [r for name, r in results if name == "busy"]
    calm = [r for name, r in results if name == "calm"]
    assert [r.status_code for r in calm] == [200] * 60
    busy_ok = [r for r in busy if r.status_code == 200]
    throttled = [r for r in busy if r.status_code == 429]
    assert len(busy_ok) + len(throttled) == 60
    assert 5 <= len(busy_ok) <= 6  # the burst, and at most one refill token if the run took over a minute
    for response in throttled:
        problem(response, 429)
        assert 1 <= int(response.headers["retry-after"]) <= 60
    assert "busy" not in throttled[0].text


def test_the_key_cli_prints_a_key_and_the_line_to_paste(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "service.auth.keys", "new", "--client", "portal-b"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    lines = [line.strip() for line in result.stdout.splitlines()]
    key = next(line for line in lines if line.startswith("nsk_"))
    pasted = next(line for line in lines if line.startswith("- sha256:"))
    assert len(key) >= 40 and key not in pasted
    path = tmp_path / "clients.yaml"
    path.write_text(f"clients:\n  - id: portal-b\n    scopes: [recommend]\n    api_keys:\n      {pasted}\n")
    with serve(CLIENTS_FILE=str(path)) as fresh:
        response = httpx.post(
            fresh.base + "/v1/recommendations",
            json=COMPARISON,
            headers={"Authorization": f"Bearer {key}"},
            timeout=10,
        )
        assert response.status_code == 200
        assert key not in fresh.log()


def test_the_key_cli_hashes_an_existing_key_from_stdin() -> None:
    key = ApiKey()
    result = subprocess.run(
        [sys.executable, "-m", "service.auth.keys", "hash"],
        cwd=ROOT,
        input=key.key + "\n",
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == f"- {key.hash}"


@pytest.mark.parametrize("authorization", [Keys.portal_new.key, f"Token {Keys.portal_new.key}"])
def test_a_key_sent_without_the_bearer_scheme_is_told_so(server: Server, authorization: str) -> None:
    body = problem(post(server, None, Authorization=authorization), 401)
    assert "does not use the Bearer scheme" in body["detail"]
    assert "No credential was sent" not in body["detail"]
