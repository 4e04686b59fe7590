"""`python -m service` as a child process whose output, pid and exit code the tests can read."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Any

from tests.conftest import DEV_KEY, ROOT, free_port, wait_ready


class ServerProcess:
    """Start with `with ServerProcess(WORKERS="2") as server:`; stops (SIGTERM) on exit."""

    def __init__(self, **env: str) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "LOG_LEVEL": "warning",
            "DEV_API_KEY": DEV_KEY,
            **env,
        }
        self._output = tempfile.TemporaryFile("w+")  # noqa: SIM115 (closed in __exit__)
        self._data = tempfile.TemporaryDirectory()  # a fresh decision store, removed in __exit__
        self.env.setdefault("DATA_DIR", self._data.name)
        self.env.setdefault("PUBLIC_BASE_URL", self.base_url)
        self.proc: subprocess.Popen[str] | None = None

    def __enter__(self) -> ServerProcess:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "service"],
            cwd=ROOT,
            env=self.env,
            stdout=self._output,
            stderr=subprocess.STDOUT,
            text=True,
        )
        wait_ready(self.proc, self.base_url, self._output)
        return self

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
