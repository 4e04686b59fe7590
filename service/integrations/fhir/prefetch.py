"""The patient-view prefetch: templates for discovery, and the resources an EHR sent (or we fetched)."""

from __future__ import annotations

from typing import Any

from service.integrations.fhir.bundle import FhirError, FhirInvalid, Parsed, parse_resource

PATIENT = "{{context.patientId}}"
STAGE_CODES = ",".join(
    [
        "http://loinc.org|21908-9",
        "http://loinc.org|21902-2",
        "http://loinc.org|21914-7",
        "http://snomed.info/sct|399537006",
        "http://snomed.info/sct|399588009",
    ]
)
# Simple searches only (no _include): the spec's prefetch rules. The clinicians' PractitionerRoles
# cannot be named in a template; they are read from fhirServer when it is given.
TEMPLATES: dict[str, str] = {
    "patient": f"Patient/{PATIENT}",
    "conditions": f"Condition?patient={PATIENT}",
    "stages": f"Observation?patient={PATIENT}&code={STAGE_CODES}",
    "procedures": f"Procedure?patient={PATIENT}",
    "medicationRequests": f"MedicationRequest?patient={PATIENT}",
    "carePlans": f"CarePlan?patient={PATIENT}",
    "serviceRequests": f"ServiceRequest?patient={PATIENT}",
}


def query(key: str, patient_id: str) -> str:
    return TEMPLATES[key].replace(PATIENT, patient_id)


def missing(prefetch: dict[str, Any] | None) -> list[str]:
    """Keys the EHR did not fill (absent or null: it could not or would not fetch them)."""
    given = prefetch or {}
    return [key for key in TEMPLATES if given.get(key) is None]


def resources(key: str, value: Any, max_entries: int) -> list[Parsed]:
    """A prefetched resource, or the resources of a searchset Bundle; raises FhirInvalid."""
    where = f"prefetch.{key}"
    if not isinstance(value, dict):
        raise FhirInvalid([FhirError(where, "must be a FHIR resource or Bundle")])
    if value.get("resourceType") != "Bundle":
        return [parse_resource(value, where)]
    entries = value.get("entry") or []
    if not isinstance(entries, list) or len(entries) > max_entries:
        raise FhirInvalid([FhirError(f"{where}.entry", f"must be a list of at most {max_entries} entries")])
    parsed, errors = [], []
    for n, entry in enumerate(entries):
        if not isinstance(entry, dict) or "resource" not in entry:
            continue
        if (entry.get("search") or {}).get("mode") == "outcome":
            continue  # an OperationOutcome about the search, not a result
        try:
            parsed.append(
                parse_resource(entry["resource"], f"{where}.entry[{n}].resource", entry.get("fullUrl"))
            )
        except FhirInvalid as exc:
            errors += exc.errors
    if errors:
        raise FhirInvalid(errors[:50])
    return parsed
