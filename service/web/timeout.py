"""A time limit on each request, body included: past it the answer is 503 problem+json.

The limit takes effect at the request's next `await` (reading the body, a JWKS fetch); the rules engine
itself runs without awaiting and is not interrupted, but it takes well under a millisecond.
"""

from __future__ import annotations

import asyncio
import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.web.problem_types import TIMEOUT
from service.web.problems import problem

log = logging.getLogger("service.web.timeout")


class RequestTimeout:
    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_tracked(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await asyncio.wait_for(self.app(scope, receive, send_tracked), self.seconds)
        except TimeoutError:
            log.warning("request over the time limit: %s %s", scope["method"], scope["path"])
            if started:  # too late for a problem document; the connection is closed
                raise
            await problem(
                TIMEOUT,
                f"The request was not completed within {self.seconds:g} seconds; send it again.",
                headers={"Retry-After": "1", "Connection": "close"},
            )(scope, receive, send)
