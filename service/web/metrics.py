"""Prometheus metrics, summed over every worker process.

Label values come only from the service itself: route templates (an unknown path is one label),
known methods, status codes, rule ids and next-step codes. Never a value from a request.

With several workers each process writes its samples to files in PROMETHEUS_MULTIPROC_DIR; `python -m
service` creates (or empties) that directory before the workers start, and /metrics reads all of it.
"""

from __future__ import annotations

import collections
import os
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
    values,
)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST
UNMATCHED_ROUTE = "unmatched"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_pid = os.getpid()


def _process_id() -> int:
    """This process's id, read once (and again after a fork). In multiprocess mode prometheus_client
    asks for it on every write to check for a fork; each ask is a system call, about 25 per answer."""
    return _pid


def _forked() -> None:
    global _pid
    _pid = os.getpid()


os.register_at_fork(after_in_child=_forked)
# Before any metric below exists: every sample of this process must go through one value class.
if values.ValueClass is not values.MutexValue:  # multiprocess mode, chosen when prometheus_client loaded
    values.ValueClass = values.MultiProcessValue(_process_id)  # type: ignore[no-untyped-call]

HTTP_REQUESTS = Counter(
    "nextsteps_http_requests_total", "HTTP requests answered.", ["method", "route", "status"]
)
HTTP_SECONDS = Histogram(
    "nextsteps_http_request_duration_seconds",
    "Time to answer an HTTP request.",
    ["method", "route", "status"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
RULE_FIRINGS = Counter("nextsteps_rule_firings_total", "Rule firings, by rule id.", ["rule"])
NEXT_STEPS = Counter("nextsteps_next_steps_total", "Next steps returned, by code.", ["code"])
ENGINE_SECONDS = Histogram(
    "nextsteps_engine_evaluation_seconds",
    "Time the rules engine takes for one evaluation.",
    buckets=(0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1),
)

# Per worker (the `pid` label): 1 for the revision it serves, 0 for the ones it served before.
RULES_REVISION = Gauge(
    "nextsteps_rules_revision_info",
    "The rules revision (sha256 of the rules files) each worker serves: 1 in use, 0 replaced.",
    ["revision"],
    multiprocess_mode="liveall",
)
RULES_RELOADS = Counter("nextsteps_rules_reloads_total", "Rules reload attempts, by result.", ["result"])
RULES_LAST_FAILURE = Gauge(
    "nextsteps_rules_last_reload_failure_timestamp_seconds",
    "When a worker last refused a rules reload (Unix time); 0: never.",
    multiprocess_mode="livemax",
)


def observe_rules(revision: str, previous: str | None, failed: bool, failed_at: float | None) -> None:
    """After the first load (previous None) or a reload attempt."""
    if previous is not None:
        RULES_RELOADS.labels("refused" if failed else "loaded").inc()
    if failed_at is not None:
        RULES_LAST_FAILURE.set(failed_at)
    if previous is not None and previous != revision:
        RULES_REVISION.labels(previous).set(0)
    RULES_REVISION.labels(revision).set(1)


def method_label(method: str) -> str:
    return method if method in METHODS else "other"


# Each labelled series, looked up once: `labels()` takes a lock and builds a key on every call, and a
# recommendation counts about 20 series. The label values are bounded (see the module's docstring).
@cache
def _request_series(method: str, route: str, status: int) -> tuple[Counter, Histogram]:
    labels = (method_label(method), route, str(status))
    return HTTP_REQUESTS.labels(*labels), HTTP_SECONDS.labels(*labels)


@cache
def _rule_series(rule: str) -> Counter:
    return RULE_FIRINGS.labels(rule)


@cache
def _step_series(code: str) -> Counter:
    return NEXT_STEPS.labels(code)


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    requests, duration = _request_series(method, route, status)
    requests.inc()
    duration.observe(seconds)


def observe_answer(rules_fired: Sequence[str], step_codes: Sequence[str]) -> None:
    for rule in rules_fired:
        _rule_series(rule).inc()
    for code in step_codes:
        _step_series(code).inc()


def observe_answers(rules_fired: Iterable[str], step_codes: Iterable[str]) -> None:
    """observe_answer for many answers (their rules fired and their steps, together): each series is
    incremented once, by its count (a 1,000-item batch: about 60 increments instead of 40,000)."""
    for rule, count in collections.Counter(rules_fired).items():
        _rule_series(rule).inc(count)
    for code, count in collections.Counter(step_codes).items():
        _step_series(code).inc(count)


def exposition() -> bytes:
    """Every metric in the Prometheus text format, over all workers when there are several."""
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest(REGISTRY)


def prepare_multiproc_dir(configured: Path | None) -> Path:
    """Create or empty the directory the workers share their samples through; export its path.

    Must run before any worker imports prometheus_client. Samples left by an earlier run are removed,
    so counters start at zero with the server.
    """
    if configured is None:
        directory = Path(tempfile.mkdtemp(prefix="nextsteps-metrics-"))
    else:
        directory = configured
        directory.mkdir(parents=True, exist_ok=True)
        for entry in directory.iterdir():
            if entry.is_file() and entry.suffix == ".db":
                entry.unlink()
    os.environ[MULTIPROC_ENV] = str(directory)
    return directory


def remove_multiproc_dir(directory: Path, configured: Path | None) -> None:
    """Remove a directory made by prepare_multiproc_dir (a configured one is only emptied at start)."""
    if configured is None:
        shutil.rmtree(directory, ignore_errors=True)
