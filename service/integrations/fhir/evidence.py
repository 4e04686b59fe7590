"""Walk the resources once: what each clinician said (diagnosis, stage, treatment, specialty), and
which resources were used or ignored, by id and reason. No value is logged."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from service.core.fhir_report import IgnoredReason, Role
from service.integrations.fhir import codes
from service.integrations.fhir.bundle import Parsed
from service.integrations.fhir.mapping import DiagnosisTarget, FhirMapping
from service.integrations.fhir.references import Index

if TYPE_CHECKING:
    from fhir.resources.R4B.reference import Reference

NOT_CURRENT = {"entered-in-error", "refuted", "cancelled", "revoked", "not-done"}
READ = {"Condition", "Observation", "Procedure", "MedicationRequest", "CarePlan", "ServiceRequest"}


@dataclass(frozen=True)
class Step:
    """One treatment resource (or CarePlan activity) of a clinician: when, where in a plan, what."""

    date: str | None
    plan_order: tuple[str, int] | None
    modality: str | None


@dataclass
class Clinician:
    ref: str
    first_seen: int
    diagnoses: list[DiagnosisTarget] = field(default_factory=list)
    stages: dict[str, list[str | None]] = field(default_factory=dict)  # kind -> labels
    steps: list[Step] = field(default_factory=list)
    intents: list[str | None] = field(default_factory=list)
    dates: list[str] = field(default_factory=list)
    resources: list[str] = field(default_factory=list)


@dataclass
class Evidence:
    clinicians: dict[str, Clinician] = field(default_factory=dict)
    used: list[tuple[str, Role]] = field(default_factory=list)
    ignored: list[tuple[str, IgnoredReason]] = field(default_factory=list)


def _day(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat()[:10] if hasattr(value, "isoformat") else str(value)[:10]


class Walker:
    def __init__(self, mapping: FhirMapping, index: Index, patient: str | None) -> None:
        self.mapping, self.index, self.patient = mapping, index, patient
        self.out = Evidence()
        self._condition_asserters: dict[str, str] = {}  # Observation ref -> asserter, via stage.assessment

    def walk(self) -> Evidence:
        resources = self.index.resources
        for parsed in resources:  # conditions first: their stage.assessment names the stage's clinician
            if parsed.resource.get_resource_type() == "Condition":
                self._condition(parsed)
        for parsed in resources:
            kind = parsed.resource.get_resource_type()
            if kind in ("Patient", "Practitioner", "PractitionerRole", "Condition"):
                continue
            handler = getattr(self, f"_{kind.lower()}", None)
            if handler is None:
                reason: IgnoredReason = "administration" if kind == "MedicationAdministration" else "not_read"
                self.out.ignored.append((parsed.ref, reason))
            elif self._current(parsed):
                handler(parsed)
        self._people()
        return self.out

    def _current(self, parsed: Parsed) -> bool:
        resource: Any = parsed.resource
        status = getattr(resource, "status", None)
        subject = getattr(resource, "subject", None)
        if status in NOT_CURRENT:
            self.out.ignored.append((parsed.ref, "not_current"))
            return False
        if not self.index.is_patient(subject, self.patient):
            self.out.ignored.append((parsed.ref, "other_patient"))
            return False
        return True

    def _clinician(self, parsed: Parsed, *refs: Reference | None) -> Clinician | None:
        for ref in refs:
            key = self.index.clinician(ref)
            if key is not None:
                if key not in self.out.clinicians:
                    self.out.clinicians[key] = Clinician(key, len(self.out.clinicians))
                clinician = self.out.clinicians[key]
                clinician.resources.append(parsed.ref)
                return clinician
        self.out.ignored.append((parsed.ref, "no_clinician"))
        return None

    def _condition(self, parsed: Parsed) -> None:
        resource: Any = parsed.resource
        verification = codes.codings(resource.verificationStatus)
        if any(code in NOT_CURRENT for _, code in verification):
            self.out.ignored.append((parsed.ref, "not_current"))
            return
        if not self._current(parsed):
            return
        target = codes.diagnosis(self.mapping, resource.code)
        if target is None:
            self.out.ignored.append((parsed.ref, "code_not_mapped"))
            return
        clinician = self._clinician(parsed, resource.asserter)
        if clinician is None:
            return
        clinician.diagnoses.append(target)
        clinician.dates += [d for d in (_day(resource.onsetDateTime), _day(resource.recordedDate)) if d]
        self.out.used.append((parsed.ref, "diagnosis"))
        for entry in resource.stage or []:
            label = codes.stage(self.mapping, entry.summary)
            if label is not None:
                clinician.stages.setdefault("other", []).append(label)
            for assessment in entry.assessment or []:
                target_obs = self.index.get(assessment)
                if target_obs is not None:
                    self._condition_asserters[target_obs.ref] = clinician.ref

    def _observation(self, parsed: Parsed) -> None:
        resource: Any = parsed.resource
        kinds = {self.mapping.stage_observations.get(pair) for pair in codes.codings(resource.code)}
        kind = codes.one(kinds)
        if kind is None:
            self.out.ignored.append((parsed.ref, "not_read"))
            return
        label = codes.stage(self.mapping, resource.valueCodeableConcept)
        if label is None:
            self.out.ignored.append((parsed.ref, "code_not_mapped"))
            return
        from fhir.resources.R4B.reference import Reference  # imported by bundle.py by now

        asserter = self._condition_asserters.get(parsed.ref)
        refs = [*(resource.performer or []), *([Reference(reference=asserter)] if asserter else [])]
        clinician = self._clinician(parsed, *refs)
        if clinician is not None:
            clinician.stages.setdefault(kind, []).append(label)
            self.out.used.append((parsed.ref, "stage"))

    def _treatment(
        self, parsed: Parsed, refs: list[Reference | None], modality: str | None, date: str | None
    ) -> None:
        resource: Any = parsed.resource
        intents = codes.intent_codes(self.mapping, resource.extension)
        if codes.not_treatment(self.mapping, getattr(resource, "code", None)) or any(
            code in self.mapping.intents_not_treatment for code in intents
        ):
            self.out.ignored.append((parsed.ref, "not_a_treatment"))
            return
        clinician = self._clinician(parsed, *refs)
        if clinician is None:
            return
        clinician.steps.append(Step(date, None, modality))
        clinician.intents.append(codes.one(self.mapping.intents.get(code) for code in intents))
        clinician.dates += [date] if date else []
        if modality is None:
            self.out.ignored.append((parsed.ref, "code_not_mapped"))
        else:
            self.out.used.append((parsed.ref, "treatment"))

    def _profile_modality(self, parsed: Parsed) -> str | None:
        meta: Any = parsed.resource.meta
        return codes.one(self.mapping.profiles.get(p) for p in (meta.profile if meta else None) or [])

    def _procedure(self, parsed: Parsed) -> None:
        resource: Any = parsed.resource
        modality = codes.treatment(self.mapping, resource.code, medication=False)
        performed = resource.performedDateTime or (
            resource.performedPeriod and resource.performedPeriod.start
        )
        refs = [p.actor for p in resource.performer or []] + [resource.asserter]
        self._treatment(parsed, refs, modality or self._profile_modality(parsed), _day(performed))

    def _medicationrequest(self, parsed: Parsed) -> None:
        resource: Any = parsed.resource
        concept = resource.medicationCodeableConcept
        if concept is None and resource.medicationReference is not None:
            medication: Any = self.index.get(resource.medicationReference)
            concept = medication.resource.code if medication is not None else None
        modality = codes.treatment(self.mapping, concept, medication=True)
        self._treatment(parsed, [resource.requester], modality, _day(resource.authoredOn))

    def _servicerequest(self, parsed: Parsed) -> None:
        resource: Any = parsed.resource
        modality = codes.treatment(self.mapping, resource.code, medication=False)
        when = resource.occurrenceDateTime or (resource.occurrencePeriod and resource.occurrencePeriod.start)
        self._treatment(parsed, [resource.requester], modality, _day(when or resource.authoredOn))

    def _careplan(self, parsed: Parsed) -> None:
        resource: Any = parsed.resource
        clinician = self._clinician(parsed, resource.author, *(resource.contributor or []))
        if clinician is None:
            return
        found = False
        for order, activity in enumerate(resource.activity or []):
            detail = activity.detail
            if detail is None or detail.code is None:
                continue  # an activity.reference is read as its own resource
            modality = codes.treatment(self.mapping, detail.code, medication=False)
            period = detail.scheduledPeriod
            clinician.steps.append(Step(_day(period and period.start), (parsed.ref, order), modality))
            found = True
            if modality is None:
                self.out.ignored.append((f"{parsed.ref}#activity[{order}]", "code_not_mapped"))
        if found:
            self.out.used.append((parsed.ref, "treatment"))
        else:
            self.out.ignored.append((parsed.ref, "code_not_mapped"))

    def _people(self) -> None:
        """Practitioners and roles of a clinician who gave an opinion are used; the others ignored."""
        for parsed in self.index.resources:
            kind = parsed.resource.get_resource_type()
            if kind == "Patient":
                self.out.used.append((parsed.ref, "patient"))
            elif kind == "Practitioner":
                if parsed.ref in self.out.clinicians:
                    self.out.used.append((parsed.ref, "clinician"))
                else:
                    self.out.ignored.append((parsed.ref, "not_read"))  # gave no opinion here
            elif kind == "PractitionerRole":
                resource: Any = parsed.resource
                owner = self.index.clinician(resource.practitioner) or parsed.ref
                if owner in self.out.clinicians:
                    self.out.used.append((parsed.ref, "specialty"))
                else:
                    self.out.ignored.append((parsed.ref, "not_read"))


def specialties(index: Index, mapping: FhirMapping) -> dict[str, list[str | None]]:
    """Clinician ref -> the specialty each of their PractitionerRoles names."""
    found: dict[str, list[str | None]] = {}
    for parsed in index.resources:
        if parsed.resource.get_resource_type() == "PractitionerRole":
            resource: Any = parsed.resource
            owner = index.clinician(resource.practitioner) or parsed.ref
            found.setdefault(owner, []).append(codes.specialty(mapping, resource.specialty))
    return found


def collect(mapping: FhirMapping, resources: list[Parsed], patient_id: str | None = None) -> Evidence:
    index = Index(resources)
    return Walker(mapping, index, index.patient(patient_id)).walk()
