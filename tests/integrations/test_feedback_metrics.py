"""CDS Hooks feedback is counted by outcome and by our own override-reason codes only."""

from __future__ import annotations

import asyncio
import json

import httpx
from prometheus_client import REGISTRY
from pydantic import SecretStr

from service.config import Settings
from service.integrations.cds_hooks import OVERRIDE_SYSTEM, SERVICE_ID
from service.main import create_app
from tests.support.paths import ROOT
from tests.support.server import AUTH, DEV_KEY

SPEC_FEEDBACK = ROOT.parent / "shared" / "cds-hooks-examples" / "feedback-overridden-with-reason.json"


def counted(outcome: str, reason: str) -> float:
    labels = {"service": SERVICE_ID, "outcome": outcome, "reason": reason}
    return REGISTRY.get_sample_value("nextsteps_cds_feedback_total", labels) or 0.0


def post_feedback(body: object, service_id: str = SERVICE_ID) -> int:
    """Through the whole app (routing, validation, the route), in process, to read its counter."""

    async def go() -> int:
        transport = httpx.ASGITransport(
            app=create_app(Settings(dev_api_key=SecretStr(DEV_KEY), decision_store="off"))
        )
        async with httpx.AsyncClient(
            transport=transport, base_url="http://nextsteps.test", headers=AUTH
        ) as c:
            response = await c.post(f"/cds-services/{service_id}/feedback", json=body)
            return response.status_code

    return asyncio.run(go())


def test_feedback_is_counted_by_outcome_and_known_reason() -> None:
    before = {
        key: counted(*key)
        for key in [("overridden", "other"), ("overridden", "already-done"), ("accepted", "none")]
    }
    ours = {
        "feedback": [
            {
                "card": "c1",
                "outcome": "overridden",
                "overrideReason": {"reason": {"code": "already-done", "system": OVERRIDE_SYSTEM}},
                "outcomeTimestamp": "2026-11-25T10:00:00Z",
            },
            {"card": "c2", "outcome": "accepted", "outcomeTimestamp": "2026-11-25T10:00:00Z"},
            {"card": "c3", "outcome": "accepted", "outcomeTimestamp": "2026-11-25T10:00:00Z"},
        ]
    }
    assert post_feedback(json.loads(SPEC_FEEDBACK.read_text())) == 200
    assert post_feedback(ours) == 200
    assert counted("overridden", "other") == before[("overridden", "other")] + 1  # the spec's own code
    assert counted("overridden", "already-done") == before[("overridden", "already-done")] + 1
    assert counted("accepted", "none") == before[("accepted", "none")] + 2


def test_refused_feedback_is_not_counted() -> None:
    total = sum(counted(o, r) for o in ("accepted", "overridden") for r in ("none", "other", "already-done"))
    assert post_feedback({"feedback": [{"card": "c", "outcome": "maybe"}]}) == 400
    assert post_feedback(json.loads(SPEC_FEEDBACK.read_text()), "someone-else") == 404
    after = sum(counted(o, r) for o in ("accepted", "overridden") for r in ("none", "other", "already-done"))
    assert after == total


def test_no_client_value_becomes_a_label() -> None:
    body = {
        "feedback": [
            {
                "card": "c",
                "outcome": "overridden",
                "overrideReason": {"reason": {"code": "patient-name-here", "system": "https://x.example"}},
                "outcomeTimestamp": "2026-11-25T10:00:00Z",
            }
        ]
    }
    assert post_feedback(body) == 200
    labels = {
        value
        for metric in REGISTRY.collect()
        if metric.name == "nextsteps_cds_feedback"
        for sample in metric.samples
        for value in sample.labels.values()
    }
    assert "patient-name-here" not in labels
    assert labels <= {
        SERVICE_ID,
        "accepted",
        "overridden",
        "none",
        "other",
        "already-done",
        "not-relevant",
        "patient-declined",
    }
