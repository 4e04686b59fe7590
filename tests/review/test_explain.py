"""The rule explainer reads any rule the loader accepts, including operators and facts it has no words for."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from service.core.catalog import load_catalog
from service.core.ruleset import load_ruleset
from service.review.explain import RuleExplainer
from tests.support.paths import RULES


def explain(tmp_path: Path, stage: str, rule: dict[str, Any]) -> str:
    """Explain one rule loaded, with the real ones, from a copy of rules/."""
    import shutil

    root = tmp_path / "rules"
    shutil.copytree(RULES, root)
    (root / "ruleset" / "99-extra.yaml").write_text(yaml.safe_dump({"stage": stage, "rules": [rule]}))
    catalog = load_catalog(root)
    loaded = load_ruleset(root, catalog) if rule["then"]["action"] not in ("recommend", "adjust") else None
    assert loaded is not None, "only derive and withdraw rules need no reason text here"
    return RuleExplainer(catalog).explain(loaded.by_id[rule["id"]]).text


@pytest.mark.parametrize(
    ("stage", "rule", "text"),
    [
        (
            "derive",
            {
                "id": "either_curative_or_many",
                "when": {
                    "all": [
                        {"c": {"$and": [{"t": "case"}, {"$gte": {"opinions": 4}}]}},
                        {
                            "o": {
                                "$and": [{"t": "opinion"}, {"$or": [{"intent": "curative"}, {"stage": "IV"}]}]
                            }
                        },
                    ]
                },
                "then": {"action": "derive", "fact": {"t": "signal", "kind": "watch"}},
            },
            "When the number of opinions is at least 4 and there is an opinion either whose treatment goal "
            "is “curative” or whose stage is “IV” → note that there is a signal fact (kind “watch”)",
        ),
        (
            "derive",
            {
                "id": "urgent_unknown_stage",
                "when": {
                    "all": [
                        {"c": {"$and": [{"t": "case"}, {"time_sensitive": True}]}},
                        {"o": {"$and": [{"t": "opinion"}, {"stage": "unknown"}]}},
                    ]
                },
                "then": {
                    "action": "derive",
                    "fact": {"t": "gap", "kind": "stage_missing", "cancer_type": "none"},
                },
            },
            "When a doctor said decisions are urgent and there is an opinion whose stage is not given "
            "→ note that there is a gap (cancer type “none”, kind “stage missing”)",
        ),
        (
            "adjust",
            {
                "id": "clinical_trials_withdrawn_when_done",
                "when": {
                    "all": [
                        {"s": {"$and": [{"t": "step"}, {"code": "clinical_trials"}]}},
                        {"d": {"$and": [{"t": "completed"}, {"code": "clinical_trials"}]}},
                    ]
                },
                "then": {"action": "withdraw", "step": "s"},
            },
            "When “Ask if a clinical trial could be an option” is on the list and the patient has already "
            "done “Ask if a clinical trial could be an option” → take “Ask if a clinical trial could be an "
            "option” off the list",
        ),
    ],
)
def test_rules_it_has_no_special_words_for_still_read_plainly(
    tmp_path: Path, stage: str, rule: dict[str, Any], text: str
) -> None:
    assert explain(tmp_path, stage, rule) == text


def test_every_shipped_rule_reads_as_a_sentence() -> None:
    catalog = load_catalog(RULES)
    explainer = RuleExplainer(catalog)
    for rule in load_ruleset(RULES, catalog).rules:
        text = explainer.explain(rule).text
        assert text.startswith("When ") and text.count(" → ") == 1, rule.id
        assert "$" not in text and "{" not in text and "_" not in text.replace(rule.id, ""), text
