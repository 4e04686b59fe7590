"""The limits that hold before any credential is checked, probed over raw loopback sockets: a request head
over 16 KiB gets 431, a head that does not arrive in time gets 408 and a closed connection, and a worker
keeps at most MAX_CONNECTIONS_PER_WORKER connections open."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator

import pytest

from tests.support.server import ServerProcess

HEADER_TIMEOUT = 1.0
CAP = 8


@pytest.fixture(scope="module")
def server() -> Iterator[ServerProcess]:
    with ServerProcess(HEADER_TIMEOUT_SECONDS=str(HEADER_TIMEOUT), MAX_CONNECTIONS_PER_WORKER=str(CAP)) as s:
        yield s


def connect(server: ServerProcess) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    return sock


def read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and body of one response that ends with the connection (connection: close)."""
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, body


def closed_within(sock: socket.socket, seconds: float) -> bool:
    sock.settimeout(seconds)
    try:
        while sock.recv(65536):
            pass
    except TimeoutError:
        return False
    except ConnectionResetError:
        pass
    return True


def test_a_head_over_16_kib_is_answered_431_problem_json(server: ServerProcess) -> None:
    with connect(server) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 50_000 + b"\r\n\r\n")
        status, headers, body = read_response(sock)
    assert status == 431
    assert headers["content-type"] == "application/problem+json"
    assert json.loads(body)["status"] == 431


def test_a_head_just_under_the_limit_is_served(server: ServerProcess) -> None:
    with connect(server) as sock:
        sock.sendall(
            b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Pad: " + b"a" * 15_000 + b"\r\n\r\n"
        )
        status, _, _ = read_response(sock)
    assert status == 200


def test_a_head_that_never_ends_is_closed_after_the_header_timeout(server: ServerProcess) -> None:
    with connect(server) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        started = time.monotonic()
        status, headers, body = read_response(sock)
        waited = time.monotonic() - started
    assert status == 408
    assert headers["connection"] == "close"
    assert json.loads(body)["status"] == 408
    assert HEADER_TIMEOUT * 0.5 < waited < HEADER_TIMEOUT + 5


def test_a_head_sent_one_byte_at_a_time_is_closed_all_the_same(server: ServerProcess) -> None:
    with connect(server) as sock:
        started = time.monotonic()
        closed = False
        for byte in (b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 100)[:40]:
            try:
                sock.sendall(bytes([byte]))
            except (BrokenPipeError, ConnectionResetError):
                closed = True
                break
            time.sleep(0.1)
        assert closed or closed_within(sock, HEADER_TIMEOUT + 5)
        assert time.monotonic() - started < HEADER_TIMEOUT + 6


def test_the_next_request_on_a_kept_alive_connection_has_the_same_header_timeout(
    server: ServerProcess,
) -> None:
    with connect(server) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert sock.recv(65536).startswith(b"HTTP/1.1 200")
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # and never the blank line
        status, _, _ = read_response(sock)
    assert status == 408


def test_connections_over_the_cap_are_answered_503_and_closed(server: ServerProcess) -> None:
    held = [connect(server) for _ in range(CAP)]
    try:
        time.sleep(0.2)  # the worker has accepted them all
        with connect(server) as extra:
            status, headers, _ = read_response(extra)
        assert status == 503
        assert headers["retry-after"] == "1"
    finally:
        for sock in held:
            sock.close()
    time.sleep(0.2)
    with connect(server) as sock:  # capacity is back once they are gone
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        status, _, _ = read_response(sock)
    assert status == 200
