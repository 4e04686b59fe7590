"""Route dependencies, as Annotated aliases so route signatures read like prose.

They are `async def` although none awaits: FastAPI runs a plain `def` dependency in a worker thread.
Those hops (five per recommendation) took about 15% of a worker's time under load (py-spy), more than
half of what the rules engine took then.
"""

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, Header, HTTPException, Request

from service.answering import Answering
from service.auth.clients import Client, Scope
from service.auth.middleware import REALM
from service.core.live_rules import LiveRules
from service.core.recommender import Recommender
from service.core.rulebook import RuleBook
from service.decisions.exceptions import StoreOff
from service.decisions.group_commit import CommitGate
from service.decisions.service import DecisionLog
from service.handout.labels import Labels
from service.integrations.companions import Companions
from service.integrations.fhir.reader import FhirReader
from service.web.timeout import GATE


async def get_rules(request: Request) -> AsyncIterator[RuleBook]:
    """The app's rule book (catalog, recommender, codes) in use when the request started, built from its
    settings (service/main.py): held until the request ends, so a reload never changes it midway."""
    live: LiveRules = request.app.state.live_rules
    rules = live.acquire()
    try:
        yield rules
    finally:
        live.release(rules)


async def get_live_rules(request: Request) -> LiveRules:
    """The rule book in use and its reload (service/core/live_rules.py)."""
    live: LiveRules = request.app.state.live_rules
    return live


LiveRulesDep = Annotated[LiveRules, Depends(get_live_rules)]


RulesDep = Annotated[RuleBook, Depends(get_rules)]


async def get_recommender(rules: RulesDep) -> Recommender:
    return rules.recommender


RecommenderDep = Annotated[Recommender, Depends(get_recommender)]


async def get_companions(rules: RulesDep) -> Companions:
    """The FHIR tables, card words and handout words loaded with the request's rule book."""
    return Companions.of(rules)


CompanionsDep = Annotated[Companions, Depends(get_companions)]


async def get_fhir_reader(companions: CompanionsDep) -> FhirReader:
    return companions.fhir


FhirReaderDep = Annotated[FhirReader, Depends(get_fhir_reader)]


AcceptLanguage = Annotated[
    str | None,
    Header(
        description="Preferred languages for patient-facing text (`en`, `es`); English when none fits.",
        examples=["es-MX,es;q=0.9,en;q=0.5"],
    ),
]


async def get_caller(request: Request) -> Client:
    """Who is calling (id, scopes, `owner`): the client the authentication middleware let in
    (service/auth/middleware.py); with authentication off, DECISION_DEFAULT_CLIENT with every scope.
    The one place that reads it from the request."""
    client: Client | None = request.scope.get("state", {}).get("client")
    if client is None:  # a public route asked for a caller: there is none
        raise HTTPException(401, "Send a credential.", headers={"WWW-Authenticate": REALM})
    return client


Caller = Annotated[Client, Depends(get_caller)]


class ScopeRequired:
    """A route dependency refusing (403) a client without `scope`; `admin` holds every scope."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope

    async def __call__(self, client: Caller) -> Client:
        if not client.has(self.scope):
            raise HTTPException(
                403,
                f"This operation needs the `{self.scope}` scope, which this client lacks.",
                headers={"WWW-Authenticate": f'{REALM}, error="insufficient_scope", scope="{self.scope}"'},
            )
        return client


def require_scope(scope: Scope) -> Any:
    """`dependencies=[require_scope("recommend")]` on a route,
    or a parameter `client: Annotated[Client, require_scope("decisions:read")]`."""
    return Depends(ScopeRequired(scope))


async def get_answering(request: Request) -> Answering:
    """The one way to answer (service/answering.py): every entry point hands its comparisons to it."""
    answering: Answering = request.app.state.answering
    return answering


AnsweringDep = Annotated[Answering, Depends(get_answering)]


async def get_commit_gate(request: Request) -> CommitGate | None:
    """This request's commit gate (service.web.timeout): its decisions are committed only while the
    request still waits for them, and then always answered."""
    gate: CommitGate | None = getattr(request.state, GATE, None)
    return gate


CommitGateDep = Annotated[CommitGate | None, Depends(get_commit_gate)]


async def get_decision_log(request: Request) -> DecisionLog | None:
    """The decision log, or None when DECISION_STORE=off."""
    log: DecisionLog | None = request.app.state.decisions
    return log


DecisionLogDep = Annotated[DecisionLog | None, Depends(get_decision_log)]


async def require_decision_log(request: Request) -> DecisionLog:
    """The decision log; the decision endpoints answer 503 when DECISION_STORE=off."""
    log: DecisionLog | None = request.app.state.decisions
    if log is None:
        raise StoreOff
    return log


DecisionsDep = Annotated[DecisionLog, Depends(require_decision_log)]


async def get_handout_labels(companions: CompanionsDep) -> dict[str, Labels]:
    """The handout's headings per language (service.handout.labels), loaded with the rule book."""
    return companions.handout_labels


HandoutLabelsDep = Annotated[dict[str, Labels], Depends(get_handout_labels)]
