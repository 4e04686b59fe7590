"""Resolve references between the resources of one input, and decide who a clinician is."""

from __future__ import annotations

from typing import TYPE_CHECKING

from service.integrations.fhir.bundle import FhirError, FhirInvalid, Parsed

if TYPE_CHECKING:
    from fhir.resources.R4B.reference import Reference

CLINICIAN_TYPES = ("Practitioner", "PractitionerRole")


class Index:
    """Resources by Type/id, by fullUrl, and by absolute URLs ending in Type/id."""

    def __init__(self, resources: list[Parsed]) -> None:
        self.resources = resources
        self._by_key: dict[str, Parsed] = {}
        for parsed in resources:
            if parsed.resource.id:
                self._by_key[parsed.ref] = parsed
            if parsed.full_url:
                self._by_key[parsed.full_url] = parsed

    def get(self, reference: Reference | None) -> Parsed | None:
        key = _key(reference)
        if key is None:
            return None
        return self._by_key.get(key) or self._by_key.get(_tail(key))

    def clinician(self, reference: Reference | None) -> str | None:
        """Practitioner/x, also for a PractitionerRole's practitioner; None when not a clinician."""
        target = self.get(reference)
        if target is not None:
            kind = target.resource.get_resource_type()
            if kind == "PractitionerRole":
                return self.clinician(target.resource.practitioner) or target.ref  # type: ignore[attr-defined]
            return target.ref if kind == "Practitioner" else None
        key = _key(reference)
        tail = _tail(key) if key else ""
        return tail if tail.split("/")[0] in CLINICIAN_TYPES and "/" in tail else None

    def patient(self, patient_id: str | None) -> str | None:
        """Patient/id: the one given, else the Bundle's only Patient; FhirInvalid when there are several."""
        if patient_id is not None:
            return f"Patient/{patient_id}"
        patients = [p for p in self.resources if p.resource.get_resource_type() == "Patient"]
        if len(patients) > 1:
            raise FhirInvalid([FhirError("entry", "holds more than one Patient")])
        return patients[0].ref if patients else None

    def is_patient(self, reference: Reference | None, patient: str | None) -> bool:
        if patient is None or reference is None:
            return True
        target = self.get(reference)
        key = target.ref if target is not None else _tail(_key(reference) or "")
        return key == patient


def _key(reference: Reference | None) -> str | None:
    return reference.reference if reference is not None and reference.reference else None


def _tail(key: str) -> str:
    """https://ehr.example/fhir/Practitioner/1/_history/2 -> Practitioner/1."""
    parts = key.split("/_history/")[0].rstrip("/").split("/")
    return "/".join(parts[-2:]) if len(parts) >= 2 else key
