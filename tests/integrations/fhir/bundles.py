"""FHIR test data: HL7's mCODE example (fixtures/mcode-jenny-m.json, CC0) and our own additions."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

SCT = "http://snomed.info/sct"
ICD = "http://hl7.org/fhir/sid/icd-10-cm"
NUCC = "http://nucc.org/provider-taxonomy"
RXN = "http://www.nlm.nih.gov/research/umls/rxnorm"
LOINC = "http://loinc.org"
PATIENT = "Patient/cancer-patient-jenny-m"
OWEN = "Practitioner/us-core-practitioner-owen-oncologist"
KYLE = "Practitioner/us-core-practitioner-kyle-anydoc"
RIVERA = "Practitioner/rivera-second-opinion"
JENNY = Path(__file__).parent / "fixtures" / "mcode-jenny-m.json"


def concept(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    coding = {"system": system, "code": code, **({"display": display} if display else {})}
    return {"coding": [coding]}


def ref(target: str) -> dict[str, str]:
    return {"reference": target}


def jenny() -> dict[str, Any]:
    """HL7's mCODE extended example as published (transcribed), no roles: specialties unknown."""
    bundle: dict[str, Any] = json.loads(JENNY.read_bytes())
    return bundle


def bundle(*resources: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": r} for r in resources],
    }


def with_resources(base: dict[str, Any], *resources: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    out["entry"] += [{"resource": r} for r in resources]
    return out


def role(rid: str, practitioner: str, system: str, code: str) -> dict[str, Any]:
    return {
        "resourceType": "PractitionerRole",
        "id": rid,
        "practitioner": ref(practitioner),
        "specialty": [concept(system, code)],
    }


def practitioner(rid: str) -> dict[str, Any]:
    return {"resourceType": "Practitioner", "id": rid}


def condition(rid: str, asserter: str, system: str, code: str, **extra: Any) -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "id": rid,
        "subject": ref(PATIENT),
        "code": concept(system, code),
        "asserter": ref(asserter),
        **extra,
    }


def stage_observation(
    rid: str, performer: str, value: dict[str, Any], kind: str = "21908-9"
) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": rid,
        "status": "final",
        "code": concept(LOINC, kind),
        "subject": ref(PATIENT),
        "performer": [ref(performer)],
        "valueCodeableConcept": value,
    }


def careplan(rid: str, author: str, *codes: str) -> dict[str, Any]:
    return {
        "resourceType": "CarePlan",
        "id": rid,
        "status": "active",
        "intent": "plan",
        "subject": ref(PATIENT),
        "author": ref(author),
        "activity": [{"detail": {"status": "not-started", "code": concept(SCT, code)}} for code in codes],
    }


def second_opinion() -> dict[str, Any]:
    """Jenny's record with roles for Owen and Kyle, and our second opinion: Dr Rivera, a surgical
    oncologist, reads stage IIIC from the text and plans chemotherapy before surgery."""
    return with_resources(
        jenny(),
        role("owen-role", OWEN, NUCC, "207RX0202X"),
        role("kyle-role", KYLE, NUCC, "2085R0001X"),
        practitioner("rivera-second-opinion"),
        role("rivera-role", RIVERA, NUCC, "2086X0206X"),
        condition(
            "rivera-dx",
            RIVERA,
            ICD,
            "C50.912",
            recordedDate="2018-05-02",
            stage=[{"summary": {"text": "Stage IIIC"}}],
        ),
        careplan("rivera-plan", RIVERA, "367336001", "387713003"),
    )
