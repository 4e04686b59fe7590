"""A CDS client's public keys (JWKS), from a file or a URL: cached, and fetched again when a token names a
key id we do not hold (the client rotated its keys), at most once per cooldown."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

log = logging.getLogger("service.auth.jwks")
MAX_JWKS_BYTES = 256 * 1024


class JwksSource:
    def __init__(
        self,
        *,
        url: str | None = None,
        file: Path | None = None,
        cache_seconds: float,
        cooldown_seconds: float,
        http: httpx.AsyncClient,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if (url is None) == (file is None):
            raise ValueError("give exactly one of url and file")
        self._url = url
        self._file = file
        self._cache_seconds = cache_seconds
        self._cooldown = cooldown_seconds
        self._http = http
        self._clock = clock
        self._keys: dict[str, dict[str, Any]] = {}
        self._fetched: float | None = None
        self._inflight: asyncio.Task[None] | None = None

    async def key(self, kid: str) -> dict[str, Any] | None:
        """The public JWK with this `kid`, refetching the set when it is stale or lacks the kid.

        One fetch at a time (single-flight): every request that needs the set fetched again waits for the
        same fetch, so 100 tokens with unknown kids cost one fetch per cooldown. A stale set that holds
        the kid answers at once while it is fetched again in the background: a slow JWKS host delays only
        the requests that cannot be answered without it.
        """
        age = None if self._fetched is None else self._clock() - self._fetched
        stale = age is None or age >= self._cache_seconds
        rotated = age is not None and kid not in self._keys and age >= self._cooldown
        if kid in self._keys and stale:
            self._refresh()  # not awaited: the key we hold serves until the new set is in
        elif stale or rotated:
            await asyncio.shield(self._refresh())  # a caller that gives up does not cancel the others' fetch
        return self._keys.get(kid)

    def _refresh(self) -> asyncio.Task[None]:
        """The fetch in flight, started when there is none."""
        if self._inflight is None or self._inflight.done():
            self._inflight = asyncio.get_running_loop().create_task(self._fetch())
        return self._inflight

    async def _fetch(self) -> None:
        try:
            document = await self._load()
            self._keys = _signing_keys(document)
        except (OSError, httpx.HTTPError, ValueError) as exc:
            # Keep the keys we had; the source is configuration, not a credential.
            log.warning("JWKS could not be loaded: %s from %s", type(exc).__name__, self._url or self._file)
        self._fetched = self._clock()

    async def _load(self) -> Any:
        if self._file is not None:
            return json.loads(self._file.read_bytes())
        assert self._url is not None
        headers = {"accept": "application/json", "accept-encoding": "identity"}
        async with self._http.stream("GET", self._url, headers=headers) as response:
            response.raise_for_status()
            declared = response.headers.get("content-length", "0")
            if not declared.isdigit() or int(declared) > MAX_JWKS_BYTES:
                raise ValueError("JWKS too large")
            if response.headers.get("content-encoding", "identity") != "identity":
                raise ValueError("JWKS compressed although asked not to be")
            body = bytearray()
            async for chunk in response.aiter_raw():  # counted as it arrives, never past the limit
                body += chunk
                if len(body) > MAX_JWKS_BYTES:
                    raise ValueError("JWKS too large")
        return json.loads(bytes(body))


def _signing_keys(document: Any) -> dict[str, dict[str, Any]]:
    """Public signing keys by kid; private parts, keys without a kid and encryption keys are left out."""
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise ValueError("not a JWK Set")
    keys: dict[str, dict[str, Any]] = {}
    for jwk in document["keys"]:
        if not isinstance(jwk, dict) or not isinstance(jwk.get("kid"), str):
            continue
        if jwk.get("use", "sig") != "sig" or jwk.get("kty") not in ("EC", "RSA"):
            continue
        keys[jwk["kid"]] = {k: v for k, v in jwk.items() if k not in ("d", "p", "q", "dp", "dq", "qi", "oth")}
    return keys
