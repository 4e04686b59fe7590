"""Shared fixtures: a real uvicorn server on loopback, started as `python -m service` would be."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import httpx
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
# The development key every test server accepts (client `dev`, every scope), so the tests go through auth.
DEV_KEY = "nsk_dev_test_" + "k" * 24
AUTH = {"Authorization": f"Bearer {DEV_KEY}"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def service_process(environ: dict[str, str], *args: str) -> Iterator[tuple[str, IO[str]]]:
    """`python -m service ARGS` with this environment on a free loopback port, and a fresh decision store
    unless DATA_DIR is given; yields its base URL and its output (stdout and stderr); stops it."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile("w+") as output, tempfile.TemporaryDirectory() as data_dir:
        # The URL clients use is this server's own, as a proxy in front of it would be told.
        env = {
            "DATA_DIR": data_dir,
            "PUBLIC_BASE_URL": base,
            **environ,
            "HOST": "127.0.0.1",
            "PORT": str(port),
        }
        proc = subprocess.Popen(
            [sys.executable, "-m", "service", *args],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            wait_ready(proc, base, output)
            yield base, output
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@contextmanager
def running_server(**env: str) -> Iterator[str]:
    """Start `python -m service` with the development key on a free loopback port; yield its base URL."""
    with service_process({**os.environ, "LOG_LEVEL": "warning", "DEV_API_KEY": DEV_KEY, **env}) as (base, _):
        yield base


def wait_ready(proc: subprocess.Popen[str], base: str, output: IO[str], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            output.seek(0)
            raise RuntimeError(f"server exited with {proc.returncode}: {output.read()}")
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"server did not become ready in {timeout} s")
        time.sleep(0.1)


@pytest.fixture(scope="session")
def base_url() -> Iterator[str]:
    with running_server() as base:
        yield base


@pytest.fixture(scope="session")
def client(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=10, headers=AUTH) as c:
        yield c


def load_scenarios() -> list[dict[str, Any]]:
    scenarios: list[dict[str, Any]] = []
    for path in sorted((RULES / "scenarios").glob("*.yaml")):
        for entry in yaml.safe_load(path.read_text()):
            scenarios.append({**entry, "file": path.name})
    return scenarios


def opinion(
    cancer_type: str = "breast",
    stage: str | None = "II",
    modalities: tuple[str, ...] = ("surgery",),
    tumor_focus: str | None = None,
    explained: bool = False,
    specialty: str = "medical_oncology",
    intent: str | None = None,
) -> dict[str, Any]:
    """One opinion as a client would send it."""
    clinician: dict[str, Any] = {"specialty": specialty}
    if tumor_focus:
        clinician["tumor_focus"] = tumor_focus
    diagnosis: dict[str, Any] = {"cancer_type": cancer_type}
    if stage:
        diagnosis["stage"] = stage
    treatment: dict[str, Any] = {"modalities": list(modalities)}
    if intent:
        treatment["intent"] = intent
    return {
        "clinician": clinician,
        "diagnosis": diagnosis,
        "treatment": treatment,
        "explained_reasoning": explained,
    }


# Decision-store fixtures (SQLite and PostgreSQL), shared by tests/decisions and tests/api.
from tests.storage import decision_log, empty_url, store_client, store_server, store_url  # noqa: E402, F401
