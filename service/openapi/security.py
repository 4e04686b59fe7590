"""What the OpenAPI document says about authentication: two bearer schemes, and on each operation which
one it takes, the scope it needs (OpenAPI 3.1 role names) and the 401/403/429 answers."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, routing
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from service.api.deps import ScopeRequired
from service.auth.middleware import CDS_PREFIX, is_public

SCHEMES: dict[str, Any] = {
    "apiKey": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "API key",
        "description": (
            "An API key issued to a registered client (server-to-server: a portal's back end), sent as "
            "`Authorization: Bearer nsk_...`. Each client has scopes (`recommend`, `decisions:read`, "
            "`feedback`, `admin`) and a rate limit; `admin` holds every scope."
        ),
    },
    "cdsHooksJwt": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": (
            "CDS Hooks 2.0 client authentication: a JWT signed with an asymmetric key (ES256/384/512, "
            "RS256/384/512, PS256/384/512; never `none` or HMAC) whose public key is in the CDS client's "
            "registered JWKS (`kid` header). Claims: `iss` (registered), `aud` (this endpoint's URL), `exp` "
            "(at most 5 minutes ahead), `iat`, `jti` (used once). Accepted on `/cds-services/{id}` calls."
        ),
    },
}
AUTH_RESPONSES: dict[str, dict[str, Any]] = {
    "401": {
        "description": "No credential, or one that is not valid.",
        "headers": {
            "WWW-Authenticate": {"description": "The Bearer challenge.", "schema": {"type": "string"}}
        },
    },
    "429": {
        "description": "This client is over its rate limit.",
        "headers": {
            "Retry-After": {
                "description": "Seconds to wait before the next request.",
                "schema": {"type": "integer", "minimum": 1},
            }
        },
    },
    "503": {"description": "The request took longer than the configured time limit."},
}


def _scope(dependant: Dependant) -> str | None:
    for dependency in dependant.dependencies:
        if isinstance(dependency.call, ScopeRequired):
            return str(dependency.call.scope)
        found = _scope(dependency)
        if found is not None:
            return found
    return None


def _scopes_by_operation(app: FastAPI) -> dict[str, str | None]:
    scopes: dict[str, str | None] = {}
    for context in routing.iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute) and route.operation_id:
            scopes[route.operation_id] = _scope(route.dependant)
    return scopes


def add(doc: dict[str, Any], app: FastAPI) -> None:
    """Schemes in components; `security` and the auth answers on every operation in the document."""
    doc["components"]["securitySchemes"] = SCHEMES
    scopes = _scopes_by_operation(app)
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            if is_public(method.upper(), path):
                operation["security"] = []
                continue
            scope = scopes.get(operation["operationId"])
            roles = [scope] if scope else []
            security: list[dict[str, list[str]]] = [{"apiKey": roles}]
            if path.startswith(CDS_PREFIX):
                security.insert(0, {"cdsHooksJwt": roles})
            operation["security"] = security
            responses = operation["responses"]
            for status, response in AUTH_RESPONSES.items():
                responses.setdefault(status, dict(response))
            if scope:
                responses.setdefault(
                    "403",
                    {"description": f"The client lacks the `{scope}` scope (`admin` holds every scope)."},
                )
