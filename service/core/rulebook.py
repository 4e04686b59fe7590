"""Everything read from one rules directory: the catalog, the recommender and the codes requests may use.

An app holds one RuleBook (`app.state.rules`), built from its settings. A rules reload or a catalog per
health system swaps or picks a whole RuleBook, so the codes accepted and the rules that answer always match.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from service.core.catalog import Catalog
from service.core.models import RecommendationRequest
from service.core.recommender import Recommender
from service.core.vocabulary import Vocabulary


@dataclass(frozen=True)
class RuleBook:
    recommender: Recommender
    vocabulary: Vocabulary

    @classmethod
    def load(
        cls, rules_dir: Path, timer: Callable[[], AbstractContextManager[object]] = nullcontext
    ) -> RuleBook:
        """Read and check rules_dir and start its engine (each evaluation wrapped in `timer`)."""
        recommender = Recommender.load(rules_dir, timer)
        return cls(recommender, Vocabulary.of(recommender.catalog))

    @property
    def catalog(self) -> Catalog:
        return self.recommender.catalog

    def parse(self, data: Any) -> RecommendationRequest:
        """A request body (parsed JSON) checked against this rule book's codes; raises ValidationError."""
        with self.vocabulary.bound():
            return RecommendationRequest.model_validate(data)
