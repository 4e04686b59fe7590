"""Settings: defaults, parsing from the environment, and bad values that stop start-up cleanly."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.config import Settings
from tests.support.server import start_refused


def test_defaults_serve_one_supervised_worker_on_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HOST", "PORT", "WORKERS", "LOG_LEVEL", "CORS_ORIGINS", "SHUTDOWN_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings()
    assert (settings.host, settings.port, settings.workers) == ("127.0.0.1", 8000, 1)
    assert settings.cors_origins == []
    assert settings.shutdown_timeout == 20
    assert settings.log_level == "info"


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKERS", "4")
    monkeypatch.setenv("SHUTDOWN_TIMEOUT", "7")
    monkeypatch.setenv("CORS_ORIGINS", '["https://portal.example", "https://ehr.example"]')
    settings = Settings()
    assert settings.workers == 4
    assert settings.shutdown_timeout == 7
    assert settings.cors_origins == ["https://portal.example", "https://ehr.example"]


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"WORKERS": "0"}, "WORKERS"),
        ({"WORKERS": "many"}, "WORKERS"),
        ({"PORT": "70000"}, "PORT"),
        ({"LOG_LEVEL": "loud"}, "LOG_LEVEL"),
        ({"SHUTDOWN_TIMEOUT": "0"}, "SHUTDOWN_TIMEOUT"),
        ({"MAX_BODY_BYTES": "12"}, "MAX_BODY_BYTES"),
        ({"CORS_ORIGINS": "not a list"}, "CORS_ORIGINS"),
    ],
)
def test_a_bad_setting_stops_start_up_with_a_clear_message(env: dict[str, str], named: str) -> None:
    result = start_refused(env)
    assert result.returncode == 2
    assert result.stderr.startswith(f"nextsteps: invalid settings: {named}: ")
    assert "Traceback" not in result.stderr + result.stdout
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_metrics_directory_that_cannot_be_made_stops_start_up(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("")
    result = start_refused({"PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "a-file" / "metrics")})
    assert result.returncode == 2
    assert result.stderr.startswith("nextsteps: invalid settings: PROMETHEUS_MULTIPROC_DIR: ")
    assert "Traceback" not in result.stderr
