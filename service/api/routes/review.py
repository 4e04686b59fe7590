"""The review API (admin): every rule in plain language with its reasons and covering scenarios, and the
scenario files; and, when REVIEW_PAGE=true, the review page itself with its own assets."""

from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from service.api.deps import RulesDep, require_scope
from service.config import Settings
from service.core.rulebook import RuleBook
from service.review.models import ExplainedRules, Scenarios
from service.review.report import Review, build_review
from service.web.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/v1/review", tags=["reference"], dependencies=[require_scope("admin")])
page = APIRouter(include_in_schema=False)
STATIC = Path(__file__).resolve().parent.parent.parent / "review" / "static"
ASSETS = "/review/assets"
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
ERRORS: dict[int | str, dict[str, Any]] = {status: PROBLEM_RESPONSES[status] for status in (422, 500)}


def _review(request: Request, rules: RuleBook) -> Review:
    """Built on first use and kept for the app's rule book (a rules reload swaps the book: built again)."""
    review: Review | None = getattr(request.app.state, "review", None)
    if review is None or review.rulebook is not rules:
        review = build_review(request.app.state.settings.rules_dir, rules)
        request.app.state.review = review
    return review


@router.get(
    "/rules",
    operation_id="review-rules",
    summary="Every rule in plain language, with its reasons and the scenarios that cover it",
    response_model=ExplainedRules,
    responses=ERRORS,
)
async def explained_rules(request: Request, rules: RulesDep) -> ExplainedRules:
    """For the clinicians who approve the rules: each rule's conditions and action in plain English,
    the reason it gives patients in every language, and the scenarios under rules/scenarios/ that make
    it fire. Generated from the loaded ruleset."""
    return _review(request, rules).rules


@router.get(
    "/scenarios",
    operation_id="review-scenarios",
    summary="The scenario files, each case with its request and expected answer",
    response_model=Scenarios,
    responses=ERRORS,
)
async def scenarios(request: Request, rules: RulesDep) -> Scenarios:
    """Every case of every file under rules/scenarios/, for loading into the review page's form."""
    return _review(request, rules).scenarios


@page.get("/review")
async def review_page() -> FileResponse:
    return FileResponse(STATIC / "review.html", headers={"Content-Security-Policy": PAGE_CSP})


def install_page(app: FastAPI, settings: Settings) -> None:
    """The page and its assets, only when REVIEW_PAGE=true."""
    if settings.review_page:
        app.mount(ASSETS, StaticFiles(directory=STATIC), name="review-assets")
        app.include_router(page)
