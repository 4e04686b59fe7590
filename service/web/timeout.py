"""A time limit on each request, body included, and commit or answer, never neither.

Each request carries a `CommitGate` (request.state.commit_gate) that the decision log's writer respects. At
the time limit, or when the client leaves, the gate is closed: if no decision of the request has begun to
commit, the request stops (503 problem+json "send it again", or nothing for a departed client) and nothing
is recorded. If a commit has begun, the request runs on and its answer is sent: a committed decision is
always answered, however long its commit took.

The limit takes effect at the request's next `await` (reading the body, a JWKS fetch, the decision commit);
the rules engine itself runs without awaiting and is not interrupted, but it takes well under a millisecond.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.decisions.group_commit import CommitGate
from service.web.problem_types import TIMEOUT
from service.web.problems import problem

log = logging.getLogger("service.web.timeout")
GATE = "commit_gate"  # the request.state attribute


class RequestTimeout:
    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        gate = CommitGate()
        scope.setdefault("state", {})[GATE] = gate
        started = False
        body_read = asyncio.Event()

        async def send_tracked(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        async def receive_tracked() -> Message:
            message = await receive()
            if message["type"] != "http.request" or not message.get("more_body", False):
                body_read.set()
            return message

        app = asyncio.ensure_future(self.app(scope, receive_tracked, send_tracked))
        watch = asyncio.ensure_future(self._client_gone(receive, body_read))
        try:
            await asyncio.wait({app, watch}, timeout=self.seconds, return_when=asyncio.FIRST_COMPLETED)
            if watch.done() and not app.done() and not started and gate.close():
                await _cancel(app)  # the client left and nothing of it was committed: nobody to answer
                return
            if not app.done() and not started and gate.close():
                await _cancel(app)
                log.warning("request over the time limit: %s %s", scope["method"], scope["path"])
                await problem(
                    TIMEOUT,
                    f"The request was not completed within {self.seconds:g} seconds; send it again.",
                    headers={"Retry-After": "1", "Connection": "close"},
                )(scope, receive, send)
                return
            await app  # done, or its decision is being committed: it answers
        finally:
            await _cancel(watch)
            if not app.done():  # cancelled from outside (server shutdown)
                await _cancel(app)

    @staticmethod
    async def _client_gone(receive: Receive, body_read: asyncio.Event) -> None:
        """Returns when the client disconnects; listens only once the app has read the whole body."""
        await body_read.wait()
        while (await receive())["type"] != "http.disconnect":
            pass


async def _cancel(task: asyncio.Future[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
