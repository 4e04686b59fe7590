"""GET /metrics against a server with several workers: counts summed over all of them."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.support.bodies import load_scenarios
from tests.support.server import AUTH, ServerProcess

SCENARIOS = load_scenarios()


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(found: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


def served_by(directory: Path) -> set[str]:
    """Pids of the workers that counted a request (labelled counters are written on first use)."""
    return {p.stem.rsplit("_", 1)[1] for p in directory.glob("counter_*.db")}


def test_metrics_count_every_request_rule_and_step_across_workers(tmp_path: Path) -> None:
    fired: dict[str, int] = {}
    steps: dict[str, int] = {}
    with ServerProcess(WORKERS="2", PROMETHEUS_MULTIPROC_DIR=str(tmp_path)) as server:
        server.wait_workers(2)
        sent = 0
        # A fresh connection per request, until both workers have served some (each writes its own file).
        while sent < len(SCENARIOS) or (len(served_by(tmp_path)) < 2 and sent < 500):
            scenario = SCENARIOS[sent % len(SCENARIOS)]
            sent += 1
            answer = httpx.post(
                f"{server.base_url}/v1/recommendations", json=scenario["request"], timeout=10, headers=AUTH
            )
            assert answer.status_code == 200
            for rule in answer.json()["rules_fired"]:
                fired[rule] = fired.get(rule, 0) + 1
            for step in answer.json()["next_steps"]:
                steps[step["code"]] = steps.get(step["code"], 0) + 1
        assert (
            httpx.post(f"{server.base_url}/v1/recommendations", json={}, timeout=10, headers=AUTH).status_code
            == 422
        )
        assert (
            httpx.get(
                f"{server.base_url}/v1/patients/ZQXJANEDOE?name=ZQXDOE", timeout=10, headers=AUTH
            ).status_code
            == 404
        )
        page = httpx.get(f"{server.base_url}/metrics", timeout=10)
        workers = served_by(tmp_path)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/plain")
    found = samples(page.text)
    post = {"method": "POST", "route": "/v1/recommendations"}
    assert value(found, "nextsteps_http_requests_total", **post, status="200") == sent
    assert value(found, "nextsteps_http_requests_total", **post, status="422") == 1
    assert value(found, "nextsteps_http_request_duration_seconds_count", **post, status="200") == sent
    assert value(found, "nextsteps_http_requests_total", method="GET", route="unmatched", status="404") == 1
    assert value(found, "nextsteps_engine_evaluation_seconds_count") == sent
    for rule, count in fired.items():
        assert value(found, "nextsteps_rule_firings_total", rule=rule) == count
    for code, count in steps.items():
        assert value(found, "nextsteps_next_steps_total", code=code) == count
    assert "ZQX" not in page.text  # no request value in a label
    assert len(workers) == 2  # both served: the counts above are sums over the workers


def test_samples_of_an_earlier_run_are_removed_at_start(tmp_path: Path) -> None:
    for _ in range(2):
        with ServerProcess(PROMETHEUS_MULTIPROC_DIR=str(tmp_path)) as server:
            httpx.get(f"{server.base_url}/healthz", timeout=10)
            page = httpx.get(f"{server.base_url}/metrics", timeout=10).text
        healthz = re.search(
            r'nextsteps_http_requests_total\{method="GET",route="/healthz",status="200"\} (\S+)', page
        )
        assert healthz and float(healthz.group(1)) == 1.0
