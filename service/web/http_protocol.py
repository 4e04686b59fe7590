"""uvicorn's h11 protocol with the limits that hold before any credential is checked.

- Request line and headers: at most MAX_HEADER_BYTES (h11's own incomplete-event limit). Over it, the
  answer is 431 problem+json and the connection is closed.
- A header-phase timeout: a connection that has not finished its request line and headers within
  HEADER_TIMEOUT_SECONDS of connecting (or of the first byte of its next request) is answered 408 and
  closed. REQUEST_TIMEOUT_SECONDS (service/web/timeout.py) takes over once the headers are in.
- At most MAX_CONNECTIONS_PER_WORKER open connections per worker: a connection over the cap is answered
  503 with Retry-After and closed at once, before anything of it is read.

Nothing here parses HTTP: h11 does, with its limit; this class only answers h11's verdicts with
problem documents and closes connections that overstay.
"""

from __future__ import annotations

import asyncio
import http
import logging
from typing import Any

import h11
from uvicorn.config import Config
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.server import ServerState

from service.config import get_settings
from service.web.problem_types import BAD_REQUEST, BUSY, HEADER_TIMEOUT, HEADERS_TOO_LARGE, ProblemType
from service.web.problems import PROBLEM_JSON, document

log = logging.getLogger("service.web.http_protocol")
MAX_HEADER_BYTES = 16 * 1024

_REFUSALS: dict[int, tuple[ProblemType, str]] = {
    400: (BAD_REQUEST, "The request is not valid HTTP/1.1."),
    408: (HEADER_TIMEOUT, "The request line and headers did not arrive in time."),
    431: (
        HEADERS_TOO_LARGE,
        f"The request line and headers must be at most {MAX_HEADER_BYTES} bytes together.",
    ),
    503: (BUSY, "Too many open connections; retry after the time in Retry-After."),
}


def _refusal(status: int) -> tuple[list[tuple[str, str]], bytes]:
    kind, detail = _REFUSALS[status]
    body = document(kind, detail).model_dump_json(exclude_none=True).encode()
    headers = [("content-type", PROBLEM_JSON), ("content-length", str(len(body))), ("connection", "close")]
    if status == 503:
        headers.append(("retry-after", "1"))
    return headers, body


class _Connection(h11.Connection):
    """h11's connection, remembering the status h11 suggests for the last protocol error it raised.

    h11 limits a head that arrives in pieces (its incomplete-event size); a head that arrives whole in
    one read is measured here, from the request h11 parsed, against the same limit.
    """

    refused_status = 400

    def next_event(self) -> Any:
        try:
            event = super().next_event()
            if isinstance(event, h11.Request) and _head_size(event) > MAX_HEADER_BYTES:
                raise h11.RemoteProtocolError("request head too large", error_status_hint=431)
        except h11.RemoteProtocolError as exc:
            self.refused_status = 431 if exc.error_status_hint == 431 else 400
            raise
        return event


def _head_size(request: h11.Request) -> int:
    """Bytes of the request line and headers as sent, less optional whitespace."""
    line = len(request.method) + len(request.target) + len(b"  HTTP/1.1\r\n")
    return line + sum(len(name) + len(value) + 4 for name, value in request.headers.raw_items()) + 2


class BoundedH11Protocol(H11Protocol):
    """Served by uvicorn as `http="service.web.http_protocol:BoundedH11Protocol"` (service/server.py)."""

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.conn = self.limited = _Connection(h11.SERVER, MAX_HEADER_BYTES)
        settings = get_settings()
        self.header_timeout = settings.header_timeout_seconds
        self.max_connections = settings.max_connections_per_worker
        self.header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self.max_connections:
            log.warning("connection refused: over the cap of %d per worker", self.max_connections)
            self._refuse(503)
            return
        self._arm_header_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_header_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self.conn.their_state is h11.IDLE and self.header_timer is None:
            self._arm_header_timer()  # the first bytes of the next request on a kept-alive connection
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:
            self._disarm_header_timer()  # the headers are in (or the connection failed)

    def send_400_response(self, msg: str) -> None:
        """h11 refused the request: 431 when the head was over the limit, else 400; as problem+json."""
        self._disarm_header_timer()
        self._refuse(self.limited.refused_status)

    def _refuse(self, status: int) -> None:
        if self.transport.is_closing():
            return
        headers, body = _refusal(status)
        try:
            start = h11.Response(status_code=status, headers=headers, reason=http.HTTPStatus(status).phrase)
            self.transport.write(self.conn.send(start))
            self.transport.write(self.conn.send(h11.Data(data=body)))
            self.transport.write(self.conn.send(h11.EndOfMessage()))
        except h11.LocalProtocolError:  # a response was already under way: just close
            pass
        self.transport.close()

    def _arm_header_timer(self) -> None:
        self._disarm_header_timer()
        self.header_timer = self.loop.call_later(self.header_timeout, self._header_timed_out)

    def _disarm_header_timer(self) -> None:
        if self.header_timer is not None:
            self.header_timer.cancel()
            self.header_timer = None

    def _header_timed_out(self) -> None:
        self.header_timer = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            log.warning("connection closed: request headers not received within %gs", self.header_timeout)
            self._refuse(408)
