"""Build the app: settings, rules, error mapping, limits, routes. Nothing else."""

from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware

from service.answering import Answering
from service.api.routes import (
    admin,
    batch,
    cds_hooks,
    decisions,
    docs,
    floor,
    handout,
    health,
    metrics,
    patient_view,
    recommendations,
    reference,
    review,
)
from service.auth import setup as auth_setup
from service.auth.middleware import Authenticate
from service.config import Settings, get_settings
from service.core.live_rules import LiveRules
from service.decisions.null_log import NullLog
from service.decisions.service import DecisionLog
from service.integrations.companions import Companions
from service.integrations.fhir import problems as fhir_problems
from service.openapi import document
from service.web import decision_problems, problems
from service.web.batch_slots import BatchSlots
from service.web.limits import BodyLimits, require_json
from service.web.metrics import ENGINE_SECONDS, observe_rules
from service.web.security_headers import SecurityHeaders
from service.web.telemetry import RequestTelemetry
from service.web.timeout import RequestTimeout
from service.web.vocabulary import BindVocabulary


def _observe_rules(live: LiveRules, previous: str | None, failed: bool) -> None:
    failure = live.last_failure
    observe_rules(live.current.revision, previous, failed, failure.at.timestamp() if failure else None)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(
        title="nextsteps",
        version="1.0.0",
        summary="Ranked, explained next steps when cancer second opinions differ.",
        description=(
            "Information for a conversation with the care team, never medical advice: "
            "no diagnosis and no treatment directive. Every answer carries a disclaimer."
        ),
        redirect_slashes=False,  # a redirect would be absolute, built from the caller's Host: 404 instead
        docs_url=None,  # served by service.api.routes.docs from shipped assets
        redoc_url=None,
    )
    app.state.settings = settings
    # The rule book in use, swapped whole on a reload (service/core/live_rules.py).
    # The FHIR tables, card words and handout words load, check and swap with it.
    companions = Companions.loader(settings.rules_dir, settings.max_fhir_entries)
    app.state.live_rules = live = LiveRules(
        settings.rules_dir, ENGINE_SECONDS.time, _observe_rules, settings.tenants_dir, companions
    )
    # Every tenant a client belongs to has its overrides file, now and after every reload.
    clients = auth_setup.registry(settings)
    live.required_tenants = auth_setup.tenants_in_use(settings, clients, live.current.tenants)
    app.state.public_base_url = settings.public_base_url  # every absolute URL the service writes starts here
    app.state.decisions = DecisionLog.from_settings(settings) if settings.decision_store == "on" else None
    app.state.answering = Answering(app.state.decisions or NullLog())
    problems.install(app)
    decision_problems.install(app)
    fhir_problems.install(app)
    app.add_middleware(BindVocabulary, current=lambda: app.state.live_rules.current.vocabulary)
    app.add_middleware(
        BodyLimits,
        max_bytes=settings.max_body_bytes,
        max_batch_bytes=settings.max_batch_body_bytes,
        max_fhir_bytes=settings.max_fhir_body_bytes,
    )
    # A batch over this worker's batch slots is refused before its body is read.
    app.add_middleware(BatchSlots, slots=settings.max_batches_in_flight)
    # Who is calling is settled before any body is read; the time limit covers both.
    app.add_middleware(
        Authenticate,
        authenticator=auth_setup.authenticator(settings, clients),
        anonymous=settings.decision_default_client,
        tenant=settings.default_tenant,
    )
    app.add_middleware(RequestTimeout, seconds=settings.request_timeout_seconds)
    if settings.cors_origins:  # outermost, so refusals (413, 415) carry CORS headers too
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type", "Accept-Language", "Authorization", "Idempotency-Key"],
            expose_headers=["Content-Language", "Retry-After", "WWW-Authenticate", "Idempotent-Replayed"],
            max_age=600,
        )
    # Outside CORS and authentication, so refusals are logged and counted too.
    app.add_middleware(
        RequestTelemetry, ruleset_version=lambda: app.state.live_rules.current.recommender.ref.version
    )
    app.add_middleware(SecurityHeaders, hsts_max_age=settings.hsts_max_age_seconds)  # outermost
    # patient_view before cds_hooks: its fixed path must win over `/cds-services/{service_id}`.
    routers = (recommendations, batch, decisions, handout, reference, review, health, metrics)
    for module in (*routers, patient_view, cds_hooks):
        app.include_router(module.router, dependencies=[Depends(require_json)])
    app.include_router(admin.router)  # it reads no body, so it asks for no content type
    if settings.bench_floor:
        app.include_router(floor.router, dependencies=[Depends(require_json)])
    docs.install(app)
    review.install_page(app, settings)
    document.install(app)
    return app
