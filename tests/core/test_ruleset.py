"""The rule loader refuses what would crash or mislead the engine, naming the file and the rule."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from service.core.catalog import load_catalog
from service.core.exceptions import RuleFileError
from service.core.ruleset import load_ruleset
from tests.support.paths import RULES
from tests.support.server import start_refused

RECOMMEND = "ruleset/20-recommend.yaml"
ADJUST = "ruleset/30-adjust.yaml"


def rules_copy(tmp_path: Path, file: str, old: str, new: str) -> Path:
    root = tmp_path / "rules"
    shutil.copytree(RULES, root)
    path = root / file
    text = path.read_text()
    assert old in text, f"{old!r} not in {file}"
    path.write_text(text.replace(old, new, 1))
    return root


def load(root: Path) -> None:
    load_ruleset(root, load_catalog(root))


URGENT = "    then: {action: recommend, step: ask_if_safe_to_wait, weight: 1000}"
URGENT_WHEN = "        - c: {$and: [{t: case}, {time_sensitive: true}]}"

BAD_RULES = [
    pytest.param(
        RECOMMEND,
        URGENT_WHEN,
        "        - c: {$and: [{t: case}, {$like: {time_sensitive: true}}]}",
        "urgent_and_differ",
        "unknown operator '$like'",
        id="unknown-operator",
    ),
    pytest.param(
        ADJUST,
        "        - c: {$and: [{t: case}, {$gte: {opinions: 3}}]}\n        - d: {t: discordance}",
        "        - d: {t: discordance}\n        - c: {$and: [{t: case}, {$gte: {opinions: {s: weight}}}]}",
        "many_opinions_research_first",
        "cross-fact $gte",
        id="cross-fact-inequality",
    ),
    pytest.param(
        RECOMMEND,
        "  - id: differ_support_groups",
        "  - id: differ_joint_review",
        "differ_joint_review",
        "duplicate rule id",
        id="duplicate-id",
    ),
    pytest.param(
        RECOMMEND,
        "    then: {action: conclude, consensus: agree}",
        "    then: {action: conclude, consensus: probably}",
        "consensus_agree",
        "'consensus' must be one of agree, disagree, uncertain",
        id="unknown-consensus",
    ),
    pytest.param(
        RECOMMEND,
        URGENT,
        "    then: {action: email_doctor, step: ask_if_safe_to_wait}",
        "urgent_and_differ",
        "unknown action 'email_doctor'",
        id="unknown-action",
    ),
    pytest.param(
        RECOMMEND,
        URGENT,
        URGENT + "\n    pri: -5",
        "urgent_and_differ",
        "'pri' must be an integer",
        id="negative-priority",
    ),
    pytest.param(
        RECOMMEND,
        URGENT,
        URGENT + "\n    pri: high",
        "urgent_and_differ",
        "'pri' must be an integer",
        id="text-priority",
    ),
    pytest.param(
        RECOMMEND,
        URGENT,
        URGENT + "\n    pri: 70000",
        "urgent_and_differ",
        "'pri' must be an integer",
        id="priority-too-large",
    ),
    pytest.param(
        RECOMMEND,
        URGENT_WHEN,
        '        - c: {$and: [{t: case}, {time_sensitive: "false"}]}',
        "urgent_and_differ",
        "'time_sensitive' is bool",
        id="loose-boolean",
    ),
    pytest.param(
        ADJUST,
        "{$gte: {opinions: 3}}",
        '{$gte: {opinions: "3"}}',
        "many_opinions_research_first",
        "'opinions' is int",
        id="loose-number",
    ),
    pytest.param(
        RECOMMEND,
        URGENT_WHEN,
        "        - c: {$and: [{t: case}, {urgent: true}]}",
        "urgent_and_differ",
        "has no field 'urgent'",
        id="unknown-field",
    ),
    pytest.param(
        RECOMMEND,
        URGENT_WHEN,
        "        - c: {t: patient}",
        "urgent_and_differ",
        "fact type 'patient' is not available",
        id="unknown-fact-type",
    ),
    pytest.param(
        RECOMMEND,
        URGENT_WHEN,
        URGENT_WHEN + "\n        - x$not: {t: step}",
        "urgent_and_differ",
        "negated fact type 'step'",
        id="negation-within-stage",
    ),
    pytest.param(
        RECOMMEND,
        URGENT,
        "    then: {action: recommend, step: pray, weight: 1000}",
        "urgent_and_differ",
        "unknown step 'pray'",
        id="unknown-step",
    ),
    pytest.param(
        RECOMMEND,
        URGENT,
        "    then: {action: adjust, step: c, by: 5}",
        "urgent_and_differ",
        "not allowed in stage 'recommend'",
        id="action-in-wrong-stage",
    ),
    pytest.param(
        RECOMMEND,
        URGENT,
        URGENT + "\n    colour: red",
        "urgent_and_differ",
        "unknown key(s): colour",
        id="unknown-key",
    ),
    pytest.param(
        RECOMMEND,
        "  - id: urgent_and_differ",
        "  - id: urgent_and_differs",
        "urgent_and_differs",
        "no reason text",
        id="missing-reason-text",
    ),
    pytest.param(
        ADJUST,
        "{code: {s: code}}",
        "{code: {q: code}}",
        "completed_step_withdrawn",
        "reference to 'q'",
        id="unknown-alias",
    ),
    pytest.param(
        RECOMMEND,
        "        - c: {t: case}\n",
        "        - c: {t: case, opinions: 2}\n",
        "opinions_agree",
        "exactly one key",
        id="two-keys-in-one-condition",
    ),
]


@pytest.mark.parametrize(("file", "old", "new", "rule", "reason"), BAD_RULES)
def test_bad_rule_is_refused_naming_file_and_rule(
    tmp_path: Path, file: str, old: str, new: str, rule: str, reason: str
) -> None:
    root = rules_copy(tmp_path, file, old, new)
    with pytest.raises(RuleFileError) as caught:
        load(root)
    message = str(caught.value)
    assert reason in message
    assert f"rule {rule!r}" in message
    assert caught.value.file in (file, "text/en.yaml")


def test_invalid_yaml_names_the_file(tmp_path: Path) -> None:
    root = rules_copy(tmp_path, ADJUST, "stage: adjust", "stage: [adjust")
    with pytest.raises(RuleFileError, match=r"ruleset/30-adjust.yaml: is not valid YAML"):
        load(root)


def test_the_shipped_rules_load() -> None:
    catalog = load_catalog(RULES)
    ruleset = load_ruleset(RULES, catalog)
    assert len(ruleset.rules) == len(ruleset.by_id) > 10


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        (
            RECOMMEND,
            URGENT,
            "    then: {action: email_doctor, step: ask_if_safe_to_wait}",
            "ruleset/20-recommend.yaml: rule 'urgent_and_differ': unknown action 'email_doctor'",
        ),
        ("catalog.yaml", "  - code: other\n", "  - code: Other\n", "catalog.yaml: entry 'Other'"),
    ],
    ids=["bad-rule-file", "bad-catalog"],
)
def test_the_service_does_not_start_with_a_bad_file(
    tmp_path: Path, file: str, old: str, new: str, message: str
) -> None:
    root = rules_copy(tmp_path, file, old, new)
    result = start_refused({"RULES_DIR": str(root)})
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_more_rules_in_one_stage_than_the_engine_links_are_refused(tmp_path: Path) -> None:
    """Each stage's rules share its phase condition; durable-rules links one condition to 256 joins."""
    root = tmp_path / "rules"
    shutil.copytree(RULES, root)
    rules = [
        {
            "id": f"extra_{i}",
            "when": {"all": [{"a": {"$and": [{"t": "opinion"}, {"cancer_type": f"x{i}"}]}}]},
            "then": {"action": "derive", "fact": {"t": "extra", "n": str(i)}},
        }
        for i in range(260)
    ]
    (root / "ruleset" / "11-extra.yaml").write_text(yaml.safe_dump({"stage": "derive", "rules": rules}))
    shipped = len(yaml.safe_load((RULES / "ruleset" / "10-derive.yaml").read_text())["rules"])
    first_extra = 256 - shipped
    with pytest.raises(
        RuleFileError,
        match=rf"ruleset/11-extra.yaml: rule 'extra_{first_extra}': stage 'derive' has {260 + shipped} rules",
    ):
        load(root)


def test_more_conditions_on_one_fact_type_than_the_engine_builds_are_refused(tmp_path: Path) -> None:
    """durable-rules never returns from building a ruleset with more than 512 tests under one node."""
    root = tmp_path / "rules"
    shutil.copytree(RULES, root)
    then = {
        "derive": {"action": "derive", "fact": {"t": "extra", "n": "x"}},
        "recommend": {"action": "recommend", "step": "support_groups", "weight": 1},
        "adjust": {"action": "withdraw", "step": "s"},
    }
    reasons = {}
    for stage, count in (("derive", 230), ("recommend", 210), ("adjust", 100)):
        rules = []
        for i in range(count):
            conditions: list[dict[str, Any]] = [
                {"a": {"$and": [{"t": "opinion"}, {"cancer_type": f"{stage}{i}"}]}}
            ]
            if stage == "adjust":
                conditions.append({"s": {"t": "step"}})
            rules.append({"id": f"{stage}_{i}", "when": {"all": conditions}, "then": then[stage]})
            if stage == "recommend":
                reasons[f"{stage}_{i}"] = "x"
        (root / "ruleset" / f"x-{stage}.yaml").write_text(yaml.safe_dump({"stage": stage, "rules": rules}))
    for text in (root / "text").glob("*.yaml"):
        doc = yaml.safe_load(text.read_text())
        doc["reasons"].update(reasons)
        text.write_text(yaml.safe_dump(doc, allow_unicode=True))
    with pytest.raises(RuleFileError, match=r"more than 512 different conditions on fact type 'opinion'"):
        load(root)
