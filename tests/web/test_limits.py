"""The batch body's count of JSON values: the quick upper bound refuses exactly what the exact count does."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.web.limits import json_values, too_many_values
from tests.strategies import json_values as any_json


@pytest.mark.parametrize(
    "body",
    [
        b'{"items": [' + b"{}," * 99 + b"{}]}",  # 201 values
        b'["' + b",[{" * 300 + b'"]',  # marks inside a string are not values: 1
        b'["a,b", {"c[": "{"}, ",", 1]',  # 5
        b'["\\",[", 2]',  # an escaped quote does not end the string: 2
    ],
)
def test_the_quick_count_refuses_exactly_what_the_exact_count_refuses(body: bytes) -> None:
    exact = json_values(body)
    for limit in (0, exact - 1, exact, exact + 1, 10_000):
        assert too_many_values(body, limit) == (exact > limit)


@given(value=any_json, limit=st.integers(min_value=0, max_value=60))
def test_any_json_is_judged_by_its_exact_count(value: Any, limit: int) -> None:
    body = json.dumps(value, ensure_ascii=False).encode()
    assert too_many_values(body, limit) == (json_values(body) > limit)
