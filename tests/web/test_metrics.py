"""The metrics directory the workers share, and label values that never come from a request."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from service.web import metrics


@pytest.fixture(autouse=True, scope="module")
def nothing_leaks() -> Iterator[None]:
    """After these tests the variable is as it was before them (an error here is a leak)."""
    before = os.environ.get(metrics.MULTIPROC_ENV)
    yield
    assert os.environ.get(metrics.MULTIPROC_ENV) == before, "PROMETHEUS_MULTIPROC_DIR leaked"


@pytest.fixture(autouse=True)
def restored_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """prepare_multiproc_dir sets the variable in os.environ: undo it after each test, so later tests in
    this process do not write their metrics to a directory that is gone."""
    monkeypatch.setenv(metrics.MULTIPROC_ENV, "recorded so that monkeypatch restores the original")
    monkeypatch.delenv(metrics.MULTIPROC_ENV)


def test_a_configured_directory_is_emptied_of_old_samples(tmp_path: Path) -> None:
    (tmp_path / "counter_123.db").write_bytes(b"old")
    (tmp_path / "keep.txt").write_text("not ours")
    got = metrics.prepare_multiproc_dir(tmp_path)
    assert got == tmp_path
    assert os.environ[metrics.MULTIPROC_ENV] == str(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]
    metrics.remove_multiproc_dir(got, tmp_path)
    assert tmp_path.exists()  # a configured directory is the operator's: emptied at start, never removed


def test_without_a_configured_directory_a_private_one_is_made_and_removed() -> None:
    made = metrics.prepare_multiproc_dir(None)
    assert made.is_dir() and list(made.iterdir()) == []
    metrics.remove_multiproc_dir(made, None)
    assert not made.exists()


@pytest.mark.parametrize(("method", "label"), [("GET", "GET"), ("POST", "POST"), ("JANEDOE", "other")])
def test_an_unknown_method_is_one_label(method: str, label: str) -> None:
    assert metrics.method_label(method) == label
