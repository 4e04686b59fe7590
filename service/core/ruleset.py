"""Rule files under rules/ruleset/: read, checked against the engine's hazards, compiled.

A rule is durable-rules' own condition language (``when``) plus one of our
actions (``then``). Rules run in three stages, each started by a phase fact
once the stage before has finished, so a negated condition ("none$not") always
sees every fact an earlier stage could derive.

Refused at load, with the file and rule named:
- unknown keys, operators, fact types, fields, actions, steps or aliases;
- a value of the wrong type for its field (the engine compares loosely);
- a cross-fact $lt/$lte/$gt/$gte (durable-rules 2.0.28 segfaults when it is false);
- a priority that is not an integer in 0..65535 (the engine reads an unsigned short);
- duplicate rule ids, and a rule with no reason text in some language.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from service.core.catalog import Catalog, read_yaml
from service.core.exceptions import RuleFileError
from service.core.facts import INPUT_SCHEMA, PHASE_SCHEMA, STEP_SCHEMA

STAGES = ("derive", "recommend", "adjust")
STAGE_ACTIONS = {
    "derive": {"derive"},
    "recommend": {"recommend", "conclude"},
    "adjust": {"adjust", "withdraw"},
}
CONSENSUS = ("agree", "disagree", "uncertain")
ACTIONS_WITH_REASON = {"recommend", "adjust"}
STAGE_GATE = "stage_gate"
RULE_ID = re.compile(r"^[a-z][a-z0-9_]*$")
ALIAS = re.compile(r"^[a-z][a-z0-9_]*(\$not)?$")
LOGICAL = {"$and", "$or"}
COMPARE = {"$neq", "$lt", "$lte", "$gt", "$gte"}
INEQUALITY = {"$lt", "$lte", "$gt", "$gte"}
EXISTS = {"$ex", "$nex"}
RULE_KEYS = {"id", "when", "then", "pri", "description"}
MAX_PRI = 65535
# Every rule of a stage waits on the stage's phase fact, and durable-rules links
# one condition to at most 256 joins (BETA_LIST_LENGTH; more fails with error 108).
MAX_RULES_PER_STAGE = 256
# durable-rules builds its network from the tests of each condition, after the fact-type test; with
# more than 512 distinct tests under one node, building the ruleset never returns (measured here).
# Counting every distinct condition of a fact type is a bound on that from above.
MAX_CONDITIONS_PER_FACT_TYPE = 512
DEFAULT_PRI = 100
THEN_KEYS = {
    "derive": {"action", "fact"},
    "recommend": {"action", "step", "weight", "params"},
    "conclude": {"action", "consensus"},
    "adjust": {"action", "step", "by", "params"},
    "withdraw": {"action", "step"},
}


@dataclass(frozen=True)
class Rule:
    id: str
    file: str
    order: int
    stage: str
    pri: int
    action: str
    then: dict[str, Any]
    aliases: dict[str, str]  # alias -> fact type, positive conditions only
    definition: dict[str, Any]  # what durable-rules receives


@dataclass
class Ruleset:
    rules: list[Rule]
    schema: dict[str, dict[str, type]]
    files: dict[str, bytes]  # relative path -> content, for the ruleset hash
    by_id: dict[str, Rule] = field(init=False)

    def __post_init__(self) -> None:
        self.by_id = {rule.id: rule for rule in self.rules}

    def definition(self) -> dict[str, dict[str, Any]]:
        """The ruleset as durable-rules takes it: rule id -> rule; the action is named by the rule id."""
        return {rule.id: copy.deepcopy(rule.definition) for rule in self.rules}


def fact_type_of(cond: Any) -> str | None:
    """The fact type a condition is about: its ``t`` equality, at the top or in a top-level $and."""
    if isinstance(cond, dict) and len(cond) == 1:
        ((key, value),) = cond.items()
        if key == "t" and isinstance(value, str):
            return value
        if key == "$and" and isinstance(value, list):
            for child in value:
                found = fact_type_of(child)
                if found:
                    return found
    return None


class _RuleChecker:
    """Checks one rule; every problem is raised as a RuleFileError naming file and rule."""

    def __init__(self, file: str, rule_id: str, schema: dict[str, dict[str, type]]) -> None:
        self.file, self.rule_id, self.schema = file, rule_id, schema

    def fail(self, reason: str) -> RuleFileError:
        return RuleFileError(self.file, self.rule_id, reason)

    def check_value(self, fact_type: str, fname: str, value: Any, aliases: dict[str, str], op: str) -> None:
        fields = {"t": str, **self.schema[fact_type]}
        if fname not in fields:
            raise self.fail(
                f"fact type {fact_type!r} has no field {fname!r} (fields: {', '.join(sorted(fields))})"
            )
        expected = fields[fname]
        if isinstance(value, dict):
            if len(value) != 1:
                raise self.fail(f"reference for {fname!r} must be one alias: field pair")
            ((alias, ref_field),) = value.items()
            if op in INEQUALITY:
                raise self.fail(
                    f"cross-fact {op} on {fname!r} is refused: durable-rules 2.0.28 crashes the process "
                    "when such a comparison is false"
                )
            if alias not in aliases:
                raise self.fail(
                    f"reference to {alias!r}, which is not an earlier positive alias in this rule"
                )
            ref_fields = self.schema[aliases[alias]]
            if ref_field not in ref_fields:
                raise self.fail(f"fact type {aliases[alias]!r} (alias {alias!r}) has no field {ref_field!r}")
            if ref_fields[ref_field] is not expected:
                raise self.fail(f"{fname!r} and {alias}.{ref_field} have different types")
            return
        if op in EXISTS:
            if value != 1 or isinstance(value, bool):
                raise self.fail(f"{op} takes the value 1")
            return
        if type(value) is not expected:
            raise self.fail(
                f"{fname!r} is {expected.__name__}, but the rule compares it with "
                f"{type(value).__name__} {value!r} (the engine would compare loosely)"
            )
        if op in INEQUALITY and expected is not int:
            raise self.fail(f"{op} is only allowed on integer fields, not {fname!r}")

    def check_condition(self, cond: Any, fact_type: str, aliases: dict[str, str]) -> None:
        if not isinstance(cond, dict) or len(cond) != 1:
            raise self.fail("each condition must be a mapping with exactly one key (use $and to combine)")
        ((key, value),) = cond.items()
        if key in LOGICAL:
            if not isinstance(value, list) or not value:
                raise self.fail(f"{key} takes a non-empty list of conditions")
            for child in value:
                self.check_condition(child, fact_type, aliases)
        elif key in COMPARE or key in EXISTS:
            if not isinstance(value, dict) or len(value) != 1:
                raise self.fail(f"{key} takes one field: value pair")
            ((fname, operand),) = value.items()
            self.check_value(fact_type, fname, operand, aliases, key)
        elif key.startswith("$"):
            raise self.fail(f"unknown operator {key!r}")
        else:
            self.check_value(fact_type, key, value, aliases, "$eq")

    def check_when(self, when: Any, stage: str, available: dict[str, set[str]]) -> dict[str, str]:
        if (
            not isinstance(when, dict)
            or set(when) != {"all"}
            or not isinstance(when["all"], list)
            or not when["all"]
        ):
            raise self.fail("'when' must be a mapping with one key 'all' listing conditions")
        aliases: dict[str, str] = {}
        seen: set[str] = set()
        for item in when["all"]:
            if not isinstance(item, dict) or len(item) != 1:
                raise self.fail("each entry of 'all' must be one 'alias: condition' pair")
            ((alias, cond),) = item.items()
            if not isinstance(alias, str) or not ALIAS.match(alias) or alias.startswith(STAGE_GATE):
                raise self.fail(f"bad alias {alias!r} (lower-case name, optionally ending in $not)")
            if alias in seen:
                raise self.fail(f"duplicate alias {alias!r}")
            seen.add(alias)
            if not isinstance(cond, dict) or len(cond) != 1:
                raise self.fail(
                    f"condition {alias!r} must be a mapping with exactly one key (use $and to combine)"
                )
            fact_type = fact_type_of(cond)
            if fact_type is None:
                raise self.fail(f"condition {alias!r} must name its fact type with t: <type>")
            negated = alias.endswith("$not")
            # A negation may only look at facts that earlier stages finished producing.
            pool = available["before"] if negated else available["now"]
            if fact_type not in pool:
                kind = "negated " if negated else ""
                raise self.fail(
                    f"{kind}fact type {fact_type!r} is not available in stage {stage!r} "
                    f"(available: {', '.join(sorted(pool))})"
                )
            self.check_condition(cond, fact_type, aliases)
            if not negated:
                aliases[alias] = fact_type
        return aliases

    def check_then(self, then: Any, stage: str, aliases: dict[str, str], catalog: Catalog) -> str:
        if not isinstance(then, dict) or "action" not in then:
            raise self.fail("'then' must be a mapping with an 'action'")
        action = then["action"]
        if action not in THEN_KEYS:
            raise self.fail(f"unknown action {action!r} (known: {', '.join(sorted(THEN_KEYS))})")
        if action not in STAGE_ACTIONS[stage]:
            raise self.fail(f"action {action!r} is not allowed in stage {stage!r}")
        extra = set(then) - THEN_KEYS[action]
        if extra:
            raise self.fail(f"unknown key(s) in 'then': {', '.join(sorted(extra))}")
        missing = THEN_KEYS[action] - set(then) - {"params"}
        if missing:
            raise self.fail(f"'then' is missing {', '.join(sorted(missing))}")
        if action == "recommend":
            if then["step"] not in catalog.step_codes:
                raise self.fail(f"unknown step {then['step']!r} (known: {', '.join(catalog.step_codes)})")
            if type(then["weight"]) is not int or not 0 <= then["weight"] <= 10000:
                raise self.fail("'weight' must be an integer from 0 to 10000")
        if action == "conclude" and then["consensus"] not in CONSENSUS:
            raise self.fail(f"'consensus' must be one of {', '.join(CONSENSUS)}")
        if action in ("adjust", "withdraw") and aliases.get(then["step"]) != "step":
            raise self.fail(f"'step' must be the alias of a matched step fact, not {then['step']!r}")
        if action == "adjust" and (type(then["by"]) is not int or not -10000 <= then["by"] <= 10000):
            raise self.fail("'by' must be an integer from -10000 to 10000")
        if action in ("recommend", "adjust"):
            params = then.get("params", {})
            if not isinstance(params, dict):
                raise self.fail("'params' must be a mapping")
            for name, ref in params.items():
                if not (isinstance(ref, str) and RULE_ID.match(ref)):  # a code, or a reference
                    self.check_ref(name, ref, aliases)
        return str(action)

    def check_ref(self, name: str, ref: Any, aliases: dict[str, str]) -> None:
        if not (isinstance(ref, dict) and len(ref) == 1):
            raise self.fail(f"{name!r} must be a reference alias: field")
        ((alias, ref_field),) = ref.items()
        if alias not in aliases or ref_field not in self.schema[aliases[alias]]:
            raise self.fail(f"{name!r} refers to unknown {alias}.{ref_field}")


def _derived_types(docs: list[tuple[str, dict[str, Any]]]) -> dict[str, dict[str, type]]:
    """Fact types that derive rules produce, with their fields (all text)."""
    derived: dict[str, dict[str, type]] = {}
    for file, doc in docs:
        if doc.get("stage") != "derive":
            continue
        for raw in doc.get("rules") or []:
            then = raw.get("then") if isinstance(raw, dict) else None
            fact = then.get("fact") if isinstance(then, dict) else None
            rule_id = str(raw.get("id")) if isinstance(raw, dict) else None
            if (
                not isinstance(fact, dict)
                or not isinstance(fact.get("t"), str)
                or not RULE_ID.match(fact["t"])
            ):
                raise RuleFileError(file, rule_id, "a derived fact must be a mapping with a lower-case t")
            if fact["t"] in INPUT_SCHEMA or fact["t"] in ("phase", "step"):
                raise RuleFileError(file, rule_id, f"a rule may not derive facts of type {fact['t']!r}")
            fields: dict[str, type] = {k: str for k in fact if k != "t"}
            known = derived.setdefault(fact["t"], fields)
            if known != fields:
                raise RuleFileError(
                    file, rule_id, f"derived type {fact['t']!r} has different fields elsewhere"
                )
    return derived


def load_ruleset(root: Path, catalog: Catalog) -> Ruleset:
    """Read every rules/ruleset/*.yaml in name order and check it; raises RuleFileError."""
    paths = sorted((root / "ruleset").glob("*.yaml"))
    if not paths:
        raise RuleFileError("ruleset/", None, "no rule files (*.yaml) found")
    docs: list[tuple[str, dict[str, Any]]] = []
    files: dict[str, bytes] = {}
    for path in paths:
        file = str(path.relative_to(root))
        doc = read_yaml(path, root, files)
        if not isinstance(doc, dict) or set(doc) - {"stage", "rules"}:
            raise RuleFileError(file, None, "a rule file has exactly the keys 'stage' and 'rules'")
        if doc.get("stage") not in STAGES:
            raise RuleFileError(file, None, f"'stage' must be one of {', '.join(STAGES)}")
        if not isinstance(doc.get("rules"), list) or not doc["rules"]:
            raise RuleFileError(file, None, "'rules' must be a non-empty list")
        docs.append((file, doc))
    derived = _derived_types(docs)
    schema: dict[str, dict[str, type]] = {
        **INPUT_SCHEMA,
        **derived,
        "phase": PHASE_SCHEMA,
        "step": STEP_SCHEMA,
    }
    inputs, derived_names = set(INPUT_SCHEMA), set(derived)
    available = {
        "derive": {"before": inputs, "now": inputs | derived_names},
        "recommend": {"before": inputs | derived_names, "now": inputs | derived_names | {"step"}},
        "adjust": {"before": inputs | derived_names | {"step"}, "now": inputs | derived_names | {"step"}},
    }
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    for file, doc in docs:
        stage = doc["stage"]
        for raw in doc["rules"]:
            rules.append(_load_rule(file, raw, stage, len(rules), schema, available[stage], catalog, seen))
    _check_reasons(rules, catalog)
    for stage in STAGES:
        in_stage = [rule for rule in rules if rule.stage == stage]
        if len(in_stage) > MAX_RULES_PER_STAGE:
            extra = in_stage[MAX_RULES_PER_STAGE]
            raise RuleFileError(
                extra.file,
                extra.id,
                f"stage {stage!r} has {len(in_stage)} rules; durable-rules takes at most "
                f"{MAX_RULES_PER_STAGE} per stage",
            )
    _check_condition_count(rules)
    return Ruleset(rules, schema, files)


def _check_condition_count(rules: list[Rule]) -> None:
    seen: dict[str, set[str]] = {}
    for rule in rules:
        for item in rule.definition["all"]:
            for cond in item.values():
                fact_type = fact_type_of(cond)
                tests = seen.setdefault(str(fact_type), set())
                tests.add(json.dumps(cond, sort_keys=True))
                if len(tests) > MAX_CONDITIONS_PER_FACT_TYPE:
                    raise RuleFileError(
                        rule.file,
                        rule.id,
                        f"more than {MAX_CONDITIONS_PER_FACT_TYPE} different conditions on fact type "
                        f"{fact_type!r}: durable-rules never finishes building such a ruleset",
                    )


def _load_rule(
    file: str,
    raw: Any,
    stage: str,
    order: int,
    schema: dict[str, dict[str, type]],
    available: dict[str, set[str]],
    catalog: Catalog,
    seen: dict[str, str],
) -> Rule:
    rule_id = raw.get("id") if isinstance(raw, dict) else None
    if not isinstance(rule_id, str) or not RULE_ID.match(rule_id):
        raise RuleFileError(file, str(rule_id), "a rule needs an 'id' of lower-case letters, digits and _")
    checker = _RuleChecker(file, rule_id, schema)
    if rule_id in seen:
        raise checker.fail(f"duplicate rule id (first defined in {seen[rule_id]})")
    seen[rule_id] = file
    extra = set(raw) - RULE_KEYS
    if extra:
        raise checker.fail(f"unknown key(s): {', '.join(sorted(extra))}")
    pri = raw.get("pri", DEFAULT_PRI)
    if type(pri) is not int or not 0 <= pri <= MAX_PRI:
        raise checker.fail(f"'pri' must be an integer from 0 to {MAX_PRI}, not {pri!r}")
    aliases = checker.check_when(raw.get("when"), stage, available)
    action = checker.check_then(raw.get("then"), stage, aliases, catalog)
    if action == "derive":
        for name, value in raw["then"]["fact"].items():
            if isinstance(value, dict):
                checker.check_ref(name, value, aliases)
            elif name != "t" and not isinstance(value, str):
                raise checker.fail(f"derived field {name!r} must be text or a reference")
    gate = {STAGE_GATE: {"$and": [{"t": "phase"}, {"name": stage}]}}
    # The gate comes first: durable-rules checks a negation when the partial match
    # reaches it and does not revisit it, so nothing may match before the stage starts.
    definition = {"all": [gate, *copy.deepcopy(raw["when"]["all"])], "pri": pri, "run": rule_id}
    return Rule(rule_id, file, order, stage, pri, action, dict(raw["then"]), aliases, definition)


def _check_reasons(rules: list[Rule], catalog: Catalog) -> None:
    explained = {rule.id for rule in rules if rule.action in ACTIONS_WITH_REASON}
    for lang, text in catalog.texts.items():
        file = f"text/{lang}.yaml"
        for rule_id in sorted(explained - set(text.reasons)):
            raise RuleFileError(file, rule_id, "no reason text for this rule")
        for rule_id in sorted(set(text.reasons) - explained):
            raise RuleFileError(
                file, rule_id, "reason text for a rule that does not exist or gives no reason"
            )
