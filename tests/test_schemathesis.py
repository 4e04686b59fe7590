"""schemathesis against the running server, from the committed OpenAPI document.

Every check: no 5xx, responses conform to the document (status codes, content types,
schemas, headers), invalid input refused, undeclared methods answered 405.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.support.paths import ROOT
from tests.support.server import AUTH

AUTH_HEADER = "Authorization: " + AUTH["Authorization"]

MAX_EXAMPLES = "60"
SEED = "20261125"


def test_schemathesis_finds_no_failure(base_url: str) -> None:
    command = [
        str(Path(sys.executable).parent / "schemathesis"),
        "--config-file",
        str(ROOT / "tests" / "schemathesis.toml"),
        "run",
        str(ROOT / "openapi" / "openapi.json"),
        "--url",
        base_url,
        "--checks",
        "all",
        "--max-examples",
        MAX_EXAMPLES,
        "--seed",
        SEED,
        "--no-color",
        "--header",
        AUTH_HEADER,
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert " passed" in result.stdout
