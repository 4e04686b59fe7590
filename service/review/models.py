"""Bodies of the review endpoints (admin scope): every rule explained, and the scenario files."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from service.core.models import RulesetRef


class ScenarioRef(BaseModel):
    file: str = Field(description="The scenario file under rules/scenarios/.")
    name: str = Field(description="The scenario's name in that file.")


class ExplainedRuleEntry(BaseModel):
    id: str = Field(description="The rule's id, as `Reason.rule` and `rules_fired` name it.")
    stage: str = Field(description="Which stage it runs in: derive, recommend or adjust.")
    action: str = Field(description="What it does when it fires: derive, recommend, adjust or withdraw.")
    file: str = Field(description="The rule file it is defined in.")
    text: str = Field(description="The rule in plain English, generated from its conditions and action.")
    reasons: dict[str, str] = Field(
        description="The reason the rule gives a patient, by language; empty for rules that give none."
    )
    scenarios: list[ScenarioRef] = Field(description="Scenarios under rules/scenarios/ that make it fire.")


class ExplainedRules(BaseModel):
    ruleset: RulesetRef = Field(description="The rules loaded.")
    rules: list[ExplainedRuleEntry] = Field(description="Every rule, in evaluation order, explained.")


class ScenarioEntry(BaseModel):
    file: str = Field(description="The scenario file under rules/scenarios/.")
    name: str = Field(description="The scenario's name in that file.")
    request: dict[str, Any] = Field(description="The request body, as in the scenario file.")
    expect: dict[str, Any] = Field(description="What the scenario expects, as in the file.")
    valid: bool = Field(description="False when this service refuses the request (422).")


class Scenarios(BaseModel):
    scenarios: list[ScenarioEntry] = Field(description="Every scenario, file by file.")
