"""The JWKS fetch under pressure, against a JWKS host on loopback: one fetch for 100 concurrent unknown kids,
a slow host delays only the tokens whose key is not held, and an oversized answer is cut off as it streams."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from service.auth.jwks import JwksSource
from tests.support.auth import SigningKey


class Host:
    """A JWKS endpoint that answers after `delay` seconds; `oversize` streams that many bytes instead."""

    def __init__(self) -> None:
        self.key = SigningKey("ES384")
        self.delay = 0.0
        self.oversize = 0
        self.fetches = 0
        self.sent = 0
        host = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                host.fetches += 1
                time.sleep(host.delay)
                self.send_response(200)
                self.send_header("content-type", "application/json")
                if host.oversize:  # no length announced: only counting while reading can stop it
                    self.send_header("transfer-encoding", "chunked")
                    self.end_headers()
                    chunk = b" " * 65536
                    try:
                        while host.sent < host.oversize:
                            self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                            host.sent += len(chunk)
                    except OSError:
                        return
                    self.wfile.write(b"0\r\n\r\n")
                    return
                body = json.dumps({"keys": [host.key.jwk()]}).encode()
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/jwks.json"


@pytest.fixture
def host() -> Iterator[Host]:
    served = Host()
    thread = threading.Thread(target=served.httpd.serve_forever, daemon=True)
    thread.start()
    yield served
    served.httpd.shutdown()
    served.httpd.server_close()


def source(http: httpx.AsyncClient, url: str, cache: float = 3600, cooldown: float = 10) -> JwksSource:
    return JwksSource(url=url, cache_seconds=cache, cooldown_seconds=cooldown, http=http)


def test_a_hundred_concurrent_unknown_kids_cost_one_fetch(host: Host) -> None:
    now = [1000.0]

    async def run() -> list[dict[str, Any] | None]:
        async with httpx.AsyncClient(timeout=10) as http:
            jwks = JwksSource(
                url=host.url, cache_seconds=3600, cooldown_seconds=10, http=http, clock=lambda: now[0]
            )
            await jwks.key(host.key.kid)
            assert host.fetches == 1
            host.delay = 0.3  # the refetch is under way while all of them ask
            now[0] += 11  # past the cooldown
            return list(await asyncio.gather(*(jwks.key(str(uuid.uuid4())) for _ in range(100))))

    assert asyncio.run(run()) == [None] * 100
    assert host.fetches == 2  # the first load, then one refetch for all hundred


def test_a_slow_jwks_host_delays_only_the_tokens_whose_key_is_not_held(host: Host) -> None:
    async def run() -> tuple[float, float, list[Any]]:
        async with httpx.AsyncClient(timeout=10) as http:
            jwks = source(http, host.url, cache=0.5, cooldown=0)
            await jwks.key(host.key.kid)
            host.delay = 1.5
            await asyncio.sleep(0.6)  # the set is stale now
            started = time.monotonic()
            held = await jwks.key(host.key.kid)  # answered from the stale set, refetched in the background
            known = time.monotonic() - started
            assert held is not None
            started = time.monotonic()
            unknown = await asyncio.gather(*(jwks.key(str(uuid.uuid4())) for _ in range(5)))
            waited = time.monotonic() - started
            return known, waited, unknown

    known, waited, unknown = asyncio.run(run())
    assert known < 0.5
    assert unknown == [None] * 5
    assert waited < 3.0  # the five share the fetch under way: not five fetches of 1.5 s in a row
    assert host.fetches == 2


def test_an_oversized_jwks_is_cut_off_while_it_streams(host: Host) -> None:
    host.oversize = 60 * 1024 * 1024

    async def run() -> Any:
        async with httpx.AsyncClient(timeout=10) as http:
            return await source(http, host.url).key(host.key.kid)

    assert asyncio.run(run()) is None
    time.sleep(0.2)
    # The reader stopped past MAX_JWKS_BYTES; the host got rid of a few MiB more into loopback's buffers.
    assert host.sent < host.oversize // 4
