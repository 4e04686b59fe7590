"""With REDIS_URL, two server processes act as one: a JWT used on one is refused on the other, and a client's
rate limit is shared. Uses the tests' private Redis (tests/support/services.py), with a prefix of its own."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from service.integrations.cds_hooks import SERVICE_ID
from tests.support.auth import ApiKey, Server, SigningKey, claims, clients_file, serve
from tests.support.bodies import STAGES_DIFFER
from tests.support.server import free_port
from tests.support.services import redis_url

ISSUER = "https://ehr.example.org"
COMPARISON = STAGES_DIFFER
HOOK_CALL = {
    "hook": "org.nextsteps.opinion-compare",
    "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
    "context": COMPARISON,
}
BUSY = ApiKey()


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Server, SigningKey]]:
    directory = tmp_path_factory.mktemp("shared")
    key = SigningKey("ES384")
    (directory / "jwks.json").write_text(json.dumps({"keys": [key.jwk()]}))
    path = clients_file(
        directory,
        [
            {"id": "ehr", "scopes": ["recommend"], "cds_hooks": {"issuer": ISSUER, "jwks_file": "jwks.json"}},
            {
                "id": "busy",
                "scopes": ["recommend"],
                "rate_limit": {"burst": 5, "per_minute": 1},
                "api_keys": [BUSY.hash],
            },
        ],
    )
    env = {"CLIENTS_FILE": str(path), "REDIS_URL": redis_url(), "REDIS_PREFIX": f"test-{uuid.uuid4().hex}:"}
    with serve(**env) as first, serve(**env) as second:
        yield first, second, key


def call(server: Server, token: str) -> httpx.Response:
    return httpx.post(
        f"{server.base}/cds-services/{SERVICE_ID}",
        json=HOOK_CALL,
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )


def test_a_jwt_used_on_one_process_is_refused_on_the_other(pair: tuple[Server, Server, SigningKey]) -> None:
    first, second, key = pair
    # Both processes check `aud` against their own URL; a token names one endpoint, so sign one per server
    # with the same jti: the second is a replay of the id even though it went elsewhere.
    jti = str(uuid.uuid4())
    token_first = key.token(claims(ISSUER, f"{first.base}/cds-services/{SERVICE_ID}", jti=jti))
    token_second = key.token(claims(ISSUER, f"{second.base}/cds-services/{SERVICE_ID}", jti=jti))
    assert call(first, token_first).status_code == 200
    assert call(second, token_second).status_code == 401
    fresh = key.token(claims(ISSUER, f"{second.base}/cds-services/{SERVICE_ID}"))
    assert call(second, fresh).status_code == 200


def test_a_rate_limit_is_shared_by_both_processes(pair: tuple[Server, Server, SigningKey]) -> None:
    first, second, _ = pair
    statuses: list[int] = []
    for server in (first, second) * 4:
        response = httpx.post(f"{server.base}/v1/recommendations", json=COMPARISON, headers=BUSY.headers)
        statuses.append(response.status_code)
        if response.status_code == 429:
            assert int(response.headers["retry-after"]) >= 1
    assert statuses.count(200) in (5, 6)  # the burst of 5 (6 if a minute passed)
    assert statuses.count(429) == 8 - statuses.count(200)
    assert statuses[:5] == [200] * 5


def test_an_unreachable_store_is_a_503_never_a_pass(tmp_path: Any) -> None:
    key = ApiKey()
    path = clients_file(tmp_path, [{"id": "portal", "scopes": ["recommend"], "api_keys": [key.hash]}])
    with serve(CLIENTS_FILE=str(path), REDIS_URL=f"redis://127.0.0.1:{free_port()}/0") as server:
        response = httpx.post(f"{server.base}/v1/recommendations", json=COMPARISON, headers=key.headers)
        assert response.status_code == 503
        assert response.headers["content-type"] == "application/problem+json"
        assert key.key not in server.log()
