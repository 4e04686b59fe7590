"""`python -m service.review.tenants` (`make tenants-check`): a tenant directory checked as a reload would."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.review.tenants import main
from tests.support.paths import ROOT

EXAMPLES = ROOT / "deploy" / "tenants-example"


def test_the_examples_pass_and_each_change_is_listed(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(EXAMPLES)]) == 0
    out = capsys.readouterr().out
    assert "riverside: " in out and "  tumor_board: hidden" in out
    assert "  third_specialist: replaces nci_cancer_centers" in out


def test_a_bad_file_fails_naming_file_and_entry(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "acme.yaml").write_text("steps:\n  joint_review:\n    details: {en: Only English}\n")
    assert main([str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path.name}/acme.yaml: entry 'steps.joint_review.details': missing language 'es'" in err
    assert main([str(tmp_path / "empty")]) == 2
