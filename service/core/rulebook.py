"""Everything read from one rules directory: the catalog, the recommender and the codes requests may use.

An app holds one RuleBook at a time (`app.state.live_rules.current`), built from its settings. A rules reload
or a catalog per health system swaps or picks a whole RuleBook, so the codes accepted and the rules that
answer always match.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from service.core.catalog import Catalog
from service.core.models import RecommendationRequest
from service.core.recommender import RULESET_NAME, Recommender
from service.core.vocabulary import Vocabulary


@dataclass(frozen=True)
class RuleBook:
    recommender: Recommender
    vocabulary: Vocabulary
    # What the layers above read from the same directory (the app's FHIR tables, card words and handout
    # words: service/integrations/companions.py), checked and swapped with the rules; None when unused.
    companions: object = None

    @classmethod
    def load(
        cls,
        rules_dir: Path,
        timer: Callable[[], AbstractContextManager[object]] = nullcontext,
        name: str = RULESET_NAME,
        companions: Callable[[RuleBook], object] | None = None,
    ) -> RuleBook:
        """Read and check rules_dir and start its engine as ruleset `name` (each evaluation wrapped in
        `timer`), then load its `companions` from it; raises RuleFileError (the engine ruleset freed)."""
        recommender = Recommender.load(rules_dir, timer, name)
        book = cls(recommender, Vocabulary.of(recommender.catalog))
        if companions is None:
            return book
        try:
            return replace(book, companions=companions(book))
        except BaseException:
            book.close()
            raise

    @property
    def revision(self) -> str:
        """The sha256 of every file read: rules, catalog, text and resources."""
        return self.recommender.ref.sha256

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
