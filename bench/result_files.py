"""bench/results/*.json: what each benchmark writes and bench/report.py reads."""

from __future__ import annotations

import json
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from service.config import PROJECT_ROOT

RESULTS = PROJECT_ROOT / "bench" / "results"


def write(name: str, result: dict[str, Any]) -> Path:
    """Write a result with when and on which Python it was measured (docs/benchmarks.md says so)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / name
    when = f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, Python {platform.python_version()}"
    dated = {**result, "measured": when}
    path.write_text(json.dumps(dated, indent=2) + "\n")
    return path


def measured(result: dict[str, Any]) -> str:
    """The line that dates a result in docs/benchmarks.md."""
    return f"Measured {result.get('measured', 'in an earlier run (before results were dated)')}."


def load(name: str) -> dict[str, Any] | None:
    path = RESULTS / name
    return json.loads(path.read_text()) if path.exists() else None
