"""A worker answers at most MAX_BATCHES_IN_FLIGHT batches at once: one more is refused 503 with Retry-After
before its body is read, and a slot is free again once a batch is answered. The collector's automatic passes
wait while batches are in flight."""

from __future__ import annotations

import asyncio
import gc
import json
import socket
from collections.abc import Iterator

import httpx
import pytest
from starlette.types import Message, Receive, Scope, Send

from service.web.batch_slots import BatchSlots
from tests.support.bodies import opinion
from tests.support.server import AUTH, DEV_KEY, ServerProcess

URL = "/v1/recommendations:batch"
BODY = json.dumps({"items": [{"opinions": [opinion(), opinion("lung")]}]}).encode()


@pytest.fixture(scope="module")
def server() -> Iterator[ServerProcess]:
    with ServerProcess(MAX_BATCHES_IN_FLIGHT="1") as s:
        yield s


def test_a_batch_over_the_slots_is_refused_503_and_the_slot_comes_back(server: ServerProcess) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as slow:
        # A batch whose body is still arriving holds the worker's one slot.
        slow.sendall(
            f"POST {URL} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {DEV_KEY}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(BODY)}\r\n\r\n".encode()
            + BODY[:10]
        )
        refused = None
        for _ in range(50):  # until the slow one has been admitted
            refused = httpx.post(
                server.base_url + URL, content=BODY, headers={**AUTH, "content-type": "application/json"}
            )
            if refused.status_code == 503:
                break
        assert refused is not None and refused.status_code == 503
        assert refused.headers["retry-after"] == "2"
        assert refused.headers["content-type"] == "application/problem+json"
        # Other routes are not affected.
        assert httpx.get(server.base_url + "/v1/rules", headers=AUTH).status_code == 200
        slow.sendall(BODY[10:])
        assert slow.recv(65536).startswith(b"HTTP/1.1 200")
    answered = httpx.post(
        server.base_url + URL, content=BODY, headers={**AUTH, "content-type": "application/json"}
    )
    assert answered.status_code == 200


def test_the_collector_waits_while_batches_are_in_flight_and_runs_again_after() -> None:
    seen: list[bool] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(gc.isenabled())
        if len(seen) == 1:  # a second batch arrives while the first is in flight
            await slots({**scope}, receive, send)
            seen.append(gc.isenabled())  # the second is done, the first is not

    slots = BatchSlots(app, slots=2)
    scope = {"type": "http", "path": URL, "method": "POST"}
    assert gc.isenabled()
    asyncio.run(slots(scope, receive_nothing, send_nothing))
    assert seen == [False, False, False] and gc.isenabled() and slots.busy == 0


def test_after_a_batch_only_the_youngest_generation_is_collected_once_its_answer_is_out() -> None:
    """The batch's garbage is all in the youngest generation (nothing is promoted while the passes wait),
    so that is all the worker collects after it: never a full pass over its heap, and no pass before the
    request is over (the first runs on the loop's next turn)."""
    collected: list[tuple[str, int]] = []
    moment = "before"

    def note(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collected.append((moment, info["generation"]))

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        nonlocal moment
        garbage: list[object] = []
        for _ in range(5000):  # more than a pass's threshold: a pass is due when the batch ends
            garbage.append([garbage])
        moment = "answered"

    async def request_then_next_turn() -> None:
        nonlocal moment
        await slots({"type": "http", "path": URL, "method": "POST"}, receive_nothing, send_nothing)
        moment = "request over"
        await asyncio.sleep(0)  # the loop's next turn

    slots = BatchSlots(app, slots=2)
    gc.collect()  # every generation's count at zero: no older pass falls due by chance during the test
    gc.callbacks.append(note)
    try:
        asyncio.run(request_then_next_turn())
    finally:
        gc.callbacks.remove(note)
    assert collected and collected[0] == ("request over", 0)
    assert all(generation < 2 for _, generation in collected) and gc.isenabled()


async def receive_nothing() -> Message:
    return {"type": "http.disconnect"}


async def send_nothing(message: Message) -> None:
    pass
