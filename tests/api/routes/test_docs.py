"""Swagger UI and ReDoc render from assets we ship: checked in headless Debian chromium."""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.support.paths import ROOT

SCRIPT = ROOT / "clients" / "ts" / "browser" / "docs-check.mjs"


@pytest.fixture(scope="module")
def browsed(base_url: str) -> dict[str, Any]:
    chromium = shutil.which("chromium")
    assert chromium, "run `make test` (it installs Debian's chromium)"
    result = subprocess.run(
        ["node", str(SCRIPT), base_url, chromium],
        cwd=SCRIPT.parent.parent,
        capture_output=True,
        text=True,
        check=False,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def operation_summaries(client: httpx.Client) -> dict[str, str]:
    doc = client.get("/openapi.json").json()
    return {op["operationId"]: op["summary"] for item in doc["paths"].values() for op in item.values()}


def test_swagger_ui_renders_every_operation(browsed: dict[str, Any], client: httpx.Client) -> None:
    swagger = browsed["pages"]["swagger"]
    assert swagger["title"] == "nextsteps API"
    assert sorted(op["summary"] for op in swagger["operations"]) == sorted(
        operation_summaries(client).values()
    )
    assert {"method": "POST", "path": "/v1/recommendations"}.items() <= swagger["operations"][0].items()


def test_redoc_renders_every_operation(browsed: dict[str, Any], client: httpx.Client) -> None:
    redoc = browsed["pages"]["redoc"]
    summaries = operation_summaries(client)
    assert {op["id"].removeprefix("operation/"): op["heading"] for op in redoc["operations"]} == summaries


def test_the_docs_pages_ask_no_host_but_ours(browsed: dict[str, Any], base_url: str) -> None:
    ours = urlsplit(base_url).netloc
    requests = browsed["requests"]
    assert f"{base_url}/docs/assets/swagger-ui-bundle.js" in requests
    assert f"{base_url}/docs/assets/redoc.standalone.js" in requests
    foreign = [
        url
        for url in requests
        if urlsplit(url.removeprefix("blob:")).netloc != ours and not url.startswith("data:")
    ]
    assert foreign == []
    assert browsed["consoleErrors"] == []


def test_the_docs_html_names_no_other_host(client: httpx.Client) -> None:
    for page in ("/docs", "/redoc"):
        html = client.get(page).text
        assert "http://" not in html and "https://" not in html, page
