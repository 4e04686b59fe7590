"""Read what the prefetch lacks from the EHR's FHIR server (httpx): bounded in time, size and pages.

Only servers the settings allow are called; the access token is sent to that server and nowhere else,
and neither it nor any response value is logged.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

log = logging.getLogger("service.integrations.fhir.fetch")
FHIR_JSON = "application/fhir+json"
MAX_PAGES = 5


class FetchFailed(Exception):
    """The FHIR server could not give what was needed (the hook answers 412)."""


@dataclass(frozen=True)
class FhirServer:
    base: str
    token: str | None
    timeout: float
    max_bytes: int

    async def search(self, client: httpx.AsyncClient, query: str, max_entries: int) -> dict[str, Any]:
        """One read or search; a searchset's pages are followed (at most MAX_PAGES) into one Bundle."""
        url: str | None = f"{self.base.rstrip('/')}/{query}"
        first: dict[str, Any] | None = None
        entries: list[Any] = []
        for _ in range(MAX_PAGES):
            if url is None:
                break
            page = await self._get(client, url)
            if page.get("resourceType") != "Bundle":
                return page
            first = first or page
            entries += page.get("entry") or []
            if len(entries) > max_entries:
                raise FetchFailed("too many entries")
            url = next(
                (link.get("url") for link in page.get("link") or [] if link.get("relation") == "next"), None
            )
            if url is not None and not url.startswith(self.base.rstrip("/") + "/"):
                raise FetchFailed("a next link leaves the FHIR server")
        return {**(first or {}), "entry": entries}

    async def _get(self, client: httpx.AsyncClient, url: str) -> dict[str, Any]:
        headers = {"Accept": FHIR_JSON}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        try:
            async with client.stream("GET", url, headers=headers, timeout=self.timeout) as response:
                if response.status_code != 200:
                    log.warning("fhir server answered", extra={"status": response.status_code})
                    raise FetchFailed("status")
                body = bytearray()
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) > self.max_bytes:
                        raise FetchFailed("too large")
        except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:  # ValueError: a header httpx refuses
            log.warning("fhir server unreachable", extra={"error_type": type(exc).__name__})
            raise FetchFailed("unreachable") from None
        try:
            data = json.loads(body)
        except ValueError:
            raise FetchFailed("not JSON") from None
        if not isinstance(data, dict):
            raise FetchFailed("not a resource")
        return data


def allowed(base: str, allowlist: list[str]) -> bool:
    """An https server, or one the settings list (a prefix match on the whole base URL)."""
    if allowlist:
        return any(
            base.rstrip("/") == a.rstrip("/") or base.startswith(a.rstrip("/") + "/") for a in allowlist
        )
    return urlsplit(base).scheme == "https"
