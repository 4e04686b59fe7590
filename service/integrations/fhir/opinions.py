"""One opinion per clinician, from the evidence: what is known, and nothing more."""

from __future__ import annotations

from dataclasses import dataclass

from service.integrations.fhir.codes import most_specific, one
from service.integrations.fhir.evidence import Clinician, Evidence, Step
from service.integrations.fhir.mapping import STAGE_KINDS


@dataclass(frozen=True)
class DerivedOpinion:
    """A clinician's opinion as FHIR tells it; None is unknown."""

    clinician: str
    specialty: str | None
    cancer_type: str | None  # the most specific catalog code known, e.g. aml rather than leukemia
    stage: str | None
    modalities: tuple[str, ...] | None  # None: no treatment, or one we could not map
    sequence: tuple[str, ...] | None  # the order of modalities, where dates or a plan's order show it
    intent: str | None
    resources: tuple[str, ...]


def _stage(clinician: Clinician) -> str | None:
    """The most definitive kind present decides; disagreement within it leaves the stage unknown."""
    for kind in STAGE_KINDS:
        if kind in clinician.stages:
            labels = set(clinician.stages[kind])
            return labels.pop() if len(labels) == 1 else None
    return None


def _modalities(steps: list[Step]) -> tuple[str, ...] | None:
    if not steps or any(step.modality is None for step in steps):
        return None
    return tuple(dict.fromkeys(step.modality for step in steps if step.modality))


def _sequence(steps: list[Step], modalities: tuple[str, ...] | None) -> tuple[str, ...] | None:
    """By first date when every step has one and no two kinds start the same day; else by the order of
    one plan's activities when all steps come from that plan; else unknown."""
    if modalities is None or len(modalities) < 2:
        return None
    if all(step.date for step in steps):
        first: dict[str, str] = {}
        for step in steps:
            assert step.modality is not None and step.date is not None
            first[step.modality] = min(first.get(step.modality, step.date), step.date)
        if len(set(first.values())) == len(first):
            return tuple(sorted(first, key=first.__getitem__))
        return None
    plans = {step.plan_order[0] for step in steps if step.plan_order}
    if len(plans) == 1 and all(step.plan_order for step in steps):
        ordered = sorted(steps, key=lambda s: s.plan_order[1] if s.plan_order else 0)
        return tuple(dict.fromkeys(s.modality for s in ordered if s.modality))
    return None


def derive(evidence: Evidence, specialties: dict[str, list[str | None]]) -> list[DerivedOpinion]:
    """Opinions, oldest first: by each clinician's earliest dated resource, then input order."""
    ordered = sorted(
        evidence.clinicians.values(), key=lambda c: (min(c.dates) if c.dates else "9999", c.first_seen)
    )
    opinions = []
    for clinician in ordered:
        diagnosis = most_specific(clinician.diagnoses)
        modalities = _modalities(clinician.steps)
        roles = specialties.get(clinician.ref, [])
        opinions.append(
            DerivedOpinion(
                clinician=clinician.ref,
                specialty=one(roles),
                cancer_type=diagnosis.code if diagnosis else None,
                stage=_stage(clinician),
                modalities=modalities,
                sequence=_sequence(clinician.steps, modalities),
                intent=one(clinician.intents),
                resources=tuple(dict.fromkeys(clinician.resources)),
            )
        )
    return opinions
