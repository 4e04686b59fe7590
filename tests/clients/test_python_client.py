"""A Python client generated from openapi/openapi.json (openapi-python-client) drives the live server."""

from __future__ import annotations

import enum
import importlib
import inspect
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from tests.support.bodies import opinion
from tests.support.paths import ROOT
from tests.support.server import DEV_KEY

PACKAGE = "nextsteps_client"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Generate the client into a temporary directory and make it importable."""
    out = tmp_path_factory.mktemp("python-client")
    bin_dir = Path(sys.executable).parent
    result = subprocess.run(
        [
            str(bin_dir / "openapi-python-client"),
            "generate",
            "--path",
            str(ROOT / "openapi" / "openapi.json"),
            "--output-path",
            str(out / PACKAGE),
            "--meta",
            "none",
        ],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Warning" not in result.stdout + result.stderr, result.stdout + result.stderr
    sys.path.insert(0, str(out))
    try:
        yield out
    finally:
        sys.path.remove(str(out))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
            del sys.modules[name]


@pytest.fixture
def api_client(generated: Path, base_url: str) -> Iterator[Any]:
    """The generated client's own AuthenticatedClient class with the test key, closed after the test."""
    with module("client").AuthenticatedClient(base_url=base_url, token=DEV_KEY) as api:
        yield api


def module(name: str) -> ModuleType:
    return importlib.import_module(f"{PACKAGE}.{name}")


def comparison() -> dict[str, Any]:
    return {
        "opinions": [
            opinion("breast", "II", ("surgery",), specialty="surgical_oncology"),
            opinion("lymphoma", "III", ("chemotherapy",), tumor_focus="lymphoma", explained=True),
        ],
        "time_sensitive": False,
    }


def test_the_generated_client_gets_the_ranked_answer(api_client: Any, client: httpx.Client) -> None:
    models = module("models")
    create = module("api.recommendations.recommendations_create")
    body = models.RecommendationRequest.from_dict(comparison())
    response = create.sync_detailed(client=api_client, body=body)
    assert response.status_code == 200
    answer = response.parsed
    assert isinstance(answer, models.RecordedRecommendation)
    assert answer.decision_id  # every answer is a recorded decision
    # The same answer as a plain HTTP call, parsed into typed models in rank order.
    expected = client.post("/v1/recommendations", json=comparison()).json()
    assert [step.code for step in answer.next_steps] == [s["code"] for s in expected["next_steps"]]
    assert all(isinstance(step.code, models.StepCode) for step in answer.next_steps)
    assert [step.rank for step in answer.next_steps] == list(range(1, len(answer.next_steps) + 1))
    assert "pathology_review" in [step.code for step in answer.next_steps]  # different cancers named
    assert answer.consensus.value == "disagree"
    assert [d.value for d in answer.discordances] == ["diagnosis", "stage", "treatment"]
    assert all(isinstance(r, models.Resource) for s in answer.next_steps for r in s.resources)
    assert answer.unknowns == []


def test_the_generated_client_sends_what_a_portal_knows_and_reads_uncertain(api_client: Any) -> None:
    """A diagnosis-only read, a sub-stage, a sequence, case facts; a missing stage: uncertain."""
    models = module("models")
    create = module("api.recommendations.recommendations_create")
    body = {
        "opinions": [
            {
                "clinician": {"specialty": "surgical_oncology", "tumor_focus": "none"},
                "diagnosis": {"cancer_type": "colon", "stage": "iiia"},
                "treatment": {
                    "modalities": ["surgery", "chemotherapy"],
                    "sequence": ["surgery", "chemotherapy"],
                },
            },
            {"clinician": {"specialty": "pathology"}, "diagnosis": {"cancer_type": "colon"}},
        ],
        "records_shared": False,
        "coverage": "medicare",
    }
    response = create.sync_detailed(client=api_client, body=models.RecommendationRequest.from_dict(body))
    assert response.status_code == 200, response.content
    answer = response.parsed
    assert answer.consensus.value == "uncertain"
    assert [u.value for u in answer.unknowns] == ["stage"]
    assert answer.next_steps[0].code == "confirm_details"


def test_the_generated_client_reads_a_problem(api_client: Any) -> None:
    models = module("models")
    create = module("api.recommendations.recommendations_create")
    one_opinion = {**comparison(), "opinions": comparison()["opinions"][:1]}
    response = create.sync_detailed(
        client=api_client, body=models.RecommendationRequest.from_dict(one_opinion)
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.parsed
    assert isinstance(problem, models.Problem)
    assert problem.status == 422
    assert [(e.field, "at least 2" in e.reason) for e in problem.errors] == [("opinions", True)]


def test_the_generated_client_without_a_key_gets_a_401_problem(generated: Path, base_url: str) -> None:
    models = module("models")
    create = module("api.recommendations.recommendations_create")
    with module("client").Client(base_url=base_url) as anonymous:
        response = create.sync_detailed(
            client=anonymous, body=models.RecommendationRequest.from_dict(comparison())
        )
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert isinstance(response.parsed, models.Problem)
    assert response.parsed.status == 401


def test_the_generated_client_calls_the_cds_service(api_client: Any, client: httpx.Client) -> None:
    models = module("models")
    call = module("api.cds_hooks.cds_services_call")
    request = models.CdsRequest.from_dict(
        {
            "hook": "org.nextsteps.opinion-compare",
            "hookInstance": "2b5e1e1c-6e3e-4b5e-9f0e-0c8f3f1f4a11",
            "context": {**comparison(), "lang": "es"},
        }
    )
    response = call.sync_detailed("nextsteps-opinion-compare", client=api_client, body=request)
    assert response.status_code == 200
    spanish = client.post("/v1/recommendations", json={**comparison(), "lang": "es"}).json()
    assert [card.summary for card in response.parsed.cards] == [s["title"] for s in spanish["next_steps"]]
    unknown = call.sync_detailed("no-such-service", client=api_client, body=request)
    assert unknown.status_code == 404
    assert isinstance(unknown.parsed, models.Problem)


def test_the_generated_types_help(generated: Path) -> None:
    """Enums where the contract has them, readable enum names, documented success types, optional headers."""
    models = module("models")
    step = models.NextStep.from_dict(
        {
            "rank": 1,
            "code": models.StepCode.JOINT_REVIEW.value,
            "title": "t",
            "summary": "s",
            "details": "d",
            "questions_to_ask": [],
            "reasons": [],
            "resources": [],
        }
    )
    assert isinstance(step.code, models.StepCode)  # a step code, not a plain string
    # The stage is an AJCC form in any letter case (IIB, iib): a pattern-checked string, not an enum.
    assert models.Diagnosis.from_dict({"cancer_type": "breast", "stage": "iib"}).stage == "iib"
    enums = [v for v in vars(models).values() if isinstance(v, type) and issubclass(v, enum.Enum)]
    assert models.Modality in enums and models.StepCode in enums
    assert [m.name for e in enums for m in e if m.name.startswith("VALUE_")] == []
    assert "decision_id" in (models.RecordedRecommendation.__doc__ or "")
    assert "RecordedRecommendation" in (models.RecommendationResponse.__doc__ or "")
    create = module("api.recommendations.recommendations_create")
    for header in ("idempotency_key", "accept_language"):
        annotation = str(inspect.signature(create.sync_detailed).parameters[header].annotation)
        assert "None" not in annotation and "Unset" in annotation, annotation  # optional: left out, not null
