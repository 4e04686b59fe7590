"""Every entry of rules/fhir/*.yaml, exercised through the reader once, plus hand-checked cases."""

from __future__ import annotations

import json
from typing import Any

import pytest

from service.config import get_settings
from service.core.exceptions import RuleFileError
from service.core.models import Opinion
from service.core.rulebook import RuleBook
from service.integrations.fhir import bundle as fhir_bundle
from service.integrations.fhir import contract, evidence, opinions
from service.integrations.fhir.mapping import NUCC, SNOMED, load_mapping
from service.integrations.fhir.references import Index
from tests.integrations.fhir import bundles as b

RULES = RuleBook.load(get_settings().rules_dir)
MAPPING = load_mapping(get_settings().rules_dir, RULES.catalog)
DOCTOR = "Practitioner/doc"


def one_opinion(*resources: dict[str, Any]) -> opinions.DerivedOpinion | None:
    data = b.bundle(b.practitioner("doc"), *resources)
    parsed = fhir_bundle.parse_bundle(json.dumps(data).encode())
    found = opinions.derive(evidence.collect(MAPPING, parsed), evidence.specialties(Index(parsed), MAPPING))
    return found[0] if found else None


def icd_example(prefix: str) -> str:
    return prefix if "." in prefix else prefix + ".9"


def sent_cancer_type(condition: dict[str, Any]) -> str:
    """The cancer type a diagnosis-only read (no treatment) sends in the request contract."""
    got = one_opinion(condition, b.role("r", DOCTOR, NUCC, "207RH0003X"))
    assert got is not None
    with RULES.vocabulary.bound():
        fitted = contract.opinion(got)
    assert isinstance(fitted, Opinion) and fitted.treatment is None
    return str(fitted.diagnosis.cancer_type)


@pytest.mark.parametrize(("prefix", "target"), sorted(MAPPING.icd10cm.items()))
def test_every_icd10cm_entry_reaches_the_contract_as_its_catalog_code(prefix: str, target: Any) -> None:
    condition = b.condition("c", DOCTOR, b.ICD, icd_example(prefix))
    assert sent_cancer_type(condition) == target.code
    assert RULES.catalog.cancer_types[target.code].family == target.family


@pytest.mark.parametrize(("code", "target"), sorted(MAPPING.snomed_diagnoses.items()))
def test_every_snomed_diagnosis_entry_reaches_the_contract(code: str, target: Any) -> None:
    assert sent_cancer_type(b.condition("c", DOCTOR, SNOMED, code)) == target.code


def test_one_clinicians_family_and_subtype_give_the_subtype_two_subtypes_give_the_family() -> None:
    lung = b.condition("c1", DOCTOR, SNOMED, "363358000")
    nsclc = b.condition("c2", DOCTOR, SNOMED, "254637007")
    sclc = b.condition("c3", DOCTOR, SNOMED, "254632001")
    assert (got := one_opinion(lung, nsclc)) is not None and got.cancer_type == "non_small_cell"
    assert (got := one_opinion(nsclc, sclc)) is not None and got.cancer_type == "lung"
    breast = b.condition("c4", DOCTOR, b.ICD, "C50.9")
    assert (got := one_opinion(lung, breast)) is not None and got.cancer_type is None


@pytest.mark.parametrize(
    ("system", "code", "expected"),
    [
        (b.ICD, "C92.00", "aml"),  # the longest prefix wins over C92
        (b.ICD, "C92.90", "leukemia"),
        (b.ICD, "c50.912", "breast"),
        (b.ICD, "C22.1", None),  # intrahepatic bile duct: not liver cancer
        (b.ICD, "C79.31", None),  # secondary, in the brain: not a brain cancer
        (SNOMED, "94225005", None),  # secondary malignant neoplasm of brain
        ("http://example.org/local-codes", "C50", None),
    ],
)
def test_hand_checked_diagnoses(system: str, code: str, expected: str | None) -> None:
    got = one_opinion(b.condition("c", DOCTOR, system, code))
    assert (None if got is None else got.cancer_type) == expected


@pytest.mark.parametrize(("code", "label"), sorted(MAPPING.snomed_stages.items()))
def test_every_snomed_stage_entry(code: str, label: str) -> None:
    got = one_opinion(b.stage_observation("s", DOCTOR, b.concept(SNOMED, code)))
    assert got is not None and got.stage == label


@pytest.mark.parametrize(("pair", "kind"), sorted(MAPPING.stage_observations.items()))
def test_every_stage_observation_code(pair: tuple[str, str], kind: str) -> None:
    observation = b.stage_observation("s", DOCTOR, {"text": "Stage IIA"})
    observation["code"] = b.concept(*pair)
    got = one_opinion(observation)
    assert got is not None and got.stage == "IIA"


def test_pathologic_wins_over_clinical_and_a_tie_within_a_kind_is_unknown() -> None:
    clinical = b.stage_observation("c", DOCTOR, {"text": "Stage IIA"}, kind="21908-9")
    pathologic = b.stage_observation("p", DOCTOR, {"text": "Stage IIIA"}, kind="21902-2")
    other = b.stage_observation("o", DOCTOR, {"text": "Stage I"}, kind="21914-7")
    assert (got := one_opinion(clinical, pathologic, other)) is not None and got.stage == "IIIA"
    second = b.stage_observation("c2", DOCTOR, {"text": "Stage IIB"}, kind="21908-9")
    assert (got := one_opinion(clinical, second)) is not None and got.stage is None


@pytest.mark.parametrize("system", sorted(MAPPING.stage_label_systems))
def test_stage_label_systems(system: str) -> None:
    got = one_opinion(b.stage_observation("s", DOCTOR, b.concept(system, "3C")))
    assert got is not None and got.stage == "IIIC"


def procedure(code: str | None, **extra: Any) -> dict[str, Any]:
    return {
        "resourceType": "Procedure",
        "id": "p",
        "status": "completed",
        "subject": b.ref(b.PATIENT),
        "performer": [{"actor": b.ref(DOCTOR)}],
        **({"code": b.concept(SNOMED, code)} if code else {}),
        **extra,
    }


@pytest.mark.parametrize(("code", "modality"), sorted(MAPPING.procedures.items()))
def test_every_procedure_code_as_procedure_service_request_and_care_plan(code: str, modality: str) -> None:
    got = one_opinion(procedure(code))
    assert got is not None and got.modalities == (modality,)
    request = {
        "resourceType": "ServiceRequest",
        "id": "s",
        "status": "active",
        "intent": "order",
        "subject": b.ref(b.PATIENT),
        "requester": b.ref(DOCTOR),
        "code": b.concept(SNOMED, code),
    }
    assert (got := one_opinion(request)) is not None and got.modalities == (modality,)
    assert (got := one_opinion(b.careplan("cp", DOCTOR, code))) is not None and got.modalities == (modality,)


@pytest.mark.parametrize(("profile", "modality"), sorted(MAPPING.profiles.items()))
def test_every_profile_names_its_modality(profile: str, modality: str) -> None:
    got = one_opinion(procedure(None, meta={"profile": [profile]}))
    assert got is not None and got.modalities == (modality,)


@pytest.mark.parametrize("code", sorted(MAPPING.not_treatment))
def test_every_not_treatment_code_is_no_treatment(code: str) -> None:
    assert one_opinion(procedure(code)) is None


@pytest.mark.parametrize(("code", "modality"), sorted(MAPPING.medications.items()))
def test_every_medication_code(code: str, modality: str) -> None:
    request = {
        "resourceType": "MedicationRequest",
        "id": "m",
        "status": "active",
        "intent": "order",
        "subject": b.ref(b.PATIENT),
        "requester": b.ref(DOCTOR),
        "medicationCodeableConcept": b.concept(b.RXN, code),
    }
    assert (got := one_opinion(request)) is not None and got.modalities == (modality,)


def intent(code: str) -> dict[str, Any]:
    return {"url": MAPPING.intent_extension, "valueCodeableConcept": b.concept(SNOMED, code)}


@pytest.mark.parametrize(("code", "value"), sorted(MAPPING.intents.items()))
def test_every_intent_code(code: str, value: str) -> None:
    got = one_opinion(procedure("387713003", extension=[intent(code)]))
    assert got is not None and got.intent == value


@pytest.mark.parametrize("code", sorted(MAPPING.intents_not_treatment))
def test_every_non_treatment_intent(code: str) -> None:
    assert one_opinion(procedure("387713003", extension=[intent(code)])) is None


def test_disagreeing_intents_are_unknown() -> None:
    surgery = procedure("387713003", extension=[intent("373808002")])
    radiation = {**procedure("1217123003", extension=[intent("363676003")]), "id": "p2"}
    assert (got := one_opinion(surgery, radiation)) is not None and got.intent is None


@pytest.mark.parametrize(("pair", "specialty"), sorted(MAPPING.specialties.items()))
def test_every_specialty_code(pair: tuple[str, str], specialty: str) -> None:
    got = one_opinion(b.condition("c", DOCTOR, b.ICD, "C50.9"), b.role("r", DOCTOR, *pair))
    assert got is not None and got.specialty == specialty
    assert pair[0] in (NUCC, SNOMED)


def test_a_clinician_referenced_through_a_role_is_the_practitioner() -> None:
    dx = b.condition("c", "PractitionerRole/r", b.ICD, "C61")
    got = one_opinion(dx, b.role("r", DOCTOR, NUCC, "2085R0001X"))
    assert got is not None and (got.clinician, got.specialty) == (DOCTOR, "radiation_oncology")


def test_a_broken_mapping_file_stops_start_up(tmp_path: Any) -> None:
    (tmp_path / "fhir").mkdir()
    for name in ("diagnoses", "stages", "treatments", "specialties"):
        source = get_settings().rules_dir / "fhir" / f"{name}.yaml"
        (tmp_path / "fhir" / f"{name}.yaml").write_bytes(source.read_bytes())
    (tmp_path / "fhir" / "diagnoses.yaml").write_text("icd10cm:\n  C50: {type: breast}\nsnomed: {}\n")
    with pytest.raises(RuleFileError, match="must map to a cancer type of the catalog"):
        load_mapping(tmp_path, RULES.catalog)
    (tmp_path / "fhir" / "diagnoses.yaml").write_text("icd10cm:\n  C22.1: bile_duct\nsnomed: {}\n")
    with pytest.raises(RuleFileError, match=r"icd10cm\.C22\.1"):
        load_mapping(tmp_path, RULES.catalog)


@pytest.mark.parametrize("prefix", MAPPING.stage_text.prefixes)
def test_every_stage_text_prefix(prefix: str) -> None:
    text = f"{prefix.title()} IIB {MAPPING.stage_text.suffixes[0]}"
    got = one_opinion(b.stage_observation("s", DOCTOR, {"text": text}))
    assert got is not None and got.stage == "IIB"


@pytest.mark.parametrize(("written", "group"), sorted(MAPPING.stage_text.groups.items()))
def test_every_stage_text_group_letter_and_number(written: str, group: str) -> None:
    if group == "0":
        for form in MAPPING.stage_text.zero_forms:
            got = one_opinion(b.stage_observation("s", DOCTOR, {"text": f"Stage {written}{form}"}))
            assert got is not None and got.stage == "0" + form
        return
    for letter in MAPPING.stage_text.letters:
        for number in ("", *MAPPING.stage_text.numbers):
            got = one_opinion(b.stage_observation("s", DOCTOR, {"text": f"stage {written}{letter}{number}"}))
            assert got is not None and got.stage == group + letter.upper() + number
