"""Engine benchmark: durable-rules against the plain-Python evaluator, on the same rules and inputs.

Measures evaluations per second and p50/p99 for a fixed set of unique comparisons,
with the shipped rules and with 10x and 30x as many rules (generated rules that
never fire). Writes bench/results/engine.json.

    python -m bench.engine_bench [--count 2000] [--label NAME]
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from bench.pyeval import PyEvaluator
from bench.result_files import write
from bench.stats import summary_us
from bench.workload import comparisons
from service.config import PROJECT_ROOT
from service.core.actions import Outcome
from service.core.facts import to_facts
from service.core.models import RecommendationRequest
from service.core.recommender import Recommender, batches
from service.core.rulebook import RuleBook


def scaled_rules(factor: int, into: Path) -> Path:
    """A copy of rules/ with (factor - 1) x as many extra rules that never fire, spread over the stages."""
    root = into / f"rules-x{factor}"
    shutil.copytree(PROJECT_ROOT / "rules", root)
    base = sum(len(yaml.safe_load(p.read_text())["rules"]) for p in (root / "ruleset").glob("*.yaml"))
    stages: dict[str, list[dict[str, Any]]] = {"derive": [], "recommend": [], "adjust": []}
    reasons: dict[str, str] = {}
    for i in range(base * (factor - 1)):
        stage = list(stages)[(i // 3) % 3]
        # one never-matching test, on each fact type in turn: durable-rules hangs when one condition
        # node has more than 512 distinct tests under it (docs/engine.md)
        fact_type, field = [("opinion", "cancer_type"), ("clinician", "tumor_focus"), ("completed", "code")][
            i % 3
        ]
        when: dict[str, Any] = {"all": [{"a": {"$and": [{"t": fact_type}, {field: f"never_{i}"}]}}]}
        if stage == "derive":
            then: dict[str, Any] = {"action": "derive", "fact": {"t": "filler", "n": str(i)}}
        elif stage == "recommend":
            then = {"action": "recommend", "step": "support_groups", "weight": 1}
            reasons[f"filler_{i}"] = "never shown"
        else:
            when["all"].append({"s": {"$and": [{"t": "step"}, {"code": f"never_{i}"}]}})
            then = {"action": "withdraw", "step": "s"}
        stages[stage].append({"id": f"filler_{i}", "when": when, "then": then})
    for n, (stage, rules) in enumerate(stages.items()):
        (root / "ruleset" / f"{n}5-filler-{stage}.yaml").write_text(
            yaml.safe_dump({"stage": stage, "rules": rules})
        )
    for text in (root / "text").glob("*.yaml"):
        doc = yaml.safe_load(text.read_text())
        doc["reasons"].update(reasons)
        text.write_text(yaml.safe_dump(doc, allow_unicode=True))
    return root


def measure(recommender: Recommender, requests: list[RecommendationRequest], repeat: int) -> dict[str, Any]:
    py = PyEvaluator(recommender.ruleset)
    facts = [to_facts(r, recommender.families) for r in requests]
    for i in range(min(200, len(requests))):  # warm-up
        recommender.evaluate(requests[i])
        py.evaluate(batches(facts[i]), Outcome(recommender.ruleset).fire)
    engine_t: list[float] = []
    python_t: list[float] = []
    for _ in range(repeat):
        for request, request_facts in zip(requests, facts, strict=True):
            t0 = time.perf_counter()
            recommender.evaluate(request)
            t1 = time.perf_counter()
            py.evaluate(batches(request_facts), Outcome(recommender.ruleset).fire)
            t2 = time.perf_counter()
            engine_t.append(t1 - t0)
            python_t.append(t2 - t1)
    engine, python = summary_us(engine_t), summary_us(python_t)
    return {
        "rules": len(recommender.ruleset.rules),
        "durable_rules": engine,
        "plain_python": python,
        "throughput_ratio_engine_to_python": round(engine["per_second"] / python["per_second"], 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=2000, help="unique comparisons")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--label", default="current")
    args = parser.parse_args()
    rules = RuleBook.load(PROJECT_ROOT / "rules")
    requests = [rules.parse(b) for b in comparisons(args.count)]
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        # x10 is the most the loader takes now: 55 shipped rules x 10 fill a stage towards durable-rules'
        # 256 rules per stage, and x30 would pass both that and 512 conditions on one fact type.
        for factor in (1, 5, 10):
            root = PROJECT_ROOT / "rules" if factor == 1 else scaled_rules(factor, Path(tmp))
            recommender = Recommender.load(root)
            # fewer inputs for the larger rulesets keeps the run short; each is still unique
            subset = requests if factor == 1 else requests[: max(200, args.count // factor)]
            results[f"x{factor}"] = measure(recommender, subset, args.repeat)
            print(f"x{factor}: {json.dumps(results[f'x{factor}'])}", flush=True)
    report = {
        "label": args.label,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "comparisons": args.count,
        "results": results,
    }
    out = write(f"engine-{args.label}.json", report)
    print(f"wrote {out.relative_to(PROJECT_ROOT)}")


if __name__ == "__main__":
    main()
