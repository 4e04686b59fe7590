"""Hypothesis over the query parameters of every GET endpoint, on SQLite and on PostgreSQL: whatever a
caller puts in them (control characters, NUL, times at the edges of the calendar, numbers of hundreds of
digits) the answer is never a 5xx; a refusal is a problem document. (tests/test_no_echo.py checks that no
error repeats a value.)"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.server import AUTH

EDGES = [
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    "0001-01-01T00:00:00-14:00",
    "9999-12-31T23:59:59+14:00",
    "2031-07-04T08:30:00",
    "\x00",
    "a\x00b",
    "\x7f\x1b",
    "9" * 401,
    "-" + "9" * 401,
    "1e400",
    "NaN",
    "",
    " ",
]
text = st.text(st.characters(exclude_categories=["Cs"]), max_size=60)  # lone surrogates cannot be sent
datetimes = st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat())
values = st.one_of(st.sampled_from(EDGES), text, datetimes, st.integers().map(str))


def get_endpoints(spec: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """(path, query parameter names) of every GET operation in the OpenAPI document."""
    found = []
    for path, item in spec["paths"].items():
        operation = item.get("get")
        if operation:
            names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
            found.append((path, names))
    return found


def test_no_query_parameter_value_gets_a_5xx(store_server: str) -> None:
    spec = httpx.get(f"{store_server}/openapi.json").json()
    endpoints = get_endpoints(spec)
    assert any(names for _, names in endpoints)

    with httpx.Client(base_url=store_server, headers=AUTH, timeout=30) as client:

        @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
        @given(st.data())
        def probe(data: st.DataObject) -> None:
            path, names = data.draw(st.sampled_from(endpoints))
            path = path.replace("{decision_id}", str(uuid.uuid4()))
            params = data.draw(st.dictionaries(st.sampled_from(names), values, max_size=4)) if names else {}
            response = client.get(path, params=params)
            assert response.status_code < 500, (path, params, response.text)
            if response.status_code >= 400:
                assert response.headers["content-type"] == "application/problem+json"

        probe()
