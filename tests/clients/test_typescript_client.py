"""A TypeScript client generated from openapi/openapi.json (openapi-typescript + openapi-fetch),
type-checked with tsc and run with node against the live server."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest

from service.core.catalog import load_catalog
from tests.support.paths import ROOT, RULES
from tests.support.server import DEV_KEY

TS = ROOT / "clients" / "ts"
BIN = TS / "node_modules" / ".bin"


def run(*command: str, cwd: Path = TS, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, **(env or {})}
    return subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, check=False, timeout=300, env=environ
    )


@pytest.fixture(scope="module")
def compiled() -> Path:
    """Generate the types (not committed), then type-check and compile with tsc."""
    assert (BIN / "tsc").exists(), "run `make test` (it installs clients/ts with npm ci)"
    shutil.rmtree(TS / "generated", ignore_errors=True)
    shutil.rmtree(TS / "dist", ignore_errors=True)
    generate = run(
        str(BIN / "openapi-typescript"),
        "../../openapi/openapi.json",
        "--output",
        "generated/schema.d.ts",
        "--default-non-nullable",
        "false",  # a field with a default is optional in a request body
    )
    assert generate.returncode == 0, generate.stderr
    tsc = run(str(BIN / "tsc"), "-p", ".")
    assert tsc.returncode == 0, tsc.stdout + tsc.stderr
    return TS / "dist" / "src" / "compare.js"


def test_the_typescript_client_gets_the_ranked_answer_and_a_problem(
    compiled: Path, client: httpx.Client
) -> None:
    result = run("node", str(compiled), str(client.base_url), env={"NEXTSTEPS_API_KEY": DEV_KEY})
    assert result.returncode == 0, result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    expected = client.post("/v1/recommendations", json=_same_comparison()).json()
    assert report["steps"] == [
        {"rank": s["rank"], "code": s["code"], "title": s["title"]} for s in expected["next_steps"]
    ]
    assert report["steps"][0]["code"] == "ask_if_safe_to_wait"  # time_sensitive puts it first
    assert report["consensus"] == "disagree"
    assert report["discordances"] == ["stage", "treatment"]
    assert report["unknowns"] == []
    # A pathologist's read that confirms the diagnosis and sub-stage (sent in lower case) is agreement.
    assert report["read"] == {"consensus": "agree", "first": "confirmed_plan"}
    assert report["spanish"]["contentLanguage"] == "es"
    assert report["spanish"]["firstTitle"] == "Pregunte si puede tomarse tiempo para decidir"
    assert report["error"]["status"] == 422
    assert report["error"]["contentType"] == "application/problem+json"
    assert report["error"]["problem"]["errors"][0]["field"] == "opinions"


def test_tsc_refuses_a_request_the_contract_does_not_allow(compiled: Path) -> None:
    """The generated types are real: a misspelt field and an unknown code do not compile."""
    wrong = TS / "generated" / "wrong.ts"
    wrong.write_text(
        'import type { components } from "./schema.js";\n'
        'const opinion: components["schemas"]["Opinion"] = {\n'
        '  clinician: { specialty: "astrology" },\n'
        '  diagnosis: { cancer_type: "breast" },\n'
        '  treatment: { modality: ["surgery"] },\n'
        "};\n"
        "console.log(opinion);\n"
    )
    try:
        result = run(str(BIN / "tsc"), "-p", ".", "--noEmit")
    finally:
        wrong.unlink()
    assert result.returncode != 0
    assert '"astrology"' in result.stdout
    assert "modality" in result.stdout


def _same_comparison() -> dict[str, Any]:
    """The comparison clients/ts/src/compare.ts sends."""
    return {
        "opinions": [
            {
                "clinician": {"specialty": "surgical_oncology"},
                "diagnosis": {"cancer_type": "breast", "stage": "II"},
                "treatment": {"modalities": ["surgery"], "intent": "curative"},
            },
            {
                "clinician": {"specialty": "medical_oncology", "tumor_focus": "breast"},
                "diagnosis": {"cancer_type": "breast", "stage": "III"},
                "treatment": {"modalities": ["chemotherapy", "surgery"], "intent": "curative"},
                "explained_reasoning": True,
            },
        ],
        "time_sensitive": True,
    }


def exhaustive_switch(codes: list[str]) -> str:
    cases = "".join(f'    case "{code}": return {len(code)};\n' for code in codes)
    return (
        'import type { components } from "./schema.js";\n'
        'export function handled(step: components["schemas"]["NextStep"]): number {\n'
        "  switch (step.code) {\n"
        f"{cases}"
        "    default: { const unreachable: never = step.code; return unreachable; }\n"
        "  }\n"
        "}\n"
    )


def test_a_switch_over_the_step_code_is_checked_for_completeness(compiled: Path) -> None:
    """NextStep.code is the StepCode enum: a switch missing a code does not compile."""
    codes = list(load_catalog(RULES).step_codes)
    check = TS / "generated" / "exhaustive.ts"
    try:
        check.write_text(exhaustive_switch(codes))
        complete = run(str(BIN / "tsc"), "-p", ".", "--noEmit")
        check.write_text(exhaustive_switch(codes[1:]))
        missing = run(str(BIN / "tsc"), "-p", ".", "--noEmit")
    finally:
        check.unlink()
    assert complete.returncode == 0, complete.stdout
    assert missing.returncode != 0 and "never" in missing.stdout, missing.stdout


def test_optional_headers_are_optional_strings_not_nullable(compiled: Path) -> None:
    schema = (TS / "generated" / "schema.d.ts").read_text()
    assert '"Idempotency-Key"?: string;' in schema
    assert '"accept-language"?: string;' in schema
    operations = schema.split("export interface operations {")[1]  # parameters inline, bodies by reference
    assert "| null" not in operations  # no header, query or path parameter is nullable
