"""Every request body the README showed before issue 11 still answers 200 (today's README examples are run
as written by tests/test_readme.py)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

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


@pytest.mark.parametrize("name", sorted(PREVIOUS))
def test_every_request_of_the_previous_readme_still_answers(client: httpx.Client, name: str) -> None:
    response = client.post("/v1/recommendations", json=PREVIOUS[name])
    assert response.status_code == 200, response.text
    assert response.json()["next_steps"]
