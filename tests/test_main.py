"""`python -m service` start-up with the decision store."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import pytest

from service.config import Settings
from service.main import create_app
from tests.support.bodies import opinion
from tests.support.in_process import Call, send
from tests.support.paths import RULES
from tests.support.server import AUTH, free_port, running_server


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


def other_rules(tmp_path: Path) -> Path:
    """The shipped rules plus one cancer type they do not have (`mesothelioma`)."""
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    catalog = rules / "catalog.yaml"
    catalog.write_text(
        catalog.read_text().replace("cancer_types:\n", "cancer_types:\n  - code: mesothelioma\n")
    )
    for lang, name in (("en", "mesothelioma"), ("es", "{name: mesotelioma, article: el}")):
        text = rules / "text" / f"{lang}.yaml"
        text.write_text(
            text.read_text().replace("cancer_types:\n", f"cancer_types:\n  mesothelioma: {name}\n")
        )
    return rules


def test_an_app_built_with_other_rules_accepts_their_codes(tmp_path: Path) -> None:
    """create_app(Settings(rules_dir=X)) lists X's cancer types, takes them on POST, and documents them."""
    settings = Settings(rules_dir=other_rules(tmp_path), auth_enabled=False, decision_store="off")
    body = {"opinions": [opinion("mesothelioma"), opinion("mesothelioma", modalities=("radiation",))]}
    calls = (
        Call("GET", "/v1/cancer-types"),
        Call("POST", "/v1/recommendations", body),
        Call("POST", "/v1/recommendations:batch", {"items": [body]}),
        Call("GET", "/openapi.json"),
    )
    listed, answered, batch, document = send(create_app(settings), *calls)
    assert "mesothelioma" in [entry["code"] for entry in listed.json()["cancer_types"]]
    assert answered.status_code == 200, answered.text
    assert batch.json()["results"][0]["status"] == 200
    assert "mesothelioma" in document.json()["components"]["schemas"]["CancerType"]["enum"]
    [refused] = send(create_app(Settings(auth_enabled=False, decision_store="off")), calls[1])
    assert refused.status_code == 422  # the shipped rules do not know it: each app judges by its own
    assert "mesothelioma" not in refused.text  # and the value is not echoed
