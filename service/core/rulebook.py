"""Everything read from one rules directory: the catalog, the recommender and the codes requests may use.

An app holds one RuleBook at a time (`app.state.live_rules.current`), built from its settings. A rules reload
or a catalog per health system swaps or picks a whole RuleBook, so the codes accepted and the rules that
answer always match.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from service.core.catalog import DEFAULT_LANG, Catalog
from service.core.models import RecommendationRequest, RecommendationResponse, TenantRef
from service.core.recommender import RULESET_NAME, Recommender
from service.core.tenants import Tenant, read_tenants
from service.core.vocabulary import Vocabulary


@dataclass(frozen=True)
class RuleBook:
    recommender: Recommender
    vocabulary: Vocabulary
    # Per-tenant overrides (service/core/tenants.py), read with the rules so a reload swaps both at once.
    tenants: Mapping[str, Tenant] = field(default_factory=dict)
    # What the layers above read from the same directory (the app's FHIR tables, card words and handout
    # words: service/integrations/companions.py), checked and swapped with the rules; None when unused.
    companions: object = None

    @classmethod
    def load(
        cls,
        rules_dir: Path,
        timer: Callable[[], AbstractContextManager[object]] = nullcontext,
        name: str = RULESET_NAME,
        tenants_dir: Path | None = None,
        companions: Callable[[RuleBook], object] | None = None,
    ) -> RuleBook:
        """Read and check rules_dir and the tenant overrides in tenants_dir (None: none), start its
        engine as ruleset `name` (each evaluation wrapped in `timer`), then load its `companions` from it;
        raises RuleFileError (the engine ruleset freed)."""
        recommender = Recommender.load(rules_dir, timer, name)
        try:
            links = {str(link) for rule in recommender.ruleset.rules for link in _links(rule.then)}
            tenants = read_tenants(tenants_dir, recommender.catalog, links)
            book = cls(recommender, Vocabulary.of(recommender.catalog), tenants)
            return book if companions is None else replace(book, companions=companions(book))
        except BaseException:
            recommender.engine.close()
            raise

    @property
    def revision(self) -> str:
        """The sha256 of every file read: rules, catalog, text and resources; with tenant overrides, the
        sha256 over that and each tenant's id and overrides revision (so editing one changes it)."""
        rules = self.recommender.ref.sha256
        if not self.tenants:
            return rules
        digest = hashlib.sha256(rules.encode())
        for tenant_id in sorted(self.tenants):
            digest.update(f"\0{tenant_id}\0{self.tenants[tenant_id].sha256}".encode())
        return digest.hexdigest()

    @property
    def overrides(self) -> dict[str, str]:
        """Each tenant's overrides revision (the sha256 of its file), by tenant id."""
        return {tenant_id: tenant.sha256 for tenant_id, tenant in sorted(self.tenants.items())}

    def recommend(
        self, request: RecommendationRequest, lang: str = DEFAULT_LANG, tenant: str | None = None
    ) -> RecommendationResponse:
        """The rules' answer, then the tenant's view of it (never a change to the rules or the ranking)."""
        answer = self.recommender.recommend(request, lang)
        if tenant is None:
            return answer
        overrides = self.tenants[tenant]  # start-up and reloads refuse a client's tenant that is missing
        return answer.model_copy(
            update={
                "next_steps": overrides.view(answer.next_steps, self.catalog, lang),
                "tenant": TenantRef(id=tenant, overrides_sha256=overrides.sha256),
            }
        )

    def close(self) -> None:
        """Free its ruleset in the engine; only once no request holds this rule book."""
        self.recommender.engine.close()

    @property
    def catalog(self) -> Catalog:
        return self.recommender.catalog

    def parse(self, data: Any) -> RecommendationRequest:
        """A request body (parsed JSON) checked against this rule book's codes; raises ValidationError."""
        with self.vocabulary.bound():
            return RecommendationRequest.model_validate(data)


def _links(then: Mapping[str, Any]) -> list[Any]:
    """The resource keys a rule adds to a step (`params: {link: ...}`): a tenant may replace those too."""
    params = then.get("params") or {}
    links = params.get("link", []) if isinstance(params, dict) else []
    return links if isinstance(links, list) else [links]
