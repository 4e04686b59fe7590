"""Runs N evaluations of the fixed workload through the engine path, for a profiler.

Used by bench/engine_instructions.sh under valgrind's callgrind, which counts
instructions (not seconds), so the before/after comparison does not depend on
what else the machine is doing. Run with --count 0 to measure start-up alone.

    python -m bench.engine_profile --count 300
"""

from __future__ import annotations

import argparse

from bench.workload import comparisons
from service.config import PROJECT_ROOT
from service.core.rulebook import RuleBook


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=300)
    args = parser.parse_args()
    rules = RuleBook.load(PROJECT_ROOT / "rules")
    recommender = rules.recommender
    requests = [rules.parse(b) for b in comparisons(300)]
    for i in range(args.count):
        recommender.evaluate(requests[i % len(requests)])


if __name__ == "__main__":
    main()
