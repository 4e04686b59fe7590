"""CDS Hooks `patient-view`: the chart's FHIR resources in, cards in the reader's voice out, recorded."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response

from service.api.deps import (
    AcceptLanguage,
    AnsweringDep,
    Caller,
    CommitGateDep,
    CompanionsDep,
    FhirReaderDep,
    RulesDep,
    require_scope,
)
from service.api.routes.cds_hooks import CDS_PROBLEMS, CdsHooksRoute
from service.config import Settings, get_settings
from service.decisions.service import card_uuids
from service.integrations import patient_view
from service.integrations.cds_hooks import CdsResponse
from service.integrations.fhir.fetch import FhirServer, allowed
from service.integrations.fhir.gather import DataUnavailable, gather
from service.integrations.fhir.reader import TooFewOpinions
from service.integrations.patient_view import ClinicianVoice, PatientViewRequest
from service.web.problem_types import FHIR_DATA_UNAVAILABLE
from service.web.problems import PROBLEM_RESPONSES, problem
from service.web.telemetry import note_steps

router = APIRouter(prefix="/cds-services", tags=["cds-hooks"], route_class=CdsHooksRoute)


async def get_voice(companions: CompanionsDep) -> ClinicianVoice:
    return companions.voice


VoiceDep = Annotated[ClinicianVoice, Depends(get_voice)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


def _server(body: PatientViewRequest, settings: Settings) -> FhirServer | None:
    if body.fhirServer is None or not allowed(body.fhirServer, settings.cds_fhir_servers):
        return None
    token = body.fhirAuthorization.access_token if body.fhirAuthorization else None
    return FhirServer(body.fhirServer, token, settings.cds_fhir_timeout_seconds, settings.cds_fhir_max_bytes)


@router.post(
    f"/{patient_view.SERVICE_ID}",
    operation_id="cds-services-patient-view",
    summary="Call the patient-view CDS service",
    response_model=CdsResponse,
    response_model_exclude_none=True,
    responses={
        **CDS_PROBLEMS,
        412: {**PROBLEM_RESPONSES[400], "description": "No prefetch and no usable fhirServer: no data."},
        422: {**PROBLEM_RESPONSES[422], "description": "Invalid FHIR; `errors` names each element."},
    },
    dependencies=[require_scope("recommend")],
)
async def call_patient_view(
    body: PatientViewRequest,
    request: Request,
    response: Response,
    rules: RulesDep,
    answering: AnsweringDep,
    caller: Caller,
    gate: CommitGateDep,
    fhir: FhirReaderDep,
    voice: VoiceDep,
    settings: SettingsDep,
    accept_language: AcceptLanguage = None,
) -> Any:
    """Answer with one card per next step when the chart holds two or more complete opinions.

    The opinions come from the prefetch (or, for what it lacks, from `fhirServer` with
    `fhirAuthorization`), one per clinician, mapped by `rules/fhir/*.yaml`. Cards speak to a clinician
    when `userId` is a Practitioner, to the patient for a Patient or RelatedPerson. No cards when the
    chart does not hold two complete opinions; 412 when neither prefetch nor fhirServer gives the data.
    """
    patient_id = body.context.patientId
    try:
        resources = await gather(
            body.prefetch, patient_id, _server(body, settings), fhir.mapping, fhir.max_entries
        )
    except DataUnavailable as exc:
        return problem(FHIR_DATA_UNAVAILABLE, exc.reason)
    try:
        comparison = fhir.compare(resources, rules, patient_id=patient_id)
    except TooFewOpinions:
        return CdsResponse(cards=[])
    # answered and recorded like POST /v1/recommendations; the EHR's ids are not kept
    answered = await answering.answer_one(
        rules, comparison.request, caller.id, accept_language, gate=gate, tenant=caller.tenant
    )
    note_steps(request, answered.recommendation)
    response.headers["Content-Language"] = answered.lang
    response.headers["Vary"] = "Accept-Language"
    card_ids = None
    if answered.decision_id is not None:  # each card's uuid is derived from the decision's
        codes = [step.code for step in answered.recommendation.next_steps]
        card_ids = dict(zip(codes, map(str, card_uuids(answered.decision_id, codes)), strict=True))
    return patient_view.cards(
        answered.recommendation, body.audience, voice, answered.lang, settings.cds_source_url, card_ids
    )
