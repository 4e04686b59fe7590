"""At most MAX_BATCHES_IN_FLIGHT batch requests at once in one worker, admitted before their body is read;
one more is answered 503 with Retry-After. While batches are in flight the collector's automatic passes
wait; after each, the worker collects, and after the last one it gives the memory it parsed and answered
with back to the system."""

from __future__ import annotations

import asyncio
import gc
import logging

from starlette.types import ASGIApp, Receive, Scope, Send

from service.web.heap import give_back, pause_collection
from service.web.limits import BATCH_PATH
from service.web.problem_types import BUSY
from service.web.problems import problem

log = logging.getLogger("service.web.batch_slots")
RETRY_AFTER_SECONDS = 2


class BatchSlots:
    """Pure ASGI middleware, outside the body limits: a refused batch costs no body read."""

    def __init__(self, app: ASGIApp, slots: int) -> None:
        self.app = app
        self.slots = slots
        self.busy = 0
        self.paused = False  # the automatic passes were paused by the first batch in flight

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != BATCH_PATH or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        if self.busy >= self.slots:
            log.warning("batch refused: %d in flight in this worker", self.busy)
            await problem(
                BUSY,
                "This worker is answering as many batches as it may; retry after the time in Retry-After.",
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            )(scope, receive, send)
            return
        self.busy += 1
        if self.busy == 1 and not self.paused:
            self.paused = pause_collection()
        try:
            await self.app(scope, receive, send)
        finally:
            self.busy -= 1
            # On the loop's next turn, once this request is over: until then the batch's answers are still
            # held on the way out, and what is held cannot be given back.
            asyncio.get_running_loop().call_soon(self._after_batch)

    def _after_batch(self) -> None:
        """After the last batch in flight, its garbage is collected and the automatic passes run again
        (`give_back`); while other batches keep them waiting, this one's garbage goes at once.

        The passes come back only here, not as the batch ends: a pass due since the batch began runs at
        the next allocation, over every object the batch still holds on its way out: 17-31 ms after each
        batch of 1,000, finding nothing (measured with gc.callbacks in a worker, bench/batch_bench.py)."""
        if self.busy:
            gc.collect()
            return
        give_back(resume=self.paused)
        self.paused = False
