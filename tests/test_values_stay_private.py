"""Request values reach the answer for the caller who sent them, and nowhere else: no log line, no metric,
no error message (a real server, logging at debug)."""

from __future__ import annotations

import httpx

from tests.support.server import AUTH, ServerProcess


def opinion(stage: str, *modalities: str) -> dict[str, object]:
    return {
        "clinician": {"specialty": "hematology_oncology"},
        "diagnosis": {"cancer_type": "cml", "stage": stage},
        "treatment": {"modalities": list(modalities), "sequence": list(modalities)},
    }


def test_the_values_in_a_reason_are_only_in_the_answer() -> None:
    body = {
        "opinions": [
            opinion("IIIC1", "targeted_therapy", "stem_cell_transplant"),
            opinion("IIIC2", "stem_cell_transplant", "targeted_therapy"),
        ]
    }
    bad = {"opinions": [opinion("IIIC9"), opinion("IIIC1")]}
    with ServerProcess(LOG_LEVEL="debug") as server:
        with httpx.Client(base_url=server.base_url, timeout=30, headers=AUTH) as client:
            answer = client.post("/v1/recommendations", json=body)
            refused = client.post("/v1/recommendations", json=bad)
            metrics = client.get("/metrics").text
        output = server.output()
    said = " ".join(r["text"] for s in answer.json()["next_steps"] for r in s["reasons"])
    assert "IIIC1" in said and "IIIC2" in said and "stem cell transplant first" in said
    assert refused.status_code == 422 and "IIIC9" not in refused.text
    assert "/v1/recommendations" in output  # the requests were logged
    for value in ("IIIC1", "IIIC2", "IIIC9", "stem cell transplant", "targeted therapy"):
        assert value not in output
        assert value not in metrics
