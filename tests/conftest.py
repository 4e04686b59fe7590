"""Fixtures only (helpers live in tests/support): a real uvicorn server on loopback, started as
`python -m service` would be, and the decision-store fixtures."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.support.server import AUTH, running_server


@pytest.fixture(scope="session")
def base_url() -> Iterator[str]:
    with running_server() as base:
        yield base


@pytest.fixture(scope="session")
def client(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=10, headers=AUTH) as c:
        yield c


# Decision-store fixtures (SQLite and PostgreSQL), shared by tests/decisions and tests/api.
from tests.storage import decision_log, empty_url, store_client, store_server, store_url  # noqa: E402, F401
