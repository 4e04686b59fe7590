"""bench/results/*.json: what each benchmark writes and bench/report.py reads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from service.config import PROJECT_ROOT

RESULTS = PROJECT_ROOT / "bench" / "results"


def write(name: str, result: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / name
    path.write_text(json.dumps(result, indent=2) + "\n")
    return path


def load(name: str) -> dict[str, Any] | None:
    path = RESULTS / name
    return json.loads(path.read_text()) if path.exists() else None
