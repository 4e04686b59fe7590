"""The README's request bodies answer 200: those it shows now, and those it showed before issue 11."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest

from tests.support.paths import ROOT

# The request bodies of the README before the contract learnt unknowns (commit c3b2f6d), frozen here:
# a portal written against them must keep getting answers.
PREVIOUS: dict[str, dict[str, Any]] = {
    "ask for next steps": {
        "opinions": [
            {
                "clinician": {"specialty": "surgical_oncology"},
                "diagnosis": {"cancer_type": "breast", "stage": "II"},
                "treatment": {"modalities": ["surgery"], "intent": "curative"},
            },
            {
                "clinician": {"specialty": "medical_oncology", "tumor_focus": "breast"},
                "diagnosis": {"cancer_type": "breast", "stage": "II"},
                "treatment": {"modalities": ["chemotherapy", "surgery"], "intent": "curative"},
                "explained_reasoning": True,
            },
        ],
        "time_sensitive": False,
        "completed_steps": [],
    },
    "curl in Spanish": {
        "opinions": [
            {
                "clinician": {"specialty": "surgical_oncology"},
                "diagnosis": {"cancer_type": "prostate", "stage": "II"},
                "treatment": {"modalities": ["surgery"], "intent": "curative"},
            },
            {
                "clinician": {"specialty": "radiation_oncology"},
                "diagnosis": {"cancer_type": "prostate", "stage": "II"},
                "treatment": {"modalities": ["active_surveillance"], "intent": "curative"},
            },
        ]
    },
    "typescript": {
        "opinions": [
            {
                "clinician": {"specialty": "surgical_oncology"},
                "diagnosis": {"cancer_type": "breast", "stage": "II"},
                "treatment": {"modalities": ["surgery"]},
            },
            {
                "clinician": {"specialty": "medical_oncology", "tumor_focus": "breast"},
                "diagnosis": {"cancer_type": "breast", "stage": "III"},
                "treatment": {"modalities": ["chemotherapy", "surgery"]},
            },
        ],
        "time_sensitive": False,
    },
    "cds hooks context": {
        "opinions": [
            {
                "clinician": {"specialty": "hematology_oncology"},
                "diagnosis": {"cancer_type": "lymphoma", "stage": "III"},
                "treatment": {"modalities": ["chemotherapy"]},
            },
            {
                "clinician": {"specialty": "medical_oncology"},
                "diagnosis": {"cancer_type": "leukemia"},
                "treatment": {"modalities": ["stem_cell_transplant"]},
            },
        ],
        "time_sensitive": True,
        "lang": "en",
    },
}


def readme_bodies() -> list[dict[str, Any]]:
    """Every `-d '{...}'` body for POST /v1/recommendations in today's README, parsed."""
    text = (ROOT / "README.md").read_text()
    found = []
    for url, body in re.findall(r"curl -s (\S+)[^\n]*\n(?:[^\n]*\n)*?[^\n]*-d '(\{.*?\})'", text, re.S):
        if url.endswith("/v1/recommendations"):
            found.append(json.loads(body))
    return found


@pytest.mark.parametrize("name", sorted(PREVIOUS))
def test_every_request_of_the_previous_readme_still_answers(client: httpx.Client, name: str) -> None:
    response = client.post("/v1/recommendations", json=PREVIOUS[name])
    assert response.status_code == 200, response.text
    assert response.json()["next_steps"]


def test_every_request_the_readme_shows_answers(client: httpx.Client) -> None:
    bodies = readme_bodies()
    assert len(bodies) >= 3
    for body in bodies:
        response = client.post("/v1/recommendations", json=body)
        assert response.status_code == 200, response.text
