"""`python -m service.purge` as an operator runs it, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta

from service.config import get_settings
from service.core.rulebook import RuleBook
from service.decisions.schemas import FeedbackRequest
from service.decisions.service import DecisionLog, Filters
from tests.support.bodies import opinion
from tests.support.paths import ROOT


def purge(store_url: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k != "DECISION_RETENTION_DAYS"}
    return subprocess.run(
        [sys.executable, "-m", "service.purge", *args],
        cwd=ROOT,
        env={**environ, "DATABASE_URL": store_url, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_purge_deletes_what_is_older_than_the_retention_and_nothing_else(
    store_url: str, decision_log: DecisionLog
) -> None:
    body = {"opinions": [opinion(), opinion(modalities=("radiation",))]}
    rules = RuleBook.load(get_settings().rules_dir)
    answer = rules.recommender.recommend(rules.parse(body))
    raw = json.dumps(body).encode()
    now = datetime.now(UTC)
    ages = {"ancient": 400, "old": 31, "recent": 29, "today": 0}
    ids = {
        name: json.loads(decision_log.record(answer, raw, now=now - timedelta(days=days)).body)["decision_id"]
        for name, days in ages.items()
    }
    with rules.vocabulary.bound():
        feedback = FeedbackRequest.model_validate(
            {"step_code": answer.next_steps[0].code, "outcome": "helpful", "reporter": "clinician"}
        )
    for decision_id in ids.values():
        decision_log.add_feedback(uuid.UUID(decision_id), feedback)

    refused = purge(store_url)
    assert refused.returncode == 2 and "DECISION_RETENTION_DAYS" in refused.stderr
    assert len(decision_log.page(Filters()).decisions) == 4

    done = purge(store_url, DECISION_RETENTION_DAYS="30")
    assert done.returncode == 0, done.stderr
    assert "purged 2 decision(s) and 2 feedback record(s)" in done.stdout
    left = {str(d.id) for d in decision_log.page(Filters()).decisions}
    assert left == {ids["recent"], ids["today"]}
    report = decision_log.report(Filters(), [])
    first = next(s for s in report.steps if s.code == answer.next_steps[0].code)
    assert report.decisions == 2 and first.feedback.helpful == 2

    assert "purged 0 decision(s)" in purge(store_url, "--days", "30").stdout
