"""The JWT audience and every absolute URL come from PUBLIC_BASE_URL, never from the caller's Host or
X-Forwarded-* headers; settings under which a CDS Hooks JWT could be accepted wrongly stop start-up."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from service.config import Settings
from service.integrations.cds_hooks import SERVICE_ID
from service.server import uvicorn_config
from tests.support.auth import Server, SigningKey, claims, clients_file, serve
from tests.support.bodies import opinion
from tests.support.server import start_refused

PUBLIC = "https://nextsteps.example.org/api"
HOOK_CALL = {
    "hook": "org.nextsteps.opinion-compare",
    "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
    "context": {"opinions": [opinion(), opinion(stage="III")]},
}
EVIL = {"Host": "evil.example:666", "X-Forwarded-Proto": "http", "X-Forwarded-Host": "evil.example:666"}


def jwt_clients(directory: Path, key: SigningKey) -> Path:
    (directory / "jwks.json").write_text(json.dumps({"keys": [key.jwk()]}))
    entry = {"id": "ehr", "scopes": ["recommend"], "cds_hooks": {"issuer": "ehr", "jwks_file": "jwks.json"}}
    return clients_file(directory, [entry])


def start(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`python -m service` that is expected to stop at start-up."""
    return start_refused(env)


def test_jwt_clients_without_a_public_base_url_stop_start_up(tmp_path: Path) -> None:
    result = start({"CLIENTS_FILE": str(jwt_clients(tmp_path, SigningKey("ES384")))})
    assert result.returncode == 2
    assert "PUBLIC_BASE_URL is not set" in result.stderr


def test_jwt_clients_with_several_workers_and_no_shared_store_stop_start_up(tmp_path: Path) -> None:
    path = jwt_clients(tmp_path, SigningKey("ES384"))
    result = start({"CLIENTS_FILE": str(path), "PUBLIC_BASE_URL": PUBLIC, "WORKERS": "2"})
    assert result.returncode == 2
    assert "WORKERS=2 without REDIS_URL" in result.stderr and "replayed" in result.stderr


def test_several_workers_without_a_shared_store_are_warned_about() -> None:
    with serve(WORKERS="2") as server:
        assert "rate limits and JWT replay protection are per process" in server.log()


@pytest.fixture(scope="module")
def proxied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, SigningKey]]:
    key = SigningKey("ES384")
    path = jwt_clients(tmp_path_factory.mktemp("audience"), key)
    with serve(CLIENTS_FILE=str(path), PUBLIC_BASE_URL=PUBLIC) as server:
        yield server, key


def call(server: Server, token: str) -> httpx.Response:
    url = f"{server.base}/cds-services/{SERVICE_ID}"
    return httpx.post(url, json=HOOK_CALL, headers={"Authorization": f"Bearer {token}", **EVIL}, timeout=10)


def test_a_token_minted_for_the_host_the_caller_names_is_refused(proxied: tuple[Server, SigningKey]) -> None:
    server, key = proxied
    for audience in (
        f"http://evil.example:666/cds-services/{SERVICE_ID}",
        f"{server.base}/cds-services/{SERVICE_ID}",
    ):
        assert call(server, key.token(claims("ehr", audience))).status_code == 401


def test_card_source_urls_come_from_the_public_base_url(proxied: tuple[Server, SigningKey]) -> None:
    server, key = proxied
    response = call(server, key.token(claims("ehr", f"{PUBLIC}/cds-services/{SERVICE_ID}")))
    assert response.status_code == 200, response.text
    assert {card["source"]["url"] for card in response.json()["cards"]} == {f"{PUBLIC}/redoc"}
    assert "evil.example" not in response.text


def test_no_redirect_is_issued(proxied: tuple[Server, SigningKey]) -> None:
    server, _ = proxied
    response = httpx.post(f"{server.base}/v1/recommendations/", json={}, headers=EVIL)
    assert not response.is_redirect and "location" not in response.headers
    assert "evil.example" not in response.text


def test_forwarded_headers_are_believed_only_from_the_named_proxies() -> None:
    closed = uvicorn_config(Settings())
    assert closed.proxy_headers is False
    opened = uvicorn_config(Settings(forwarded_allow_ips=["10.0.0.7"]))
    assert opened.proxy_headers is True and opened.forwarded_allow_ips == ["10.0.0.7"]
