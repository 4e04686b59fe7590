"""Authenticate every request before anything reads its body: 401 for a missing or bad credential,
429 when the client is over its rate limit. The client goes on the request's state, where only the
`Caller` dependency (service/api/deps.py) reads it.

Open without a credential: liveness, readiness, metrics, the docs and the OpenAPI document, and CDS Hooks
discovery (`GET /cds-services`, public per the spec).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from service.auth.cds_jwt import CdsJwtVerifier, TokenRefused
from service.auth.clients import ALL_SCOPES, Client, Registry
from service.auth.rate_limit import Limiter, retry_after
from service.auth.replay import SharedStoreUnavailable
from service.web.problem_types import RATE_LIMITED, STORE_UNAVAILABLE, UNAUTHORIZED
from service.web.problems import problem

log = logging.getLogger("service.auth")
PUBLIC_PATHS = frozenset(
    ("/healthz", "/readyz", "/metrics", "/openapi.json", "/docs", "/redoc", "/cds-services", "/review")
)
# The review page is public: it holds no data and asks for an admin key. Only with REVIEW_PAGE=true.
PUBLIC_PREFIXES = ("/docs/assets/", "/review/assets/")
CDS_PREFIX = "/cds-services/"
MAX_TOKEN_CHARS = 8192
REALM = 'Bearer realm="nextsteps"'


def is_public(method: str, path: str) -> bool:
    return method in ("GET", "HEAD") and (path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES))


def bearer(headers: Headers) -> str | None:
    """The token of `Authorization: Bearer <token>`, or None."""
    scheme, _, token = headers.get("authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    return token


@dataclass
class Authenticator:
    registry: Registry
    verifier: CdsJwtVerifier
    limiter: Limiter
    public_base_url: str | None

    def audiences(self, scope: Scope) -> list[str]:
        """The URLs a CDS Hooks JWT may be addressed to for this request: the endpoint called under
        PUBLIC_BASE_URL; for feedback also the service's own endpoint (the URL in discovery). Never from
        the request's Host or X-Forwarded-* headers, which the caller chooses."""
        if not self.public_base_url:  # start-up refuses JWT clients without it: nothing can match
            return []
        path: str = scope["path"]
        base = self.public_base_url.rstrip("/")
        urls = [base + path]
        if path.endswith("/feedback"):
            urls.append(base + path.removesuffix("/feedback"))
        return urls

    async def client_for(self, token: str, scope: Scope) -> Client:
        if len(token) > MAX_TOKEN_CHARS:
            raise TokenRefused("too-long")
        if scope["path"].startswith(CDS_PREFIX) and token.count(".") == 2:
            return await self.verifier.verify(token, self.audiences(scope))
        client = self.registry.by_api_key(token)
        if client is None:
            raise TokenRefused("unknown-key")
        return client


class Authenticate:
    """Pure ASGI middleware; with `authenticator=None` (AUTH_ENABLED=false) every caller is `anonymous`:
    the default client (DECISION_DEFAULT_CLIENT) with every scope, in `tenant` (DEFAULT_TENANT) if set."""

    def __init__(
        self, app: ASGIApp, authenticator: Authenticator | None, anonymous: str, tenant: str | None = None
    ) -> None:
        self.app = app
        self.authenticator = authenticator
        self.anonymous = Client(id=anonymous, scopes=ALL_SCOPES, tenant=tenant)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        auth = self.authenticator
        if auth is None:
            scope.setdefault("state", {})["client"] = self.anonymous
            await self.app(scope, receive, send)
            return
        if is_public(scope["method"], scope["path"]):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        token = bearer(headers)
        if token is None:
            sent = headers.get("authorization", "").strip()
            detail = (
                "The Authorization header does not use the Bearer scheme."
                if sent
                else "No credential was sent."
            )
            await _unauthorized(detail, REALM)(scope, receive, send)
            return
        try:
            client = await auth.client_for(token, scope)
            wait = await auth.limiter.take(client.id, auth.registry.rate_limit(client.id))
        except SharedStoreUnavailable as exc:
            log.error("shared store unavailable: %s", exc)
            await problem(
                STORE_UNAVAILABLE,
                "The service cannot check credentials right now; retry shortly.",
                headers={"Retry-After": "5"},
            )(scope, receive, send)
            return
        except TokenRefused as refused:
            # The reason code only: never the token, its claims or a client id.
            log.warning("credential refused: %s", refused.reason)
            challenge = f'{REALM}, error="invalid_token"'
            await _unauthorized("The credential is not valid.", challenge)(scope, receive, send)
            return
        if wait > 0:
            await problem(
                RATE_LIMITED,
                "This client has sent more requests than its limit; retry after the time in Retry-After.",
                headers={"Retry-After": retry_after(wait)},
            )(scope, receive, send)
            return
        scope.setdefault("state", {})["client"] = client
        await self.app(scope, receive, send)


def _unauthorized(detail: str, challenge: str) -> JSONResponse:
    return problem(
        UNAUTHORIZED,
        f"{detail} Send a registered API key, or for CDS Hooks a signed JWT, as `Authorization: Bearer`.",
        headers={"WWW-Authenticate": challenge},
    )
