"""`python -m service.healthcheck`, the image's HEALTHCHECK: 0 when /healthz answers, 1 when not."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.support.paths import ROOT
from tests.support.server import free_port


def healthcheck(port: str) -> int:
    env = {**os.environ, "PORT": port}
    return subprocess.run(
        [sys.executable, "-m", "service.healthcheck"], cwd=ROOT, env=env, timeout=30
    ).returncode


def test_healthy_when_the_server_answers(base_url: str) -> None:
    assert healthcheck(base_url.rsplit(":", 1)[1]) == 0


def test_unhealthy_when_nothing_listens() -> None:
    assert healthcheck(str(free_port())) == 1
