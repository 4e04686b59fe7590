"""CORS: an allow-list from settings, nothing open by default."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from service.integrations.cds_hooks import SERVICE_ID
from tests.support.server import AUTH, running_server

PORTAL = "https://portal.example.org"
EHR = "https://ehr.example.net"
STRANGER = "https://evil.example.com"


@pytest.fixture(scope="module")
def cors_client() -> Iterator[httpx.Client]:
    with (
        running_server(CORS_ORIGINS=json.dumps([PORTAL, EHR])) as base,
        httpx.Client(base_url=base, timeout=10, headers=AUTH) as c,
    ):
        yield c


def preflight(c: httpx.Client, path: str, origin: str) -> httpx.Response:
    return c.options(
        path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type, accept-language",
        },
    )


def test_by_default_no_cors_headers_at_all(client: httpx.Client) -> None:
    response = client.get("/v1/cancer-types", headers={"Origin": PORTAL})
    assert response.status_code == 200
    assert not [h for h in response.headers if h.lower().startswith("access-control-")]
    assert preflight(client, "/v1/recommendations", PORTAL).status_code == 405


def test_an_allowed_origin_may_call(cors_client: httpx.Client) -> None:
    response = cors_client.get("/v1/cancer-types", headers={"Origin": PORTAL})
    assert response.headers["access-control-allow-origin"] == PORTAL
    assert "content-language" in response.headers["access-control-expose-headers"].lower()
    ok = preflight(cors_client, "/v1/recommendations", PORTAL)
    assert ok.status_code == 200
    assert ok.headers["access-control-allow-origin"] == PORTAL
    assert "POST" in ok.headers["access-control-allow-methods"]
    assert "accept-language" in ok.headers["access-control-allow-headers"].lower()


def test_cds_hooks_preflight_from_an_allowed_ehr(cors_client: httpx.Client) -> None:
    for path in ("/cds-services", f"/cds-services/{SERVICE_ID}", f"/cds-services/{SERVICE_ID}/feedback"):
        ok = preflight(cors_client, path, EHR)
        assert ok.status_code == 200, path
        assert ok.headers["access-control-allow-origin"] == EHR
    discovery = cors_client.get("/cds-services", headers={"Origin": EHR})
    assert discovery.headers["access-control-allow-origin"] == EHR


def test_a_refused_origin_gets_no_grant(cors_client: httpx.Client) -> None:
    response = cors_client.get("/v1/cancer-types", headers={"Origin": STRANGER})
    assert "access-control-allow-origin" not in response.headers
    refused = preflight(cors_client, f"/cds-services/{SERVICE_ID}", STRANGER)
    assert refused.status_code == 400
    assert "access-control-allow-origin" not in refused.headers


def test_errors_carry_cors_headers_for_an_allowed_origin(cors_client: httpx.Client) -> None:
    response = cors_client.post(
        "/v1/recommendations", content=b"hello", headers={"Origin": PORTAL, "content-type": "text/plain"}
    )
    assert response.status_code == 415
    assert response.headers["access-control-allow-origin"] == PORTAL


def test_auth_refusals_are_readable_by_an_allowed_origin(cors_client: httpx.Client) -> None:
    """A browser page can read a 401's problem and challenge; a preflight needs no credential."""
    assert preflight(cors_client, "/v1/recommendations", PORTAL).status_code == 200
    response = cors_client.post(
        "/v1/recommendations", json={}, headers={"Origin": PORTAL, "Authorization": "Bearer wrong-key"}
    )
    assert response.status_code == 401
    assert response.headers["access-control-allow-origin"] == PORTAL
    assert "www-authenticate" in response.headers["access-control-expose-headers"].lower()
