"""The resources a patient-view call needs: from its prefetch, else from its fhirServer."""

from __future__ import annotations

from typing import Any

import httpx

from service.integrations.fhir import evidence, prefetch
from service.integrations.fhir.bundle import Parsed
from service.integrations.fhir.fetch import FetchFailed, FhirServer
from service.integrations.fhir.mapping import FhirMapping

MAX_ROLE_LOOKUPS = 10


class DataUnavailable(Exception):
    """Neither the prefetch nor the FHIR server gave what is needed (412, as the spec says)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


def _unique(resources: list[Parsed]) -> list[Parsed]:
    seen: dict[str, Parsed] = {}
    for parsed in resources:
        seen.setdefault(parsed.ref, parsed)
    return list(seen.values())


async def gather(
    given: dict[str, Any] | None,
    patient_id: str,
    server: FhirServer | None,
    mapping: FhirMapping,
    max_entries: int,
) -> list[Parsed]:
    """Raises DataUnavailable (412) or FhirInvalid (bad FHIR in the prefetch or from the server)."""
    resources = [
        parsed
        for key, value in (given or {}).items()
        if key in prefetch.TEMPLATES and value is not None
        for parsed in prefetch.resources(key, value, max_entries)
    ]
    lacking = prefetch.missing(given)
    if server is None:
        if lacking:
            raise DataUnavailable("The prefetch is incomplete and no usable fhirServer was given.")
        return _unique(resources)
    try:
        async with httpx.AsyncClient(follow_redirects=False) as client:
            for key in lacking:
                found = await server.search(client, prefetch.query(key, patient_id), max_entries)
                resources += prefetch.resources(key, found, max_entries)
            for practitioner in _without_roles(resources, patient_id, mapping)[:MAX_ROLE_LOOKUPS]:
                found = await server.search(
                    client, f"PractitionerRole?practitioner={practitioner}", max_entries
                )
                resources += prefetch.resources("practitionerRoles", found, max_entries)
    except FetchFailed as exc:
        raise DataUnavailable("The FHIR server did not give the resources needed.") from exc
    return _unique(resources)


def _without_roles(resources: list[Parsed], patient_id: str, mapping: FhirMapping) -> list[str]:
    """Practitioners who gave an opinion and whose PractitionerRoles are not at hand."""
    found = evidence.collect(mapping, resources, patient_id)
    have = {
        getattr(p.resource, "practitioner", None) and p.resource.practitioner.reference  # type: ignore[attr-defined]
        for p in resources
        if p.resource.get_resource_type() == "PractitionerRole"
    }
    return [ref for ref in found.clinicians if ref.startswith("Practitioner/") and ref not in have]
