"""What a handout shows, taken from one recorded decision: nothing is recomputed, so it matches the answer."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from service.core.models import NextStep, Resource
from service.decisions.schemas import RecordedRecommendation
from service.handout.labels import Labels


@dataclass(frozen=True)
class Handout:
    lang: str
    labels: Labels
    steps: list[NextStep]
    resources: list[Resource]  # every step's resources, each URL once, in rank order
    disclaimer: str
    date: str  # written out in the decision's language
    iso_date: str
    ruleset_version: str
    decision_id: uuid.UUID


def build_handout(body: bytes, lang: str, created_at: datetime, labels: Labels) -> Handout:
    """The handout of a stored answer (its exact JSON), in the language it was given in."""
    answer = RecordedRecommendation.model_validate_json(body)
    resources: dict[str, Resource] = {}
    for step in answer.next_steps:
        for resource in step.resources:
            resources.setdefault(resource.url, resource)
    return Handout(
        lang=lang,
        labels=labels,
        steps=sorted(answer.next_steps, key=lambda step: step.rank),
        resources=list(resources.values()),
        disclaimer=answer.disclaimer,
        date=labels.date(created_at.date()),
        iso_date=created_at.date().isoformat(),
        ruleset_version=answer.ruleset.version,
        decision_id=answer.decision_id,
    )
