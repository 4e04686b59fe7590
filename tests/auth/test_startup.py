"""What start-up says and refuses: the development key, authentication turned off, a bad clients file."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from tests.support.auth import serve
from tests.support.bodies import STAGES_DIFFER
from tests.support.server import start_refused

COMPARISON = STAGES_DIFFER


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
    result = start_refused({"CLIENTS_FILE": str(path)}, base_env={"PATH": "/usr/bin:/bin"})
    assert result.returncode == 2
    assert str(path) in result.stderr and "api_keys[0]" in result.stderr
    assert "NOT_A_HASH" not in result.stderr
