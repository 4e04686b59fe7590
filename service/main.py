"""Build the app: settings, rules, error mapping, limits, routes. Nothing else."""

from fastapi import FastAPI

from service import problems
from service.api.routes import health, metrics, recommendations, reference
from service.config import Settings, get_settings
from service.limits import BodyLimits
from service.recommender import Recommender
from service.telemetry import RequestTelemetry


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
    )
    app.state.recommender = Recommender.load(settings.rules_dir)
    problems.install(app)
    app.add_middleware(BodyLimits, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestTelemetry, ruleset_version=app.state.recommender.ref.version)
    for module in (recommendations, reference, health, metrics):
        app.include_router(module.router)
    return app
