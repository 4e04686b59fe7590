"""Bodies of the review endpoints (admin scope): every rule explained, and the scenario files."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from service.core.models import RulesetRef


class ScenarioRef(BaseModel):
    file: str
    name: str


class ExplainedRuleEntry(BaseModel):
    id: str
    stage: str
    action: str
    file: str
    text: str = Field(description="The rule in plain English, generated from its conditions and action.")
    reasons: dict[str, str] = Field(
        description="The reason the rule gives a patient, by language; empty for rules that give none."
    )
    scenarios: list[ScenarioRef] = Field(description="Scenarios under rules/scenarios/ that make it fire.")


class ExplainedRules(BaseModel):
    ruleset: RulesetRef
    rules: list[ExplainedRuleEntry]


class ScenarioEntry(BaseModel):
    file: str
    name: str
    request: dict[str, Any] = Field(description="The request body, as in the scenario file.")
    expect: dict[str, Any]
    valid: bool = Field(description="False when this service refuses the request (422).")


class Scenarios(BaseModel):
    scenarios: list[ScenarioEntry]
