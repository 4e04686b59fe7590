"""The one launcher of `python -m service` for tests and benchmarks: a free loopback port, a fresh
decision store, the output kept; and `start_refused` for a start-up that must stop (exit 2)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import httpx

from tests.support.paths import ROOT

# The development key every test server accepts (client `dev`, every scope), so the tests go through auth.
DEV_KEY = "nsk_dev_test_" + "k" * 24
AUTH = {"Authorization": f"Bearer {DEV_KEY}"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerProcess:
    """`python -m service ARGS`: start with `with ServerProcess(WORKERS="2") as server:`; SIGTERM on exit.

    The environment is `base_env` (this process's by default) with LOG_LEVEL=warning, the development
    key (unless dev_key=False) and a fresh DATA_DIR, then `env` and the keyword settings on top.
    """

    def __init__(
        self,
        *args: str,
        base_env: Mapping[str, str] | None = None,
        dev_key: bool = True,
        ready_timeout: float = 60,
        env: Mapping[str, str] | None = None,
        **settings: str,
    ) -> None:
        self.args = args
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.ready_timeout = ready_timeout
        self._output = tempfile.TemporaryFile("w+")  # noqa: SIM115 (closed in __exit__)
        self._data = tempfile.TemporaryDirectory()  # a fresh decision store, removed in __exit__
        # The URL clients use is this server's own, as a proxy in front of it would be told.
        defaults = {"LOG_LEVEL": "warning", "DATA_DIR": self._data.name, "PUBLIC_BASE_URL": self.base_url}
        if dev_key:
            defaults["DEV_API_KEY"] = DEV_KEY
        base = dict(os.environ if base_env is None else base_env)
        self.env = {**base, **defaults, **(env or {}), **settings}
        self.env.update(HOST="127.0.0.1", PORT=str(self.port))
        self.proc: subprocess.Popen[str] | None = None

    def __enter__(self) -> ServerProcess:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "service", *self.args],
            cwd=ROOT,
            env=self.env,
            stdout=self._output,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            self._wait_ready()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _wait_ready(self) -> None:
        assert self.proc is not None
        deadline = time.monotonic() + self.ready_timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}: {self.output()}")
            try:
                if httpx.get(f"{self.base_url}/readyz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"server did not become ready in {self.ready_timeout} s")
            time.sleep(0.1)

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._output.close()
        self._data.cleanup()

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    @property
    def output_file(self) -> IO[str]:
        return self._output

    def output(self) -> str:
        """Everything the server and its workers have written so far (stdout and stderr)."""
        self._output.flush()
        with open(self._output.fileno(), closefd=False) as again:
            again.seek(0)
            return again.read()

    def log_lines(self) -> list[dict[str, Any]]:
        """Every output line as JSON; fails on a line that is not JSON."""
        return [json.loads(line) for line in self.output().splitlines() if line.strip()]

    def workers(self) -> set[int]:
        """Pids of the worker processes (children of the supervisor started by multiprocessing)."""
        found = set()
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == self.pid and b"spawn_main" in cmdline:
                found.add(int(entry.name))
        return found

    def wait_workers(
        self, count: int, timeout: float = 60, exclude: frozenset[int] = frozenset()
    ) -> set[int]:
        """Wait until `count` workers run (none of them in `exclude`); return their pids."""
        deadline = time.monotonic() + timeout
        while True:
            pids = self.workers()
            if len(pids) == count and not pids & exclude:
                return pids
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} workers, found {sorted(pids)}")
            time.sleep(0.1)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 60) -> int:
        """Send `sig` to the supervisor and return its exit code."""
        assert self.proc is not None
        self.proc.send_signal(sig)
        return self.proc.wait(timeout=timeout)


@contextmanager
def running_server(**env: str) -> Iterator[str]:
    """A server with the development key; yields its base URL."""
    with ServerProcess(env=env) as server:
        yield server.base_url


def start_refused(
    env: Mapping[str, str], *, base_env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `python -m service` where start-up must stop before serving; its exit code and output."""
    with tempfile.TemporaryDirectory() as data_dir:  # the decision store, if it gets that far
        base = dict(os.environ if base_env is None else base_env)
        environ = {**base, "HOST": "127.0.0.1", "PORT": "1", "DATA_DIR": data_dir, **env}
        return subprocess.run(
            [sys.executable, "-m", "service"],
            cwd=ROOT,
            env=environ,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
