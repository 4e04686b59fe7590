"""CDS Hooks `patient-view` on a live server: prefetch, the fetch path against a FHIR server on
loopback, cards in the reader's voice, feedback with HL7's override reasons, and the same ranked
steps as the REST API for the same opinions."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import yaml

from service.integrations.fhir.prefetch import TEMPLATES
from service.integrations.patient_view import NON_ADHERENCE, SERVICE_ID
from tests.api.routes.test_cds_hooks import same_shape, spec
from tests.api.routes.test_recommendations_fhir import FHIR, SAME_AS_JSON, ranked
from tests.integrations.fhir import bundles as b
from tests.integrations.fhir.local_fhir_server import FhirStore, serving
from tests.support.paths import RULES
from tests.support.server import AUTH, ServerProcess

CALL = f"/cds-services/{SERVICE_ID}"
TOKEN = "test-access-token"
ABOUT = "https://nextsteps.example/about"
PATIENT_ID = "cancer-patient-jenny-m"
STAGE_CODES = {("http://loinc.org", c) for c in ("21908-9", "21902-2", "21914-7")} | {
    ("http://snomed.info/sct", c) for c in ("399537006", "399588009")
}
KEYS = {
    "conditions": "Condition",
    "procedures": "Procedure",
    "medicationRequests": "MedicationRequest",
    "carePlans": "CarePlan",
    "serviceRequests": "ServiceRequest",
}


def chart() -> list[dict[str, Any]]:
    return [entry["resource"] for entry in b.second_opinion()["entry"]]


def searchset(resources: list[dict[str, Any]]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": r} for r in resources]}


def full_prefetch() -> dict[str, Any]:
    resources = chart()
    by_type = {
        key: searchset([r for r in resources if r["resourceType"] == kind]) for key, kind in KEYS.items()
    }
    stages = [
        r
        for r in resources
        if r["resourceType"] == "Observation"
        and any((c["system"], c["code"]) in STAGE_CODES for c in r["code"]["coding"])
    ]
    patient = next(r for r in resources if r["resourceType"] == "Patient")
    return {"patient": patient, "stages": searchset(stages), **by_type}


def hook(
    user: str = "Practitioner/example", prefetch: dict[str, Any] | None = None, **extra: Any
) -> dict[str, Any]:
    call: dict[str, Any] = {
        "hook": "patient-view",
        "hookInstance": str(uuid.uuid4()),
        "context": {"userId": user, "patientId": PATIENT_ID},
        **extra,
    }
    if prefetch is not None:
        call["prefetch"] = prefetch
    return call


@pytest.fixture(scope="module")
def fhir_server() -> Iterator[tuple[str, FhirStore]]:
    with serving(chart(), TOKEN) as served:
        yield served


@pytest.fixture(scope="module")
def pv(fhir_server: tuple[str, FhirStore]) -> Iterator[httpx.Client]:
    base, _ = fhir_server
    env = {"CDS_FHIR_SERVERS": json.dumps([base]), "CDS_SOURCE_URL": ABOUT}
    with (
        ServerProcess(env=env) as server,
        httpx.Client(base_url=server.base_url, timeout=30, headers=AUTH) as c,
    ):
        yield c


def with_server(base: str, prefetch: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    authorization = {
        "access_token": TOKEN,
        "token_type": "Bearer",
        "expires_in": 300,
        "scope": "patient/Condition.read patient/Observation.read patient/Procedure.read",
        "subject": "nextsteps",
    }
    return hook(prefetch=prefetch, fhirServer=base, fhirAuthorization=authorization, **extra)


def test_discovery_declares_patient_view_with_prefetch_templates(pv: httpx.Client) -> None:
    services = {s["id"]: s for s in pv.get("/cds-services").json()["services"]}
    service = services[SERVICE_ID]
    example = spec("discovery-response.json")["services"][0]
    same_shape({"services": [service]}, {"services": [{**example, "prefetch": {}}]})
    assert service["hook"] == "patient-view"
    assert service["prefetch"] == TEMPLATES
    assert all("{{context.patientId}}" in t and "_include" not in t for t in service["prefetch"].values())
    assert "prefetch" not in services["nextsteps-opinion-compare"]


def test_the_fetch_path_reads_what_is_missing_with_the_token(
    pv: httpx.Client, fhir_server: tuple[str, FhirStore]
) -> None:
    base, store = fhir_server
    store.requests.clear()
    response = pv.post(CALL, json=with_server(base))
    assert response.status_code == 200, response.text
    cards = response.json()["cards"]
    assert cards
    assert {a for a in store.authorizations} == {f"Bearer {TOKEN}"}
    asked = [r.split("?")[0] for r in store.requests]
    assert {f"/fhir/{t.split('?')[0].split('/')[0]}" for t in TEMPLATES.values()} <= {
        a if a.count("/") == 2 else a.rsplit("/", 1)[0] for a in asked
    }
    assert any(r.startswith("/fhir/PractitionerRole?practitioner=") for r in store.requests)
    assert any("_page=1" in r for r in store.requests)  # the MedicationRequests come in two pages


def test_same_ranked_steps_through_rest_json_rest_fhir_and_patient_view(
    pv: httpx.Client, fhir_server: tuple[str, FhirStore]
) -> None:
    base, _ = fhir_server
    rest_json = ranked(pv.post("/v1/recommendations", json=SAME_AS_JSON).json())
    rest_fhir = ranked(
        pv.post("/v1/recommendations", content=json.dumps(b.second_opinion()), headers=FHIR).json()
    )
    voice = yaml.safe_load((RULES / "cds" / "clinician-voice.yaml").read_text())["en"]
    cards = pv.post(CALL, json=with_server(base, prefetch=full_prefetch())).json()["cards"]
    from_cards = [next(code for code, text in voice.items() if text == c["summary"]) for c in cards]
    assert rest_json == rest_fhir == from_cards


def test_cards_speak_to_the_clinician_or_to_the_patient(
    pv: httpx.Client, fhir_server: tuple[str, FhirStore]
) -> None:
    base, _ = fhir_server
    titles = [s["title"] for s in pv.post("/v1/recommendations", json=SAME_AS_JSON).json()["next_steps"]]
    voice = yaml.safe_load((RULES / "cds" / "clinician-voice.yaml").read_text())["en"]
    for user in ("Patient/cancer-patient-jenny-m", "RelatedPerson/daughter"):
        cards = pv.post(CALL, json=with_server(base, user=user)).json()["cards"]
        assert [c["summary"] for c in cards] == titles
    clinician = pv.post(CALL, json=with_server(base, user="Practitioner/example")).json()["cards"]
    assert all(c["summary"] in voice.values() for c in clinician)
    assert all(c["detail"].startswith("**What the patient reads:**") for c in clinician)


def test_cards_have_the_spec_shape_our_source_page_and_hl7_override_reasons(
    pv: httpx.Client, fhir_server: tuple[str, FhirStore]
) -> None:
    base, _ = fhir_server
    cards = pv.post(CALL, json=with_server(base)).json()["cards"]
    example = spec("card-response.json")["cards"][0]
    del example["source"]["icon"]
    example["links"] = [link for link in example["links"] if link["type"] == "absolute"]
    for card in cards:
        same_shape(card, example)
        assert len(card["summary"]) < 140
        assert card["source"] == {"label": "nextsteps", "url": ABOUT}
        assert card["links"] and all(link["url"].startswith("https://") for link in card["links"])
        assert {r["system"] for r in card["overrideReasons"]} == {NON_ADHERENCE}
        assert all(r["display"] for r in card["overrideReasons"])
        assert "not medical advice" in card["detail"]


def test_feedback_with_an_hl7_reason_is_kept_and_reported(
    pv: httpx.Client, fhir_server: tuple[str, FhirStore]
) -> None:
    base, _ = fhir_server
    card = pv.post(CALL, json=with_server(base)).json()["cards"][0]
    reason = next(r for r in card["overrideReasons"] if r["code"] == "does-not-align-preferences")
    feedback = {
        "feedback": [
            {
                "card": card["uuid"],
                "outcome": "overridden",
                "overrideReason": {"reason": reason, "userComment": "private words"},
                "outcomeTimestamp": "2026-11-27T10:00:00Z",
            }
        ]
    }
    same_shape(feedback, spec("feedback-overridden-with-reason.json"))
    assert pv.post(f"{CALL}/feedback", json=feedback).status_code == 200
    report = pv.get("/v1/decisions/report").json()
    assert sum(s["feedback"]["not_helpful"] for s in report["steps"]) >= 1
    metrics = pv.get("/metrics").text
    assert f'service="{SERVICE_ID}"' in metrics and 'reason="does-not-align-preferences"' in metrics
    assert "private words" not in metrics


def test_prefetch_without_a_server_is_answered_though_no_specialty_is_known(
    pv: httpx.Client, fhir_server: tuple[str, FhirStore]
) -> None:
    """Without a server to read PractitionerRoles from, no clinician's specialty is known. No rule uses
    one, so the cards are those of the full chart (they were none while a specialty was required)."""
    base, _ = fhir_server
    response = pv.post(CALL, json=hook(prefetch=full_prefetch()))
    assert response.status_code == 200
    cards = response.json()["cards"]
    full = pv.post(CALL, json=with_server(base, prefetch=full_prefetch())).json()["cards"]
    assert cards and [c["summary"] for c in cards] == [c["summary"] for c in full]


def test_neither_prefetch_nor_server_is_412(pv: httpx.Client) -> None:
    response = pv.post(CALL, json=hook())
    assert response.status_code == 412
    assert response.headers["content-type"] == "application/problem+json"


def test_a_server_that_refuses_the_token_is_412(pv: httpx.Client, fhir_server: tuple[str, FhirStore]) -> None:
    base, _ = fhir_server
    call = with_server(base)
    call["fhirAuthorization"]["access_token"] = "wrong"
    assert pv.post(CALL, json=call).status_code == 412


def test_a_server_not_in_the_settings_is_not_called(pv: httpx.Client) -> None:
    assert pv.post(CALL, json=with_server("http://169.254.169.254/fhir")).status_code == 412


def test_bad_fhir_in_the_prefetch_names_the_element(pv: httpx.Client) -> None:
    prefetch = full_prefetch()
    prefetch["conditions"]["entry"][0]["resource"]["onsetDateTime"] = "TOPSECRET"
    response = pv.post(CALL, json=hook(prefetch=prefetch))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"].startswith(
        "prefetch.conditions.entry[0].resource(Condition)."
    )
    assert "TOPSECRET" not in response.text


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"hook": "patient-edit"}, "hook"),
        ({"context": {"userId": "Device/x", "patientId": PATIENT_ID}}, "context.userId"),
        ({"context": {"patientId": PATIENT_ID}}, "context.userId"),
    ],
)
def test_an_invalid_call_is_400(pv: httpx.Client, change: dict[str, Any], field: str) -> None:
    response = pv.post(CALL, json={**hook(), **change})
    assert response.status_code == 400
    assert field in [e["field"] for e in response.json()["errors"]]


def test_the_spec_request_example_without_our_prefetch_is_412(pv: httpx.Client) -> None:
    example = spec("service-request.patient-view.json")  # its fhirServer is not one we may call
    response = pv.post(CALL, json=example)
    assert response.status_code == 412
