"""The FHIR-to-opinion tables of rules/fhir/*.yaml, read and checked once at start-up."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from service.core.catalog import Catalog
from service.core.exceptions import RuleFileError

SNOMED = "http://snomed.info/sct"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
LOINC = "http://loinc.org"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
NUCC = "http://nucc.org/provider-taxonomy"
StageKind = str  # "pathologic" | "clinical" | "other"
STAGE_KINDS = ("pathologic", "clinical", "other")


@dataclass(frozen=True)
class DiagnosisTarget:
    """A catalog cancer-type code (the most specific one a FHIR code names) and its family."""

    code: str
    family: str  # the code itself, or its parent when it is a subtype (colon -> colorectal)

    @property
    def is_subtype(self) -> bool:
        return self.code != self.family


@dataclass(frozen=True)
class StageText:
    prefixes: tuple[str, ...]
    suffixes: tuple[str, ...]
    groups: dict[str, str]
    letters: tuple[str, ...]
    numbers: tuple[str, ...]  # after a letter: IIIC1
    zero_forms: tuple[str, ...]  # what may follow stage 0: "", "a", "is"


@dataclass(frozen=True)
class FhirMapping:
    icd10cm: dict[str, DiagnosisTarget]  # code prefix, upper case, with its dot
    snomed_diagnoses: dict[str, DiagnosisTarget]
    stage_observations: dict[tuple[str, str], StageKind]  # (system, code) -> kind
    snomed_stages: dict[str, str]
    stage_label_systems: frozenset[str]
    stage_text: StageText
    profiles: dict[str, str]  # meta.profile -> modality
    procedures: dict[str, str]  # SNOMED -> modality
    not_treatment: dict[str, str]  # SNOMED -> what it is instead
    medications: dict[str, str]  # RxNorm -> modality
    intent_extension: str
    intents: dict[str, str]
    intents_not_treatment: dict[str, str]
    specialties: dict[tuple[str, str], str]  # (system, code) -> specialty


def _read(directory: Path, name: str) -> dict[str, Any]:
    path = directory / name
    try:
        data = yaml.safe_load(path.read_bytes())
    except (OSError, yaml.YAMLError) as exc:
        raise RuleFileError(f"fhir/{name}", None, "cannot be read as YAML", kind="entry") from exc
    if not isinstance(data, dict):
        raise RuleFileError(f"fhir/{name}", None, "must be a mapping", kind="entry")
    return data


def _table(data: dict[str, Any], key: str, file: str) -> dict[str, Any]:
    table = data.get(key)
    if not isinstance(table, dict) or not table:
        raise RuleFileError(f"fhir/{file}", key, "must be a non-empty mapping", kind="entry")
    return {str(code): value for code, value in table.items()}


def _strings(data: dict[str, Any], key: str, file: str) -> dict[str, str]:
    table = _table(data, key, file)
    for code, value in table.items():
        if not isinstance(value, str):
            raise RuleFileError(f"fhir/{file}", f"{key}.{code}", "must map to a code", kind="entry")
    return table


def _diagnoses(data: dict[str, Any], key: str, catalog: Catalog) -> dict[str, DiagnosisTarget]:
    out = {}
    for code, target in _table(data, key, "diagnoses.yaml").items():
        info = catalog.cancer_types.get(target) if isinstance(target, str) else None
        if info is None or info.code == "other":
            reason = "must map to a cancer type of the catalog"
            raise RuleFileError("fhir/diagnoses.yaml", f"{key}.{code}", reason, kind="entry")
        out[code.upper()] = DiagnosisTarget(info.code, info.family)
    return out


def load_mapping(rules_dir: Path, catalog: Catalog) -> FhirMapping:
    """Read rules_dir/fhir/*.yaml; raises RuleFileError naming the file and entry. Diagnosis codes
    must be cancer types of `catalog`, which also gives each subtype its family."""
    directory = rules_dir / "fhir"
    diagnoses = _read(directory, "diagnoses.yaml")
    stages = _read(directory, "stages.yaml")
    treatments = _read(directory, "treatments.yaml")
    specialties = _read(directory, "specialties.yaml")
    observation_codes = {
        (system, str(code)): kind
        for system, codes in _table(stages, "observation_codes", "stages.yaml").items()
        for code, kind in codes.items()
    }
    if not set(observation_codes.values()) <= set(STAGE_KINDS):
        raise RuleFileError("fhir/stages.yaml", "observation_codes", "unknown stage kind", kind="entry")
    text = _table(stages, "text", "stages.yaml")
    return FhirMapping(
        icd10cm=_diagnoses(diagnoses, "icd10cm", catalog),
        snomed_diagnoses=_diagnoses(diagnoses, "snomed", catalog),
        stage_observations=observation_codes,
        snomed_stages=_strings(stages, "snomed", "stages.yaml"),
        stage_label_systems=frozenset(stages.get("label_systems") or ()),
        stage_text=StageText(
            prefixes=tuple(sorted(text["prefixes"], key=len, reverse=True)),
            suffixes=tuple(text["suffixes"]),
            groups={str(k): str(v) for k, v in text["groups"].items()},
            letters=tuple(text["letters"]),
            numbers=tuple(str(n) for n in text["numbers"]),
            zero_forms=tuple(str(z) for z in text["zero_forms"]),
        ),
        profiles=_strings(treatments, "profiles", "treatments.yaml"),
        procedures=_strings(treatments, "procedures", "treatments.yaml"),
        not_treatment=_strings(treatments, "not_treatment", "treatments.yaml"),
        medications=_strings(treatments, "medications", "treatments.yaml"),
        intent_extension=str(treatments["intent_extension"]),
        intents=_strings(treatments, "intents", "treatments.yaml"),
        intents_not_treatment=_strings(treatments, "intents_not_treatment", "treatments.yaml"),
        specialties={
            **{(NUCC, c): s for c, s in _strings(specialties, "nucc", "specialties.yaml").items()},
            **{(SNOMED, c): s for c, s in _strings(specialties, "snomed", "specialties.yaml").items()},
        },
    )
