"""What start-up says and refuses: the development key, authentication turned off, a bad clients file."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import httpx

from tests.auth.helpers import serve
from tests.conftest import ROOT, opinion

COMPARISON = {"opinions": [opinion(), opinion(stage="III")]}


def test_dev_mode_prints_a_fresh_key_that_works() -> None:
    with serve("--dev") as server:
        banner = re.search(r"development key \(made for this run\).*?\n\s+(nsk_dev_\S+)", server.log(), re.S)
        assert banner, server.log()
        key = banner.group(1)
        assert (
            httpx.get(f"{server.base}/v1/rules", headers={"Authorization": f"Bearer {key}"}).status_code
            == 200
        )
        assert httpx.get(f"{server.base}/v1/rules").status_code == 401
        assert "DEV_API_KEY is set" in server.log()


def test_dev_mode_uses_the_key_from_the_environment() -> None:
    key = "nsk_dev_script_key_0123456789"
    with serve("--dev", DEV_API_KEY=key) as server:
        assert "(from DEV_API_KEY)" in server.log()
        headers = {"Authorization": f"Bearer {key}"}
        assert (
            httpx.post(f"{server.base}/v1/recommendations", json=COMPARISON, headers=headers).status_code
            == 200
        )


def test_without_dev_mode_there_is_no_key_and_a_warning() -> None:
    with serve() as server:
        assert "No client is registered" in server.log()
        assert httpx.get(f"{server.base}/v1/rules").status_code == 401


def test_authentication_off_is_explicit_and_warned_about() -> None:
    with serve(AUTH_ENABLED="false") as server:
        assert "AUTHENTICATION IS OFF" in server.log()
        assert httpx.post(f"{server.base}/v1/recommendations", json=COMPARISON).status_code == 200


def test_a_bad_clients_file_stops_start_up(tmp_path: Path) -> None:
    path = tmp_path / "clients.yaml"
    path.write_text("clients:\n  - id: a\n    scopes: [recommend]\n    api_keys: [nsk_NOT_A_HASH]\n")
    result = subprocess.run(
        [sys.executable, "-m", "service"],
        cwd=ROOT,
        env={"CLIENTS_FILE": str(path), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert str(path) in result.stderr and "api_keys[0]" in result.stderr
    assert "NOT_A_HASH" not in result.stderr
