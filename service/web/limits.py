"""Refuse bodies that are too large (413) before any route sees them, and bodies that are not JSON (415).

The size limit is middleware, so no route reads more than the limit. The media type is checked by a
dependency of the routes, so a method a path does not have still gets its 405.
"""

from __future__ import annotations

from fastapi import Request
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.web.problem_types import BODY_TOO_LARGE
from service.web.problems import UnsupportedMediaType, problem

BODY_METHODS = {"POST", "PUT", "PATCH"}


FHIR_JSON = "application/fhir+json"


def media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


BATCH_SUFFIX = ":batch"


class BodyLimits:
    """Pure ASGI middleware: buffers at most the limit of body, then replays it to the app.

    Batch paths (ending in ":batch") and FHIR bodies (application/fhir+json) have their own, larger limits.
    """

    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int,
        max_batch_bytes: int | None = None,
        max_fhir_bytes: int | None = None,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_batch_bytes = max_batch_bytes or max_bytes
        self.max_fhir_bytes = max_fhir_bytes or max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in BODY_METHODS:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        limit = self.max_batch_bytes if scope["path"].endswith(BATCH_SUFFIX) else self.max_bytes
        if media_type(headers.get("content-type", "")) == FHIR_JSON:
            limit = self.max_fhir_bytes
        declared = headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await self._too_large(limit, scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await self._too_large(limit, scope, receive, send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    @staticmethod
    async def _too_large(limit: int, scope: Scope, receive: Receive, send: Send) -> None:
        await problem(BODY_TOO_LARGE, f"The body must be at most {limit} bytes.")(scope, receive, send)


async def require_json(request: Request) -> None:  # async: no worker-thread hop
    """Route dependency: a request with a body must send it as JSON."""
    if request.method in BODY_METHODS and not is_json(request.headers.get("content-type", "")):
        raise UnsupportedMediaType()
