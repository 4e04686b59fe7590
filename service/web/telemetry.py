"""One JSON log line and the HTTP metrics for every request, and its request id.

The line holds: request id, method, path (never the query string), route template, status, duration,
ruleset version and the next-step codes answered. Nothing from the request body or query reaches it.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.core.models import RecommendationResponse
from service.web import metrics
from service.web.logs import request_id_var

REQUEST_ID_HEADER = "x-request-id"
# An incoming id is kept only if it is a plain token (a UUID, a trace id); anything else is replaced.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
MAX_LOGGED_PATH = 256
log = logging.getLogger("nextsteps.request")


def request_id_from(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            candidate: str = value.decode("latin-1")
            if SANE_REQUEST_ID.fullmatch(candidate):
                return candidate
            break
    return uuid.uuid4().hex


def note_steps(request: Request, answer: RecommendationResponse) -> None:
    """Called by a route answering one comparison: the step codes go on its log line."""
    request.state.next_steps = [step.code for step in answer.next_steps]


def route_of(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else metrics.UNMATCHED_ROUTE


class RequestTelemetry:
    """Pure ASGI middleware: request id in and out, one log line, request count and latency."""

    def __init__(self, app: ASGIApp, ruleset_version: str) -> None:
        self.app = app
        self.ruleset_version = ruleset_version

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_from(scope)
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        failed = True  # until the app returns: the id then stays set for the outermost error handler's 500
        try:
            await self.app(scope, receive, send_with_id)
            failed = False
        finally:
            seconds = time.perf_counter() - started
            route = route_of(scope)
            method = metrics.method_label(scope["method"])
            metrics.observe_request(method, route, status, seconds)
            state: dict[str, Any] = scope.get("state") or {}
            log.info(
                "request",
                extra={
                    "request_id": request_id,
                    "method": method,
                    "path": scope["path"][:MAX_LOGGED_PATH],
                    "route": route,
                    "status": status,
                    "duration_ms": round(seconds * 1000, 3),
                    "ruleset_version": self.ruleset_version,
                    "next_steps": state.get("next_steps", []),
                },
            )
            if not failed:
                request_id_var.reset(token)
