"""Calls to an app in this process (no server), for what depends only on how the app was built."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    json: Any = None
    headers: dict[str, str] | None = None


def send(app: FastAPI, *calls: Call) -> list[httpx.Response]:
    """Each call in turn, over one client; their responses."""

    async def go() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://in-process.test") as client:
            return [await client.request(c.method, c.path, json=c.json, headers=c.headers) for c in calls]

    return asyncio.run(go())
