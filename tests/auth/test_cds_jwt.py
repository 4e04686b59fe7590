"""CDS Hooks client JWTs against a live server: every rule of the spec's "Trusting CDS Clients", each
refused token made in the test with a real JOSE library (PyJWT + cryptography)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from jwt.algorithms import HMACAlgorithm
from jwt.utils import base64url_encode

from service.integrations.cds_hooks import SERVICE_ID
from tests.support.auth import JwksServer, Server, SigningKey, claims, clients_file, serve
from tests.support.bodies import STAGES_DIFFER

EHR_URL_ISSUER = "https://ehr.example.org"  # keys from a JWKS URL (ES384)
EHR_FILE_ISSUER = "https://other-ehr.example.net"  # keys from a JWKS file (RS384)
HOOK_CALL = {
    "hook": "org.nextsteps.opinion-compare",
    "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
    "context": STAGES_DIFFER,
}
FEEDBACK = {
    "feedback": [{"card": "a-card", "outcome": "accepted", "outcomeTimestamp": "2026-11-25T14:30:00Z"}]
}


class Setup:
    def __init__(self, server: Server, jwks: JwksServer, es: SigningKey, rs: SigningKey) -> None:
        self.server, self.jwks, self.es, self.rs = server, jwks, es, rs
        self.endpoint = f"{server.base}/cds-services/{SERVICE_ID}"

    def call(self, token: str, path: str = "", body: dict[str, Any] | None = None) -> httpx.Response:
        return httpx.post(
            self.endpoint + path,
            json=HOOK_CALL if body is None else body,
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    directory = tmp_path_factory.mktemp("cds-jwt")
    es, rs = SigningKey("ES384"), SigningKey("RS384")
    (directory / "other-ehr.jwks.json").write_text(json.dumps({"keys": [rs.jwk()]}))
    with JwksServer() as jwks:
        jwks.keys = [es.jwk()]
        path = clients_file(
            directory,
            [
                {
                    "id": "ehr-a",
                    "scopes": ["recommend"],
                    "cds_hooks": {"issuer": EHR_URL_ISSUER, "jwks_url": jwks.url},
                },
                {
                    "id": "ehr-b",
                    "scopes": ["recommend", "feedback"],
                    "cds_hooks": {"issuer": EHR_FILE_ISSUER, "jwks_file": "other-ehr.jwks.json"},
                },
            ],
        )
        with serve(CLIENTS_FILE=str(path), JWKS_REFRESH_COOLDOWN_SECONDS="0") as server:
            yield Setup(server, jwks, es, rs)


def refused(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"] == 'Bearer realm="nextsteps", error="invalid_token"'
    body: dict[str, Any] = response.json()
    return body


def test_es384_from_a_jwks_url_is_accepted(setup: Setup) -> None:
    response = setup.call(setup.es.token(claims(EHR_URL_ISSUER, setup.endpoint)))
    assert response.status_code == 200, response.text
    assert response.json()["cards"]


def test_rs384_from_a_jwks_file_is_accepted(setup: Setup) -> None:
    response = setup.call(setup.rs.token(claims(EHR_FILE_ISSUER, setup.endpoint)))
    assert response.status_code == 200, response.text


def test_feedback_accepts_the_service_url_or_the_feedback_url_as_audience(setup: Setup) -> None:
    answer = setup.call(setup.rs.token(claims(EHR_FILE_ISSUER, setup.endpoint)))
    card = answer.json()["cards"][0]["uuid"]  # feedback is taken on a card the service gave this client
    feedback = {"feedback": [{**FEEDBACK["feedback"][0], "card": card}]}
    for audience in (setup.endpoint, setup.endpoint + "/feedback"):
        token = setup.rs.token(claims(EHR_FILE_ISSUER, audience))
        assert setup.call(token, "/feedback", feedback).status_code == 200


def test_a_scope_the_cds_client_lacks_is_403(setup: Setup) -> None:
    response = setup.call(setup.es.token(claims(EHR_URL_ISSUER, setup.endpoint)), "/feedback", FEEDBACK)
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert "`feedback` scope" in response.json()["detail"]


def test_expired(setup: Setup) -> None:
    now = int(time.time())
    refused(setup.call(setup.es.token(claims(EHR_URL_ISSUER, setup.endpoint, iat=now - 400, exp=now - 100))))


def test_issued_in_the_future_beyond_the_skew(setup: Setup) -> None:
    now = int(time.time())
    token = setup.es.token(claims(EHR_URL_ISSUER, setup.endpoint, iat=now + 120, exp=now + 200))
    refused(setup.call(token))


def test_issued_slightly_in_the_future_within_the_skew(setup: Setup) -> None:
    now = int(time.time())
    token = setup.es.token(claims(EHR_URL_ISSUER, setup.endpoint, iat=now + 10, exp=now + 200))
    assert setup.call(token).status_code == 200


def test_a_lifetime_over_five_minutes(setup: Setup) -> None:
    now = int(time.time())
    refused(setup.call(setup.es.token(claims(EHR_URL_ISSUER, setup.endpoint, exp=now + 3600))))


@pytest.mark.parametrize(
    "changes",
    [
        {"exp": 10**400},
        {"exp": float("inf")},
        {"exp": float("nan")},
        {"iat": 10**400},
        {"nbf": 10**400},
        {"exp": "soon"},
    ],
    ids=[
        "exp-401-digits",
        "exp-infinite",
        "exp-nan",
        "iat-401-digits",
        "nbf-huge",
        "exp-text",
    ],
)
def test_a_validly_signed_token_with_an_out_of_range_claim_is_401_not_500(
    setup: Setup, changes: dict[str, Any]
) -> None:
    refused(setup.call(setup.es.token(claims(EHR_URL_ISSUER, setup.endpoint, **changes))))


@pytest.mark.parametrize("claim", ["iss", "aud", "exp", "iat", "jti"])
def test_a_missing_claim(setup: Setup, claim: str) -> None:
    refused(setup.call(setup.es.token(claims(EHR_URL_ISSUER, setup.endpoint, **{claim: None}))))


def test_wrong_audience(setup: Setup) -> None:
    for audience in (f"{setup.server.base}/cds-services/another-service", "https://nextsteps.example.org"):
        refused(setup.call(setup.es.token(claims(EHR_URL_ISSUER, audience))))


def test_wrong_issuer_looks_like_any_other_bad_token(setup: Setup) -> None:
    """An unregistered issuer and a registered one with a bad signature get the same answer."""
    stranger = refused(setup.call(setup.es.token(claims("https://stranger.example.com", setup.endpoint))))
    impostor = SigningKey("ES384", kid=setup.es.kid)  # a registered issuer and kid, another private key
    forged = refused(setup.call(impostor.token(claims(EHR_URL_ISSUER, setup.endpoint))))
    assert stranger == forged


def test_an_unknown_key_then_a_refresh_finds_the_rotated_in_key(setup: Setup) -> None:
    rotated = SigningKey("ES384")
    fetches = setup.jwks.fetches
    refused(setup.call(rotated.token(claims(EHR_URL_ISSUER, setup.endpoint))))
    assert setup.jwks.fetches == fetches + 1  # the unknown kid made the server look again
    setup.jwks.keys = [setup.es.jwk(), rotated.jwk()]  # the EHR publishes its new key
    response = setup.call(rotated.token(claims(EHR_URL_ISSUER, setup.endpoint)))
    assert response.status_code == 200, response.text
    assert setup.jwks.fetches == fetches + 2
    # The old key still works while it is published; a known kid does not refetch.
    assert setup.call(setup.es.token(claims(EHR_URL_ISSUER, setup.endpoint))).status_code == 200
    assert setup.jwks.fetches == fetches + 2


def test_a_replayed_jti(setup: Setup) -> None:
    token = setup.es.token(claims(EHR_URL_ISSUER, setup.endpoint))
    assert setup.call(token).status_code == 200
    refused(setup.call(token))
    # The same jti in a freshly signed token is a replay too.
    jti = jwt.decode(token, options={"verify_signature": False})["jti"]
    refused(setup.call(setup.es.token(claims(EHR_URL_ISSUER, setup.endpoint, jti=jti))))


def test_alg_none(setup: Setup) -> None:
    token = jwt.encode(
        claims(EHR_URL_ISSUER, setup.endpoint), "", algorithm="none", headers={"kid": setup.es.kid}
    )
    refused(setup.call(token))


def test_hmac_with_the_public_key_as_secret(setup: Setup) -> None:
    """The classic key-confusion forgery: HS256 keyed with the client's published public key."""
    public_pem = setup.rs.private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    for secret in (public_pem, json.dumps(setup.rs.jwk()).encode()):
        header = {"alg": "HS256", "typ": "JWT", "kid": setup.rs.kid}
        segments = [
            base64url_encode(json.dumps(part).encode())
            for part in (header, claims(EHR_FILE_ISSUER, setup.endpoint))
        ]
        signing_input = b".".join(segments)
        # PyJWT's own HMAC (its HS256 encoder refuses a PEM key as secret, rightly).
        signature = HMACAlgorithm(HMACAlgorithm.SHA256).sign(signing_input, secret)
        refused(setup.call((signing_input + b"." + base64url_encode(signature)).decode()))


def test_keys_named_inside_the_token_are_never_used(setup: Setup) -> None:
    """A `jku` pointing at the attacker's JWKS, or the attacker's key embedded as `jwk`: both refused,
    and the attacker's JWKS is never fetched. Keys come from the clients file only."""
    attacker = SigningKey("ES384")
    with JwksServer() as evil:
        evil.keys = [attacker.jwk()]
        token = attacker.token(claims(EHR_URL_ISSUER, setup.endpoint), jku=evil.url)
        refused(setup.call(token))
        embedded = attacker.token(claims(EHR_URL_ISSUER, setup.endpoint), jwk=attacker.jwk())
        refused(setup.call(embedded))
        assert evil.fetches == 0


def test_a_tampered_payload(setup: Setup) -> None:
    token = setup.rs.token(claims(EHR_FILE_ISSUER, setup.endpoint))
    header, _, signature = token.split(".")
    changed = {**jwt.decode(token, options={"verify_signature": False}), "jti": "another-id"}
    tampered = ".".join([header, base64url_encode(json.dumps(changed).encode()).decode(), signature])
    refused(setup.call(tampered))


def test_a_jwt_is_not_a_credential_for_the_rest_api(setup: Setup) -> None:
    token = setup.es.token(claims(EHR_URL_ISSUER, f"{setup.server.base}/v1/recommendations"))
    response = httpx.post(
        f"{setup.server.base}/v1/recommendations",
        json=HOOK_CALL["context"],
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 401


def test_discovery_needs_no_credential(setup: Setup) -> None:
    response = httpx.get(f"{setup.server.base}/cds-services")
    assert response.status_code == 200
    assert SERVICE_ID in [service["id"] for service in response.json()["services"]]


def test_no_token_or_claim_reaches_the_log(setup: Setup) -> None:
    token = setup.es.token(claims(EHR_URL_ISSUER, setup.endpoint, jti="jti-marker-5521"))
    setup.call(token)
    refused(setup.call(token))  # the replay is logged as refused
    log = setup.server.log()
    assert "credential refused: replayed" in log
    for secret in (token, token.split(".")[1], token.split(".")[2], "jti-marker-5521"):
        assert secret not in log


@pytest.fixture(scope="module")
def proxied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, SigningKey]]:
    directory = tmp_path_factory.mktemp("proxied")
    key = SigningKey("ES384")
    (directory / "jwks.json").write_text(json.dumps({"keys": [key.jwk()]}))
    path = clients_file(
        directory,
        [
            {
                "id": "ehr",
                "scopes": ["recommend"],
                "cds_hooks": {"issuer": "ehr", "jwks_file": str(directory / "jwks.json")},
            }
        ],
    )
    with serve(CLIENTS_FILE=str(path), PUBLIC_BASE_URL="https://nextsteps.example.org/api") as server:
        yield server, key


def test_behind_a_proxy_the_audience_is_the_public_url(
    proxied: tuple[Server, SigningKey], tmp_path: Path
) -> None:
    server, key = proxied
    url = f"{server.base}/cds-services/{SERVICE_ID}"
    public = f"https://nextsteps.example.org/api/cds-services/{SERVICE_ID}"
    for audience, status in ((public, 200), (url, 401)):
        token = key.token(claims("ehr", audience))
        response = httpx.post(url, json=HOOK_CALL, headers={"Authorization": f"Bearer {token}"}, timeout=10)
        assert response.status_code == status, response.text
