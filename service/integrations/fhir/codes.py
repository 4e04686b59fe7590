"""Look codes up in the mapping tables: diagnoses, stages, treatments, intents, specialties."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from service.integrations.fhir.mapping import ICD10CM, RXNORM, SNOMED, DiagnosisTarget, FhirMapping

if TYPE_CHECKING:
    from fhir.resources.R4B.codeableconcept import CodeableConcept
    from fhir.resources.R4B.extension import Extension


def codings(concept: CodeableConcept | None, system: str | None = None) -> list[tuple[str, str]]:
    """(system, code) of each coding, optionally of one system only."""
    if concept is None:
        return []
    pairs = [(c.system or "", c.code or "") for c in concept.coding or [] if c.code]
    return [p for p in pairs if system is None or p[0] == system]


def one(values: Iterable[str | None]) -> str | None:
    """The value when all known ones agree, else None."""
    known = {v for v in values if v is not None}
    return known.pop() if len(known) == 1 else None


def most_specific(targets: Iterable[DiagnosisTarget]) -> DiagnosisTarget | None:
    """One family: its one subtype named, or the family itself when none or two subtypes are named
    (AML and CML both say leukemia). Two families: None."""
    found = set(targets)
    families = {t.family for t in found}
    if len(families) != 1:
        return None
    family = families.pop()
    code = one(t.code for t in found if t.is_subtype)
    return DiagnosisTarget(code or family, family)


def diagnosis(mapping: FhirMapping, concept: CodeableConcept | None) -> DiagnosisTarget | None:
    """The most specific cancer type the codes name; None when none is listed or they disagree."""
    found: set[DiagnosisTarget] = set()
    for system, code in codings(concept):
        if system == ICD10CM:
            target = _longest_prefix(mapping.icd10cm, code.upper())
        elif system == SNOMED:
            target = mapping.snomed_diagnoses.get(code)
        else:
            target = None
        if target is not None:
            found.add(target)
    return most_specific(found)


def _longest_prefix(table: dict[str, DiagnosisTarget], code: str) -> DiagnosisTarget | None:
    for end in range(len(code), 0, -1):
        if code[:end] in table:
            return table[code[:end]]
    return None


def stage(mapping: FhirMapping, concept: CodeableConcept | None) -> str | None:
    """A stage label (e.g. "IIB") from a SNOMED code, a label system's code, or the text."""
    if concept is None:
        return None
    labels: list[str | None] = []
    for coding in concept.coding or []:
        if coding.system == SNOMED and coding.code in mapping.snomed_stages:
            labels.append(mapping.snomed_stages[coding.code])
        elif coding.system in mapping.stage_label_systems and coding.code:
            labels.append(stage_text(mapping, coding.code))
        elif coding.display:
            labels.append(stage_text(mapping, coding.display))
    if concept.text:
        labels.append(stage_text(mapping, concept.text))
    return one(labels)


def stage_text(mapping: FhirMapping, text: str) -> str | None:
    """ "Stage IIB", "AJCC stage 2b", "IIIC1 (qualifier value)", "stage 0is" -> the label; anything
    else -> None."""
    rules = mapping.stage_text
    words = " ".join(text.lower().split())
    for suffix in rules.suffixes:
        words = words.removesuffix(suffix.lower()).strip()
    for prefix in rules.prefixes:
        if words.startswith(prefix + " "):
            words = words[len(prefix) + 1 :]
            break
    match = re.fullmatch(r"(iv|i{1,3}|[0-4])([a-z]*)([0-9]?)", words)
    if match is None:
        return None
    group, sub_stage, number = rules.groups.get(match.group(1)), match.group(2), match.group(3)
    if group == "0":  # 0, 0a, 0is: no sub-stage number
        return group + sub_stage if sub_stage in rules.zero_forms and not number else None
    letter = sub_stage.upper()
    if group is None or len(letter) > 1 or (letter and letter not in rules.letters):
        return None
    if number and (not letter or number not in rules.numbers):
        return None
    return group + letter + number


def treatment(mapping: FhirMapping, concept: CodeableConcept | None, medication: bool) -> str | None:
    """The modality a procedure (SNOMED) or medication (RxNorm) code names."""
    table, system = (mapping.medications, RXNORM) if medication else (mapping.procedures, SNOMED)
    return one(table.get(code) for _, code in codings(concept, system))


def not_treatment(mapping: FhirMapping, concept: CodeableConcept | None) -> bool:
    return any(code in mapping.not_treatment for _, code in codings(concept, SNOMED))


def intent_codes(mapping: FhirMapping, extensions: list[Extension] | None) -> list[str]:
    """The SNOMED codes of the mCODE treatment intent extension(s)."""
    return [
        code
        for ext in extensions or []
        if ext.url == mapping.intent_extension
        for _, code in codings(ext.valueCodeableConcept, SNOMED)
    ]


def specialty(mapping: FhirMapping, concepts: list[CodeableConcept] | None) -> str | None:
    return one(mapping.specialties.get(pair) for c in concepts or [] for pair in codings(c))
