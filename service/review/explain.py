"""Every rule in plain language, generated from its conditions and its action.

"When two opinions have different cancer types → note that the diagnosis differs". The explainer reads the
rule data as the loader accepted it (service.core.ruleset): any fact type, field and operator the loader
takes is explained, with the words of service.review.vocabulary where it has some and the names
themselves where it has none.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from service.core.catalog import Catalog
from service.core.ruleset import STAGE_GATE, Rule, fact_type_of
from service.review import vocabulary as words

COMPARISONS = {"$lt": "less than", "$lte": "at most", "$gt": "more than", "$gte": "at least"}
ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth")
ARROW = " → "


def _name(code: str) -> str:
    return code.replace("_", " ")


def _field(name: str, plural: bool = False) -> str:
    return words.FIELDS.get(name, (_name(name), _name(name)))[1 if plural else 0]


def _noun(fact_type: str, plural: bool = False) -> str:
    return words.NOUNS.get(fact_type, (f"a {_name(fact_type)} fact", f"{_name(fact_type)} facts"))[plural]


def _leaves(cond: dict[str, Any]) -> list[dict[str, Any]]:
    """The tests of a condition below a top-level $and, without its fact-type test."""
    ((key, value),) = cond.items()
    parts = value if key == "$and" else [cond]
    return [part for part in parts if part != {"t": fact_type_of(cond)} and "t" not in part]


def _only_given(test: dict[str, Any], field: str) -> bool:
    """The test says only that `field` is given (is not "unknown" or "none")."""
    value = test.get("$neq", {}).get(field) if list(test) == ["$neq"] else None
    return isinstance(value, str) and value in words.NOT_GIVEN


@dataclass(frozen=True)
class ExplainedRule:
    id: str
    stage: str
    action: str
    file: str
    text: str


class RuleExplainer:
    """Explains the rules of one loaded ruleset, with the catalog's English names for steps and types."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.english = catalog.texts["en"]

    def explain(self, rule: Rule) -> ExplainedRule:
        entries = [item for item in rule.definition["all"] if not next(iter(item)).startswith(STAGE_GATE)]
        aliases = [
            (alias, cond, fact_type_of(cond) or "") for item in entries for alias, cond in item.items()
        ]
        labels = self._labels(aliases)
        conditions = self._pair(aliases, labels) or [
            self._entry(alias, cond, fact_type, labels) for alias, cond, fact_type in aliases
        ]
        conditions = [c for c in conditions if c]
        when = "When " + (" and ".join(conditions) if conditions else "any comparison is made")
        text = when + ARROW + self._then(rule, aliases, labels)
        return ExplainedRule(rule.id, rule.stage, rule.action, rule.file, text)

    # -- who is who ------------------------------------------------------------------------------------

    @staticmethod
    def _labels(aliases: list[tuple[str, Any, str]]) -> dict[str, str]:
        """How a condition's fact is named where another condition refers to it."""
        positive = [(alias, fact_type) for alias, _cond, fact_type in aliases if not alias.endswith("$not")]
        counts = Counter(fact_type for _alias, fact_type in positive)
        seen: Counter[str] = Counter()
        labels = {}
        for alias, fact_type in positive:
            noun = _noun(fact_type).split(" ", 1)[-1]
            if counts[fact_type] > 1:
                labels[alias] = f"the {ORDINALS[min(seen[fact_type], len(ORDINALS) - 1)]} {noun}"
                seen[fact_type] += 1
            else:
                labels[alias] = f"the {noun}" if fact_type not in words.SINGLETONS else "the case"
        return labels

    def _value(self, fact_type: str, field: str, value: Any, labels: dict[str, str]) -> str:
        if isinstance(value, dict):
            ((alias, ref_field),) = value.items()
            label = labels.get(alias) or alias
            if ref_field == "code" and label.startswith("the step"):
                return "that step"
            return f"{label}'s {_field(ref_field)}"
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, int):
            return str(value)
        if field in ("code", "step") and value in self.english.steps:
            return "“" + self.english.steps[value].title.replace("{cancer}", "the cancer type") + "”"
        if (
            field in ("cancer_type", "tumor_focus")
            and value in self.english.cancer_types
            and value != "other"
        ):
            return self.english.cancer_types[value]
        return f"“{_name(str(value))}”"

    # -- conditions ------------------------------------------------------------------------------------

    def _test(self, fact_type: str, test: dict[str, Any], labels: dict[str, str]) -> str:
        """One test as a clause that follows the fact's noun ("whose stage is known")."""
        ((key, value),) = test.items()
        if key in ("$and", "$or"):
            joined = (" and " if key == "$and" else " or ").join(
                self._test(fact_type, t, labels) for t in value
            )
            return joined if key == "$and" else f"either {joined}"
        op, (field, operand) = ("$eq", (key, value)) if not key.startswith("$") else (key, *value.items())
        name = _field(field)
        if op in ("$ex", "$nex"):
            return f"whose {name} is {'given' if op == '$ex' else 'missing'}"
        if isinstance(operand, bool) and op in ("$eq", "$neq"):
            true, false = words.BOOLEANS.get(
                (fact_type, field), (f"whose {name} is yes", f"whose {name} is no")
            )
            return true if operand == (op == "$eq") else false
        if op in COMPARISONS:
            return f"whose {name} is {COMPARISONS[op]} {self._value(fact_type, field, operand, labels)}"
        if isinstance(operand, str) and operand in words.NOT_GIVEN:
            return f"whose {name} is {'not given' if op == '$eq' else 'given'}"
        v = self._value(fact_type, field, operand, labels)
        equal, unequal = words.PHRASES.get((fact_type, field), ("whose {f} is {v}", "whose {f} is not {v}"))
        if op == "$neq" and isinstance(operand, dict) and (fact_type, field) not in words.PHRASES:
            unequal = "whose {f} differs from {v}"
        return (equal if op == "$eq" else unequal).format(f=name, v=v)

    def _entry(self, alias: str, cond: dict[str, Any], fact_type: str, labels: dict[str, str]) -> str:
        tests = _leaves(cond)
        negated = alias.endswith("$not")
        if fact_type in words.SINGLETONS and not negated:
            return " and ".join(self._singleton(fact_type, t, labels) for t in tests)
        if not negated:
            sentence = self._sentence(fact_type, tests, labels)
            if sentence:
                return sentence
        clauses = " and ".join(self._test(fact_type, t, labels) for t in tests)
        noun = _noun(fact_type)
        if negated:
            return f"there is no {noun.split(' ', 1)[-1]}" + (f" {clauses}" if clauses else "")
        return f"there is {noun}" + (f" {clauses}" if clauses else "")

    def _singleton(self, fact_type: str, test: dict[str, Any], labels: dict[str, str]) -> str:
        clause = self._test(fact_type, test, labels)
        return clause.replace("whose ", "the ", 1) if clause.startswith("whose ") else clause

    def _sentence(self, fact_type: str, tests: list[dict[str, Any]], labels: dict[str, str]) -> str | None:
        """A derived fact said as what it means, a step as itself; None when no such sentence fits."""
        if fact_type in words.DERIVED and all(list(t) == ["kind"] for t in tests) and len(tests) <= 1:
            kinds = words.DERIVED[fact_type]
            kind = tests[0]["kind"] if tests else ""
            if kind in kinds:  # a field the condition does not name reads as "the <field>"
                return re.sub(r"\{(\w+)\}", lambda m: "the " + _field(m[1]), kinds[kind])
        if fact_type in words.CODE_SENTENCES and len(tests) == 1 and list(tests[0]) == ["code"]:
            return words.CODE_SENTENCES[fact_type].format(
                v=self._value(fact_type, "code", tests[0]["code"], labels)
            )
        if fact_type == "step" and not tests:
            return "a step is on the list"
        return None

    def _pair(self, aliases: list[tuple[str, Any, str]], labels: dict[str, str]) -> list[str] | None:
        """ "Two opinions have different stages": two facts of one type that differ in one field, and
        otherwise meet the same tests; None when the rule is not of that shape."""
        if len(aliases) < 2:
            return None
        (first, cond_a, type_a), (second, cond_b, type_b), *rest = aliases
        if type_a != type_b or first.endswith("$not") or second.endswith("$not"):
            return None
        tests_a, tests_b = _leaves(cond_a), _leaves(cond_b)
        differ = [
            t
            for t in tests_b
            if list(t) == ["$neq"] and list(t["$neq"].values()) == [{first: next(iter(t["$neq"]))}]
        ]
        if len(differ) != 1:
            return None
        field = next(iter(differ[0]["$neq"]))
        others = [t for t in tests_b if t is not differ[0]]
        if json.dumps(others, sort_keys=True) != json.dumps(tests_a, sort_keys=True):
            return None
        plural = _noun(type_a, plural=True)
        if not others:
            head = f"two {plural} have different {_field(field, plural=True)}"
        elif len(others) == 1 and _only_given(others[0], field):
            head = (
                f"two {plural} give different {_field(field, plural=True)} "
                f"(a {_field(field)} not given never counts)"
            )
        else:
            clauses = " and ".join(self._test(type_a, t, labels) for t in others)
            head = f"two {plural} have different {_field(field, plural=True)} (each {clauses})"
        tail = [self._entry(alias, cond, fact_type, labels) for alias, cond, fact_type in rest]
        return [head, *tail]

    # -- actions ---------------------------------------------------------------------------------------

    def _then(self, rule: Rule, aliases: list[tuple[str, Any, str]], labels: dict[str, str]) -> str:
        then = rule.then
        if rule.action == "derive":
            return "note that " + self._derived(then["fact"], labels)
        if rule.action == "recommend":
            return f"recommend {self._value('step', 'code', then['step'], labels)} (weight {then['weight']})"
        if rule.action == "conclude":
            return f"conclude that the opinions {words.CONSENSUS[then['consensus']]}"
        step = self._step_named(then["step"], aliases, labels)
        if rule.action == "withdraw":
            return f"take {step} off the list"
        direction = "up" if then["by"] >= 0 else "down"
        return f"move {step} {direction} by {abs(then['by'])}"

    def _derived(self, fact: dict[str, Any], labels: dict[str, str]) -> str:
        fact_type = fact["t"]
        fields = {k: self._value(fact_type, k, v, labels) for k, v in fact.items() if k != "t"}
        template = words.DERIVED.get(fact_type, {}).get(str(fact.get("kind", "")))
        if template is not None:
            return template.format(**fields) if "{" in template else template
        detail = ", ".join(f"{_field(k)} {v}" for k, v in fields.items())
        return f"there is {_noun(fact_type)}" + (f" ({detail})" if detail else "")

    def _step_named(self, alias: str, aliases: list[tuple[str, Any, str]], labels: dict[str, str]) -> str:
        cond = next(cond for name, cond, _type in aliases if name == alias)
        codes = [t["code"] for t in _leaves(cond) if list(t) == ["code"]]
        return self._value("step", "code", codes[0], labels) if codes else "that step"
