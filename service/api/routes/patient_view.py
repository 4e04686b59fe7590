"""CDS Hooks `patient-view`: the chart's FHIR resources in, cards in the reader's voice out, recorded."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from starlette.concurrency import run_in_threadpool

from service.api.deps import (
    AcceptLanguage,
    DecisionLogDep,
    FhirReaderDep,
    RecommenderDep,
    client_of,
    require_scope,
)
from service.api.routes.cds_hooks import CDS_PROBLEMS, CdsHooksRoute
from service.config import Settings, get_settings
from service.core.languages import choose
from service.decisions.service import card_uuid
from service.integrations import patient_view
from service.integrations.cds_hooks import CdsResponse
from service.integrations.fhir.fetch import FhirServer, allowed
from service.integrations.fhir.gather import DataUnavailable, gather
from service.integrations.fhir.reader import TooFewOpinions
from service.integrations.patient_view import ClinicianVoice, PatientViewRequest
from service.web.problems import PROBLEM_RESPONSES, problem

router = APIRouter(prefix="/cds-services", tags=["cds-hooks"], route_class=CdsHooksRoute)


async def get_voice(request: Request) -> ClinicianVoice:
    voice: ClinicianVoice = request.app.state.clinician_voice
    return voice


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
    recommender: RecommenderDep,
    decisions: DecisionLogDep,
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
        return problem(412, "fhir-data-unavailable", "FHIR data unavailable", exc.reason)
    try:
        comparison = fhir.compare(resources, patient_id=patient_id)
    except TooFewOpinions:
        return CdsResponse(cards=[])
    lang = choose(None, accept_language, recommender.catalog.texts)
    response.headers["Content-Language"] = lang
    response.headers["Vary"] = "Accept-Language"
    answer = recommender.recommend(comparison.request, lang)
    card_ids = None
    if decisions is not None:  # recorded like POST /v1/recommendations; the EHR's ids are not kept
        raw = comparison.request.model_dump_json(exclude_none=True).encode()
        stored = await run_in_threadpool(decisions.record, answer, raw, client_of(request), None, lang)
        card_ids = {s.code: str(card_uuid(stored.decision_id, s.code)) for s in answer.next_steps}
    return patient_view.cards(answer, body.audience, voice, lang, settings.cds_source_url, card_ids)
