"""Derived opinions -> the request contract. A value the contract does not accept (yet) is unknown.

The contract models decide (checked against the rule book's codes), so a cancer type or stage the
loaded rules do not name stays unknown rather than becoming another value.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from service.core.models import Clinician, Diagnosis, Opinion, RecommendationRequest, Treatment
from service.integrations.fhir.opinions import DerivedOpinion


@dataclass(frozen=True)
class Incomplete:
    clinician: str
    missing: tuple[str, ...]  # contract fields the FHIR did not give, e.g. "diagnosis.cancer_type"


@cache
def _adapter(model: type[BaseModel], name: str) -> TypeAdapter[Any] | None:
    info = model.model_fields.get(name)
    if info is None or info.annotation is None:
        return None
    # the field's type with its metadata (e.g. the catalog's codes: service/core/vocabulary.py)
    kind: Any = Annotated[info.annotation, *info.metadata] if info.metadata else info.annotation
    return TypeAdapter(kind)


def _accepted(model: type[BaseModel], name: str, value: Any) -> bool:
    adapter = _adapter(model, name)
    if adapter is None or value is None:
        return False
    try:
        adapter.validate_python(value)
    except ValidationError:
        return False
    return True


def _fields(model: type[BaseModel], values: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in values.items() if _accepted(model, name, value)}


def opinion(derived: DerivedOpinion) -> Opinion | Incomplete:
    modalities = list(derived.modalities) if derived.modalities else None
    treatment = _fields(
        Treatment,
        {
            "modalities": modalities,
            "intent": derived.intent,
            "sequence": list(derived.sequence) if derived.sequence else None,
        },
    )
    if modalities is not None and "modalities" not in treatment:  # a kind the contract lacks: unknown
        treatment = {}
    body: dict[str, Any] = {
        "clinician": _fields(Clinician, {"specialty": derived.specialty}),
        "diagnosis": _fields(
            Diagnosis,
            {"cancer_type": derived.cancer_type, "stage": derived.stage},
        ),
    }
    if "modalities" in treatment:
        body["treatment"] = treatment
    try:
        return Opinion.model_validate(body)
    except ValidationError as exc:
        missing = tuple(".".join(str(p) for p in e["loc"]) for e in exc.errors())
        return Incomplete(derived.clinician, missing)


def request(opinions: list[Opinion]) -> RecommendationRequest:
    """Raises ValidationError when fewer than two (or more than ten) opinions are complete."""
    return RecommendationRequest.model_validate({"opinions": opinions})
