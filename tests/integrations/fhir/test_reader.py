"""FHIR to opinions: HL7's mCODE example and our own bundles, through parse, evidence, contract."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from service.config import get_settings
from service.core.rulebook import RuleBook
from service.integrations.fhir import bundle as fhir_bundle
from service.integrations.fhir import evidence, opinions
from service.integrations.fhir.bundle import FhirInvalid
from service.integrations.fhir.reader import FhirReader, TooFewOpinions
from service.integrations.fhir.references import Index
from tests.integrations.fhir import bundles as b

RULES = RuleBook.load(get_settings().rules_dir)
READER = FhirReader.load(get_settings().rules_dir, RULES.catalog)


def derived(data: dict[str, Any], patient_id: str | None = None) -> list[opinions.DerivedOpinion]:
    resources = fhir_bundle.parse_bundle(json.dumps(data).encode())
    found = evidence.collect(READER.mapping, resources, patient_id)
    return opinions.derive(found, evidence.specialties(Index(resources), READER.mapping))


def test_hl7_mcode_example_gives_owens_opinion_with_sub_stage_order_and_intent() -> None:
    owen, kyle = derived(b.jenny())
    assert owen.clinician == b.OWEN
    assert owen.cancer_type == "breast"
    assert owen.stage == "IIB"  # pathologic IIB wins over the summary's IIIC
    assert owen.modalities == ("surgery", "chemotherapy", "hormone_therapy")
    assert owen.sequence == ("surgery", "chemotherapy", "hormone_therapy")
    assert owen.intent == "curative"
    assert owen.specialty is None  # the example has no PractitionerRole
    assert kyle.clinician == b.KYLE and kyle.modalities == ("radiation",) and kyle.cancer_type is None


def test_hl7_example_alone_is_too_few_opinions_and_says_what_is_missing() -> None:
    with pytest.raises(TooFewOpinions) as caught:
        READER.read_bundle(b.JENNY.read_bytes(), RULES)
    errors = {e.field: e.reason for e in caught.value.errors}
    # Owen's opinion is complete without a specialty (the example has no PractitionerRole); Kyle's names
    # no cancer type.
    assert errors["Bundle"].startswith("1 complete opinion(s)")
    assert "opinions[0]" not in errors
    assert errors["opinions[1]"] == "lacks diagnosis.cancer_type"
    report = caught.value.report
    ignored = {i.resource: i.reason for i in report.ignored}
    assert ignored["Procedure/us-core-procedure-biopsy-jenny-m"] == "not_a_treatment"
    assert ignored["Procedure/us-core-procedure-mammogram-jenny-m"] == "not_a_treatment"
    assert ignored["Condition/us-core-condition-anxiety-jenny-m"] == "code_not_mapped"
    assert ignored["Observation/tumor-marker-test-er-jenny-m"] == "not_read"
    assert ignored["MedicationAdministration/cancer-related-medication-admin-doxorubicin-jenny-m"] == (
        "administration"
    )
    used = {u.resource: u.used_as for u in report.used}
    assert used["Observation/tnm-pathologic-stage-group-jenny-m"] == "stage"
    assert used["Condition/primary-cancer-condition-jenny-m"] == "diagnosis"


def test_second_opinion_bundle_compares_two_clinicians_oldest_first() -> None:
    comparison = READER.read_bundle(json.dumps(b.second_opinion()).encode(), RULES)
    first, second = comparison.request.opinions
    assert first.treatment is not None and second.treatment is not None
    assert first.clinician.specialty == "medical_oncology"
    assert [m.value for m in first.treatment.modalities] == ["surgery", "chemotherapy", "hormone_therapy"]
    assert first.treatment.intent is not None and first.treatment.intent.value == "curative"
    assert second.clinician.specialty == "surgical_oncology"
    assert second.diagnosis.cancer_type.value == "breast"
    assert [m.value for m in second.treatment.modalities] == ["chemotherapy", "surgery"]
    assert second.treatment.intent is None
    statuses = {o.clinician: (o.status, o.missing) for o in comparison.report.opinions}
    assert statuses[b.KYLE] == ("incomplete", ["diagnosis.cancer_type"])
    assert statuses[b.RIVERA][0] == "compared"


def test_sub_stages_reach_the_contract_as_sub_stages_and_nothing_is_guessed() -> None:
    """IIB and IIIC are sent as they are (never cut to II / III); what FHIR does not say stays omitted."""
    comparison = READER.read_bundle(json.dumps(b.second_opinion()).encode(), RULES)
    owen, rivera = comparison.request.opinions
    assert (owen.diagnosis.stage, rivera.diagnosis.stage) == ("IIB", "IIIC")
    sent = comparison.request.model_dump(exclude_unset=True)
    for facts in ("records_shared", "tumor_board_reviewed", "treatment_started", "coverage"):
        assert facts not in sent
    for opinion in sent["opinions"]:
        assert "tumor_focus" not in opinion["clinician"] and "explained_reasoning" not in opinion


def test_plan_order_gives_the_sequence_when_there_are_no_dates() -> None:
    rivera = next(o for o in derived(b.second_opinion()) if o.clinician == b.RIVERA)
    assert rivera.sequence == ("chemotherapy", "surgery")
    assert rivera.stage == "IIIC"


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Stage IIB", "IIB"),
        ("AJCC stage 2b", "IIB"),
        ("American Joint Committee on Cancer stage IIIC (qualifier value)", "IIIC"),
        ("IV", "IV"),
        ("stage 0", "0"),
        ("Stage 0A", "0a"),
        ("stage 0is", "0is"),
        ("Stage IIIC1", "IIIC1"),
        ("AJCC stage 1a2", "IA2"),
        ("Stage 0B", None),
        ("Stage II1", None),  # a number only after a letter
        ("Stage IIC4", None),
        ("Stage IIAB", None),
        ("Stage IID", None),
        ("T2N0M0", None),
        ("stage II or III", None),
    ],
)
def test_stage_text(text: str, label: str | None) -> None:
    from service.integrations.fhir.codes import stage_text

    assert stage_text(READER.mapping, text) == label


def test_one_clinicians_disagreeing_treatment_codes_leave_treatment_unknown() -> None:
    unknown_drug = {
        "resourceType": "MedicationRequest",
        "id": "unknown-drug",
        "status": "active",
        "intent": "order",
        "subject": b.ref(b.PATIENT),
        "requester": b.ref(b.OWEN),
        "medicationCodeableConcept": b.concept(b.RXN, "999999"),
    }
    owen = derived(b.with_resources(b.jenny(), unknown_drug))[0]
    assert owen.modalities is None and owen.sequence is None


def test_resources_of_another_patient_or_entered_in_error_are_ignored() -> None:
    other = b.condition("other-dx", b.OWEN, b.ICD, "C61")
    other["subject"] = b.ref("Patient/someone-else")
    wrong = b.condition("wrong-dx", b.OWEN, b.ICD, "C34.90")
    wrong["verificationStatus"] = b.concept(
        "http://terminology.hl7.org/CodeSystem/condition-ver-status", "entered-in-error"
    )
    data = b.with_resources(b.jenny(), other, wrong)
    resources = fhir_bundle.parse_bundle(json.dumps(data).encode())
    found = evidence.collect(READER.mapping, resources)
    assert ("Condition/other-dx", "other_patient") in found.ignored
    assert ("Condition/wrong-dx", "not_current") in found.ignored
    assert found.clinicians[b.OWEN].diagnoses[0].code == "breast"


def test_a_condition_without_asserter_is_no_ones_opinion() -> None:
    anonymous = b.condition("anon", b.OWEN, b.ICD, "C61")
    del anonymous["asserter"]
    resources = fhir_bundle.parse_bundle(json.dumps(b.with_resources(b.jenny(), anonymous)).encode())
    assert ("Condition/anon", "no_clinician") in evidence.collect(READER.mapping, resources).ignored


@pytest.mark.parametrize(
    ("body", "field", "reason"),
    [
        (b"[1", "body", "is not valid JSON"),
        (b'{"resourceType": "Patient"}', "resourceType", "must be Bundle"),
        (
            json.dumps(b.bundle({"resourceType": "NoSuchThing", "id": "SECRET"})).encode(),
            "entry[0].resource.resourceType",
            "is not a FHIR R4 resource type",
        ),
        (
            json.dumps(
                b.bundle({**b.condition("c", b.OWEN, b.ICD, "C50"), "onsetDateTime": "SECRET"})
            ).encode(),
            "entry[0].resource(Condition).onsetDateTime",
            None,
        ),
        (
            json.dumps(b.bundle({**b.condition("c", b.OWEN, b.ICD, "C50"), "SECRET": 1})).encode(),
            "entry[0].resource(Condition).SECRET",
            "unknown element",
        ),
    ],
)
def test_bad_fhir_names_the_element_never_the_value(body: bytes, field: str, reason: str | None) -> None:
    with pytest.raises(FhirInvalid) as caught:
        READER.read_bundle(body, RULES)
    error = caught.value.errors[0]
    assert error.field == field
    assert reason is None or error.reason == reason
    assert "SECRET" not in error.reason


def test_entry_count_is_bounded() -> None:
    many = b.bundle(*[b.practitioner(f"p{i}") for i in range(3)])
    with pytest.raises(FhirInvalid) as caught:
        fhir_bundle.parse_bundle(json.dumps(many).encode(), max_entries=2)
    assert caught.value.errors[0].field == "entry"


def test_two_patients_in_one_bundle_are_refused() -> None:
    two = b.bundle({"resourceType": "Patient", "id": "a"}, {"resourceType": "Patient", "id": "b"})
    with pytest.raises(FhirInvalid):
        READER.read_bundle(json.dumps(two).encode(), RULES)


def test_fixture_is_the_transcribed_hl7_example() -> None:
    assert Path(b.JENNY).with_name("README.md").read_text().count("CC0-1.0") == 1


def test_subtypes_and_new_types_reach_the_contract_as_catalog_codes() -> None:
    """AML (ICD-10-CM C92.0) is sent as aml, liver cancer (C22.0) as liver; diagnosis-only reads (a
    pathologist's, a radiologist's: no treatment) are opinions without treatment."""
    doctors = [f"Practitioner/d{n}" for n in (1, 2)]
    resources: list[dict[str, Any]] = [{"resourceType": "Patient", "id": "cancer-patient-jenny-m"}]
    for n, (doctor, code) in enumerate(zip(doctors, ("C92.00", "C22.0"), strict=True)):
        resources += [
            b.practitioner(doctor.split("/")[1]),
            b.role(f"r{n}", doctor, "http://nucc.org/provider-taxonomy", "207RH0003X"),
            b.condition(f"c{n}", doctor, b.ICD, code),
            b.careplan(f"p{n}", doctor, "367336001"),
        ]
    comparison = READER.read_bundle(json.dumps(b.bundle(*resources)).encode(), RULES)
    aml, liver = comparison.request.opinions
    assert (aml.diagnosis.cancer_type, liver.diagnosis.cancer_type) == ("aml", "liver")
    assert aml.treatment is not None and liver.treatment is not None
    resources = [r for r in resources if r["resourceType"] != "CarePlan"]  # the same reads, diagnosis only
    reads = READER.read_bundle(json.dumps(b.bundle(*resources)).encode(), RULES).request.opinions
    assert [(o.diagnosis.cancer_type, o.treatment) for o in reads] == [("aml", None), ("liver", None)]
