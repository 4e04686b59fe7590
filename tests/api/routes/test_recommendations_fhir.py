"""POST /v1/recommendations with a FHIR R4 Bundle, over a real server, as a portal would send it."""

from __future__ import annotations

import json
from typing import Any

import httpx

from service.openapi.document import EXAMPLES
from tests.integrations.fhir import bundles as b
from tests.support.bodies import opinion
from tests.support.paths import ROOT

FHIR = {"Content-Type": "application/fhir+json"}


def post_fhir(client: httpx.Client, data: Any, **headers: str) -> httpx.Response:
    return client.post("/v1/recommendations", content=json.dumps(data), headers={**FHIR, **headers})


def ranked(body: dict[str, Any]) -> list[str]:
    return [s["code"] for s in body["next_steps"]]


# The second-opinion bundle, written as our JSON by hand: sub-stages and sequences as FHIR gives them.
SAME_AS_JSON = {
    "opinions": [
        {
            "clinician": {"specialty": "medical_oncology"},
            "diagnosis": {"cancer_type": "breast", "stage": "IIB"},
            "treatment": {
                "modalities": ["surgery", "chemotherapy", "hormone_therapy"],
                "sequence": ["surgery", "chemotherapy", "hormone_therapy"],
                "intent": "curative",
            },
        },
        {
            "clinician": {"specialty": "surgical_oncology"},
            "diagnosis": {"cancer_type": "breast", "stage": "IIIC"},
            "treatment": {"modalities": ["chemotherapy", "surgery"], "sequence": ["chemotherapy", "surgery"]},
        },
    ]
}


def test_a_bundle_gets_the_same_ranked_steps_as_the_same_opinions_in_json(client: httpx.Client) -> None:
    response = post_fhir(client, b.second_opinion())
    assert response.status_code == 200, response.text
    from_fhir = response.json()
    from_json = client.post("/v1/recommendations", json=SAME_AS_JSON).json()
    sent = [o["opinion"] for o in from_fhir["fhir"]["opinions"] if o["status"] == "compared"]
    assert sent == SAME_AS_JSON["opinions"]  # equivalent data: what the bundle says, nothing more
    assert ranked(from_fhir) == ranked(from_json)
    assert from_fhir["discordances"] == from_json["discordances"]
    assert from_fhir["unknowns"] == from_json["unknowns"]
    assert from_fhir["decision_id"] != from_json["decision_id"]
    assert "fhir" not in from_json


def diagnosis_only_reads() -> dict[str, Any]:
    """A pathologist reads colon cancer, pathologic stage IIB; a radiologist reads rectal cancer,
    clinical stage "AJCC stage 3a"; neither proposes a treatment."""
    pathologist, radiologist = "Practitioner/path", "Practitioner/rad"
    nucc = "http://nucc.org/provider-taxonomy"
    return b.bundle(
        {"resourceType": "Patient", "id": b.PATIENT.split("/")[1]},
        b.practitioner("path"),
        b.role("path-role", pathologist, nucc, "207ZP0102X"),
        b.condition("path-dx", pathologist, b.ICD, "C18.7"),
        b.stage_observation("path-stage", pathologist, {"text": "Stage IIB"}, kind="21902-2"),
        b.practitioner("rad"),
        b.role("rad-role", radiologist, nucc, "2085R0202X"),
        b.condition("rad-dx", radiologist, b.ICD, "C20"),
        b.stage_observation("rad-stage", radiologist, {"text": "AJCC stage 3a"}),
    )


READS_AS_JSON = {
    "opinions": [
        {"clinician": {"specialty": "pathology"}, "diagnosis": {"cancer_type": "colon", "stage": "IIB"}},
        {"clinician": {"specialty": "radiology"}, "diagnosis": {"cancer_type": "rectal", "stage": "IIIA"}},
    ]
}


def test_diagnosis_only_reads_with_subtypes_and_sub_stages_rank_as_their_json(client: httpx.Client) -> None:
    response = post_fhir(client, diagnosis_only_reads())
    assert response.status_code == 200, response.text
    from_fhir = response.json()
    sent = [o["opinion"] for o in from_fhir["fhir"]["opinions"]]
    assert sent == READS_AS_JSON["opinions"]  # no treatment, no guessed focus, reasoning or case facts
    from_json = client.post("/v1/recommendations", json=READS_AS_JSON).json()
    assert ranked(from_fhir) == ranked(from_json)
    assert from_fhir["discordances"] == from_json["discordances"]
    assert from_fhir["unknowns"] == from_json["unknowns"]


def test_the_answer_shows_the_derived_opinions_and_what_was_used_or_ignored(client: httpx.Client) -> None:
    body = post_fhir(client, b.second_opinion()).json()["fhir"]
    opinions = {o["clinician"]: o for o in body["opinions"]}
    assert [o["clinician"] for o in body["opinions"]] == [b.OWEN, b.RIVERA, b.KYLE]
    assert opinions[b.OWEN]["status"] == "compared"
    assert opinions[b.OWEN]["opinion"]["treatment"]["modalities"] == [
        "surgery",
        "chemotherapy",
        "hormone_therapy",
    ]
    assert opinions[b.KYLE] | {"resources": None} == {
        "clinician": b.KYLE,
        "status": "incomplete",
        "missing": ["diagnosis.cancer_type"],
        "resources": None,
    }
    ignored = {i["resource"]: i["reason"] for i in body["ignored"]}
    assert ignored["Procedure/us-core-procedure-biopsy-jenny-m"] == "not_a_treatment"
    used = {u["resource"]: u["used_as"] for u in body["used"]}
    assert used["PractitionerRole/rivera-role"] == "specialty"
    assert used["CarePlan/rivera-plan"] == "treatment"


def test_the_fhir_answer_is_recorded_without_the_fhir(client: httpx.Client) -> None:
    answer = post_fhir(client, b.second_opinion()).json()
    kept = client.get(f"/v1/recommendations/{answer['decision_id']}")
    assert kept.status_code == 200, kept.text
    assert ranked(kept.json()) == ranked(answer)
    assert "fhir" not in kept.text and "jenny" not in kept.text


def test_a_retry_with_the_same_key_replays_the_answer_and_its_report(client: httpx.Client) -> None:
    first = post_fhir(client, b.second_opinion(), **{"Idempotency-Key": "fhir-retry-1"})
    again = post_fhir(client, b.second_opinion(), **{"Idempotency-Key": "fhir-retry-1"})
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()


def test_the_openapi_example_bundle_is_answered(client: httpx.Client) -> None:
    example = json.loads(EXAMPLES.read_text())["operations"]["recommendations-create"]["request_fhir"]
    response = post_fhir(client, example)
    assert response.status_code == 200, response.text
    assert [o["status"] for o in response.json()["fhir"]["opinions"]] == ["compared", "compared"]


def test_bad_fhir_is_a_problem_naming_the_element_never_the_value(client: httpx.Client) -> None:
    bad = b.with_resources(
        b.jenny(), {**b.condition("x", b.OWEN, b.ICD, "C50"), "onsetDateTime": "TOPSECRET"}
    )
    response = post_fhir(client, bad)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"].endswith("/invalid-fhir")
    index = len(bad["entry"]) - 1
    assert problem["errors"][0]["field"] == f"entry[{index}].resource(Condition).onsetDateTime"
    assert "TOPSECRET" not in response.text


def test_too_few_opinions_says_which_parts_are_missing(client: httpx.Client) -> None:
    response = post_fhir(client, b.jenny())
    assert response.status_code == 422
    problem = response.json()
    assert problem["type"].endswith("/fhir-too-few-opinions")
    assert {"field": "opinions[1]", "reason": "lacks diagnosis.cancer_type"} in problem["errors"]
    assert "jenny" not in response.text and "owen" not in response.text


def test_a_bundle_may_be_larger_than_a_json_body_but_has_at_most_2000_entries(client: httpx.Client) -> None:
    padding = [b.practitioner(f"pad-{i}-" + "x" * 40) for i in range(1500)]  # about 100 kB
    big = b.with_resources(b.second_opinion(), *padding)
    assert len(json.dumps(big)) > 64 * 1024
    assert post_fhir(client, big).status_code == 200
    too_many = b.with_resources(big, *[b.practitioner(f"more-{i}") for i in range(600)])
    response = post_fhir(client, too_many)
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "entry", "reason": "at most 2000 entries"}]
    as_json = client.post(
        "/v1/recommendations", content=json.dumps(big), headers={"Content-Type": "application/json"}
    )
    assert as_json.status_code == 413


def test_json_bodies_keep_their_errors(client: httpx.Client) -> None:
    response = client.post("/v1/recommendations", json={"opinions": [opinion()]})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "opinions"
    malformed = client.post("/v1/recommendations", content=b"{", headers={"Content-Type": "application/json"})
    assert malformed.status_code == 400


def test_the_readme_portal_example_is_answered(client: httpx.Client) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### FHIR R4 from a portal") :]
    start = section.index("-d '") + len("-d '")
    body = section[start : section.index("}'\n", start) + 1]
    response = client.post("/v1/recommendations", content=body, headers=FHIR)
    assert response.status_code == 200, response.text
    assert [o["status"] for o in response.json()["fhir"]["opinions"]] == ["compared", "compared"]
