"""Refuse bodies that are too large (413) before any route sees them, and bodies that are not JSON (415).

The size limit is middleware, so no route reads more than the limit. The media type is checked by a
dependency of the routes, so a method a path does not have still gets its 405.
"""

from __future__ import annotations

import re

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


BATCH_PATH = "/v1/recommendations:batch"
# A parsed JSON value costs Python about 25 times its bytes at worst (`[],` is 3 bytes, a list 56 plus a
# pointer), so a batch body's size alone does not bound its memory. Its values do: a full item has at
# most about 450 (ten opinions with twenty guidelines each), so 1,000 items fit in MAX_BATCH_VALUES.
MAX_BATCH_VALUES = 600_000
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')


def _marks(text: bytes) -> int:
    return text.count(b",") + text.count(b"[") + text.count(b"{")


def json_values(body: bytes) -> int:
    """About how many values a JSON text holds once parsed: its `[`, `{` and `,` outside strings (every
    container opens with one, every value in a container but the first follows a comma). Malformed JSON
    is left to the parser."""
    return _marks(_JSON_STRING.sub(b"", body))


def too_many_values(body: bytes, limit: int) -> bool:
    """json_values(body) > limit. Every mark, strings included, is an upper bound, counted in under a
    millisecond for a 1,000-item batch (taking the strings out first costs 15 ms); only a body over the
    limit by that bound is counted exactly."""
    return _marks(body) > limit and json_values(body) > limit


class BodyLimits:
    """Pure ASGI middleware: buffers at most the limit of body, then replays it to the app.

    The batch route has its own, larger limit, and a limit on how many JSON values its body holds; FHIR
    bodies (application/fhir+json) have theirs.
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
        batch = scope["path"] == BATCH_PATH
        headers = Headers(scope=scope)
        limit = self.max_batch_bytes if batch else self.max_bytes
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
        if batch and too_many_values(body, MAX_BATCH_VALUES):
            await problem(
                BODY_TOO_LARGE,
                f"The body must hold at most {MAX_BATCH_VALUES} JSON values (objects, lists and items).",
            )(scope, receive, send)
            return
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
