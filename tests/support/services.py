"""PostgreSQL and Redis for the tests: private servers on free ports, started on first use, stopped at exit.

Never the machine's shared servers (5432, 6379): other engineers use them, and a contributor's fresh machine
has none. The binaries are Debian's packages (`make test` installs `postgresql` and `redis-server` when they
are missing). TEST_POSTGRES_URL (an admin URL) or TEST_REDIS_URL point the tests at a server of your own.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import tempfile
import time
from functools import cache
from pathlib import Path

import redis

from tests.pg_cluster import ThrowawayPostgres
from tests.support.server import free_port


@cache
def postgres_admin_url() -> str:
    """A PostgreSQL admin URL (trust auth) on which a test may create and drop databases."""
    configured = os.environ.get("TEST_POSTGRES_URL")
    if configured:
        return configured
    server = ThrowawayPostgres()
    atexit.register(server.remove)
    server.start()
    return server.admin_url


class PrivateRedis:
    """`redis-server` on a free loopback port, keeping nothing on disk."""

    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server not found: `make test` installs Debian's redis-server package")
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="nextsteps-redis-"))
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=self.directory,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.url = f"redis://127.0.0.1:{self.port}/0"
        deadline = time.monotonic() + 30
        while True:
            try:
                if redis.Redis.from_url(self.url, socket_timeout=1).ping():
                    return
            except redis.ConnectionError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"redis-server did not start on port {self.port}")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.directory, ignore_errors=True)


@cache
def redis_url() -> str:
    """A Redis URL the tests may write to (each test run uses a key prefix of its own)."""
    configured = os.environ.get("TEST_REDIS_URL")
    if configured:
        return configured
    server = PrivateRedis()
    atexit.register(server.stop)
    return server.url
