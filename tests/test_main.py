"""`python -m service` start-up with the decision store."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.conftest import AUTH, free_port, running_server


def test_start_up_waits_for_the_store_then_says_why_it_gives_up() -> None:
    """A store that never answers: exit 3 after DECISION_STORE_WAIT_S, without repeating the URL."""
    url = f"postgresql://postgres:secret-word@127.0.0.1:{free_port()}/nowhere"
    with pytest.raises(RuntimeError) as failed, running_server(DATABASE_URL=url, DECISION_STORE_WAIT_S="1"):
        pass
    message = str(failed.value)
    assert "exited with 3" in message and "cannot migrate the decision store: OperationalError" in message
    assert "secret-word" not in message and "nowhere" not in message


def test_start_up_migrates_a_fresh_data_directory(tmp_path: Path) -> None:
    data_dir = tmp_path / "not" / "yet" / "there"
    with running_server(DATA_DIR=str(data_dir)) as base:
        assert httpx.get(f"{base}/v1/decisions", timeout=10, headers=AUTH).json()["decisions"] == []
    assert (data_dir / "decisions.sqlite3").exists()
