"""The dependencies a route uses to know its caller: what issue 6's decision routes will build on."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated, Any

import httpx
from fastapi import FastAPI
from pydantic import SecretStr

from service.api.deps import Caller, require_scope
from service.auth.clients import Client
from service.config import Settings
from service.decisions.migrate import upgrade
from service.main import create_app
from tests.support.bodies import TREATMENTS_DIFFER
from tests.support.in_process import Call, send
from tests.support.server import AUTH, DEV_KEY


def app_with_probe(settings: Settings) -> FastAPI:
    app = create_app(settings)

    async def whoami(client: Caller) -> dict[str, Any]:
        return {"id": client.id, "scopes": sorted(client.scopes)}

    async def decisions(client: Annotated[Client, require_scope("decisions:read")]) -> dict[str, str]:
        return {"owner": client.id}

    app.add_api_route("/v1/probe/whoami", whoami)
    app.add_api_route("/v1/probe/decisions", decisions)
    return app


def get(app: FastAPI, path: str, headers: dict[str, str]) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://nextsteps.test") as c:
            return await c.get(path, headers=headers)

    return asyncio.run(go())


def test_the_route_sees_the_authenticated_client() -> None:
    app = app_with_probe(Settings(dev_api_key=SecretStr(DEV_KEY)))
    assert get(app, "/v1/probe/whoami", AUTH).json() == {
        "id": "dev",
        "scopes": ["admin", "decisions:read", "feedback", "recommend"],
    }
    assert get(app, "/v1/probe/decisions", AUTH).json() == {"owner": "dev"}
    assert get(app, "/v1/probe/whoami", {}).status_code == 401


def test_with_authentication_off_the_caller_is_an_anonymous_admin() -> None:
    app = app_with_probe(Settings(auth_enabled=False))
    assert get(app, "/v1/probe/whoami", {}).json()["id"] == "anonymous"
    assert get(app, "/v1/probe/decisions", {}).status_code == 200


def test_with_authentication_off_decisions_are_recorded_as_the_default_client(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'decisions.sqlite3'}"
    upgrade(url)
    settings = Settings(auth_enabled=False, database_url=SecretStr(url), decision_default_client="portal-x")
    body = TREATMENTS_DIFFER
    app = create_app(settings)
    answered, listed = send(app, Call("POST", "/v1/recommendations", body), Call("GET", "/v1/decisions"))
    assert answered.status_code == 200
    assert [d["client_id"] for d in listed.json()["decisions"]] == ["portal-x"]
    assert get(app_with_probe(settings), "/v1/probe/whoami", {}).json()["id"] == "portal-x"
