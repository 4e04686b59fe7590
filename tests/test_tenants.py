"""Tenants on a real server over loopback: each client sees its own tenant's view (REST, batch, the
catalog); decisions record the tenant and the report filters by it; overrides reload with the rules and a
bad file is refused while the last good set serves; a bad file or an unknown tenant stops start-up."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from service.batch import BatchResponse
from service.integrations.cds_hooks import SERVICE_ID
from tests.support.auth import ApiKey, SigningKey, claims, clients_file
from tests.support.bodies import STAGES_DIFFER, opinion
from tests.support.paths import ROOT
from tests.support.server import AUTH, ServerProcess, start_refused

EXAMPLES = ROOT / "deploy" / "tenants-example"
THREE_DIFFER = {"opinions": [opinion(), opinion(stage="III"), opinion()]}  # the rules add a tumor board
RIVERSIDE = "https://riverside.example.org/"
RELOAD = "/v1/admin/rules:reload"
EHR_ISSUER = "https://ehr.riverside.example.org"


@dataclass
class Tenanted:
    server: ServerProcess
    tenants_dir: Path
    river: ApiKey
    lake: ApiKey
    ehr: SigningKey  # the CDS Hooks client `river-ehr` (tenant riverside) signs its JWTs with it

    def client(self, key: ApiKey | None) -> httpx.Client:
        headers = key.headers if key is not None else AUTH  # None: the dev client, admin, no tenant
        return httpx.Client(base_url=self.server.base_url, headers=headers, timeout=30)


@contextmanager
def tenanted(directory: Path) -> Iterator[Tenanted]:
    """A server with a copy of the example tenants, and clients `river` (riverside) and `lake` (lakeview)."""
    tenants_dir = directory / "tenants"
    shutil.copytree(EXAMPLES, tenants_dir)
    river, lake, ehr = ApiKey(), ApiKey(), SigningKey("ES384")
    (directory / "ehr.jwks.json").write_text(json.dumps({"keys": [ehr.jwk()]}))
    clients = clients_file(
        directory,
        [
            {"id": "river-portal", "scopes": ["recommend"], "api_keys": [river.hash], "tenant": "riverside"},
            {"id": "lake-portal", "scopes": ["recommend"], "api_keys": [lake.hash], "tenant": "lakeview"},
            {
                "id": "river-ehr",
                "scopes": ["recommend"],
                "cds_hooks": {"issuer": EHR_ISSUER, "jwks_file": "ehr.jwks.json"},
                "tenant": "riverside",
            },
        ],
    )
    with ServerProcess(TENANTS_DIR=str(tenants_dir), CLIENTS_FILE=str(clients)) as server:
        yield Tenanted(server, tenants_dir, river, lake, ehr)


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tenanted]:
    with tenanted(tmp_path_factory.mktemp("tenants")) as running:
        yield running


def urls(answer: dict[str, Any]) -> list[str]:
    return [r["url"] for step in answer["next_steps"] for r in step["resources"]]


def codes(answer: dict[str, Any]) -> list[str]:
    return [step["code"] for step in answer["next_steps"]]


def test_each_client_sees_its_own_tenants_resources_and_no_other(shared: Tenanted) -> None:
    with shared.client(shared.river) as river, shared.client(shared.lake) as lake, shared.client(None) as dev:
        mine = river.post("/v1/recommendations", json=STAGES_DIFFER).json()
        theirs = lake.post("/v1/recommendations", json=STAGES_DIFFER).json()
        national = dev.post("/v1/recommendations", json=STAGES_DIFFER).json()
        assert any(url.startswith(RIVERSIDE) for url in urls(mine))
        assert not any(url.startswith(RIVERSIDE) for url in urls(theirs) + urls(national))
        assert any(url.startswith("https://lakeview.example.org/") for url in urls(theirs))
        assert mine["tenant"]["id"] == "riverside" and theirs["tenant"]["id"] == "lakeview"
        assert "tenant" not in national
        # the rules and the ranking are the same for all three
        assert codes(mine) == codes(theirs) == codes(national)
        assert mine["rules_fired"] == national["rules_fired"] and mine["ruleset"] == national["ruleset"]
        # a recorded decision reads back as the tenant's view it was
        again = dev.get(f"/v1/recommendations/{mine['decision_id']}").json()
        assert again == mine

        # the batch path: the same view per item
        answered = river.post("/v1/recommendations:batch", json={"items": [STAGES_DIFFER, THREE_DIFFER]})
        model = BatchResponse.model_validate_json(answered.content)  # with local phones and the tenant
        assert answered.content == model.model_dump_json(exclude_none=True).encode()
        batch = answered.json()
        first = batch["results"][0]["recommendation"]
        assert urls(first) == urls(mine)
        assert "tumor_board" not in codes(batch["results"][1]["recommendation"])


def test_a_cds_hooks_client_gets_its_tenants_view_in_its_cards(shared: Tenanted) -> None:
    endpoint = f"{shared.server.base_url}/cds-services/{SERVICE_ID}"
    call = {"hook": "org.nextsteps.opinion-compare", "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea"}
    token = shared.ehr.token(claims(EHR_ISSUER, endpoint))
    response = httpx.post(
        endpoint,
        json={**call, "context": THREE_DIFFER},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    links = [link["url"] for card in response.json()["cards"] for link in card.get("links", [])]
    assert any(url.startswith(RIVERSIDE) for url in links)
    # one card per step riverside shows, in its order: no tumor board card
    with shared.client(shared.river) as river, shared.client(shared.lake) as lake:
        mine = river.post("/v1/recommendations", json=THREE_DIFFER).json()
        theirs = lake.post("/v1/recommendations", json=THREE_DIFFER).json()
    assert len(response.json()["cards"]) == len(mine["next_steps"]) == len(theirs["next_steps"]) - 1


def test_a_hidden_step_never_appears_and_the_rest_keep_their_order(shared: Tenanted) -> None:
    with shared.client(shared.river) as river, shared.client(shared.lake) as lake:
        hidden = river.post("/v1/recommendations", json=THREE_DIFFER).json()
        shown = lake.post("/v1/recommendations", json=THREE_DIFFER).json()
        assert "tumor_board" in codes(shown)
        assert codes(hidden) == [code for code in codes(shown) if code != "tumor_board"]
        assert [s["rank"] for s in hidden["next_steps"]] == list(range(1, len(hidden["next_steps"]) + 1))

        # the catalog is the caller's view too: no tumor board, the local pages in
        catalog = river.get("/v1/next-steps", headers={"Accept-Language": "es"}).json()
        assert catalog["tenant"]["id"] == "riverside"
        steps = {s["code"]: s for s in catalog["next_steps"]}
        assert "tumor_board" not in steps
        navigator = steps["contact_navigator"]
        assert navigator["resources"][-1]["url"] == "https://riverside.example.org/es/navegadores"
        assert navigator["resources"][-1]["phones"] == ["+1 555 010 0100"]
        assert "enfermera navegadora" in navigator["details"]
        assert "tumor_board" in {s["code"] for s in lake.get("/v1/next-steps").json()["next_steps"]}


def test_decisions_keep_the_tenant_and_the_report_filters_by_it(shared: Tenanted) -> None:
    with shared.client(shared.river) as river, shared.client(shared.lake) as lake, shared.client(None) as dev:

        def report(**params: str) -> dict[str, Any]:
            response = dev.get("/v1/decisions/report", params=params)
            assert response.status_code == 200, response.text
            return dict(response.json())

        before = report(tenant="riverside")
        made = [river.post("/v1/recommendations", json=STAGES_DIFFER).json() for _ in range(2)]
        lake.post("/v1/recommendations", json=THREE_DIFFER)
        after = report(tenant="riverside")
        assert after["tenant"] == "riverside"
        assert after["decisions"] - before["decisions"] == 2
        fired_before = {r["rule"]: r["fired"] for r in before["rules"]}
        fired_after = {r["rule"]: r["fired"] for r in after["rules"]}
        for rule in made[0]["rules_fired"]:
            assert fired_after[rule] - fired_before.get(rule, 0) == 2
        # riverside hides the tumor board: its rule fired for riverside too (the rules are the same), but
        # the step was never shown, so it is not among riverside's steps; lakeview's are another report
        assert fired_after["many_opinions_tumor_board"] >= 1
        assert "tumor_board" not in {s["code"] for s in after["steps"]}
        assert "tumor_board" in {s["code"] for s in report(tenant="lakeview")["steps"]}

        # the list too: filtered by tenant, each decision with its tenant and overrides revision
        listed = dev.get("/v1/decisions", params={"tenant": "riverside", "limit": 2}).json()["decisions"]
        assert [d["id"] for d in listed] == [m["decision_id"] for m in reversed(made)]
        assert {(d["tenant"], d["overrides_revision"]) for d in listed} == {
            ("riverside", made[0]["tenant"]["overrides_sha256"])
        }

        for bad in ("Not A Tenant!", "x" * 80, ""):
            refused = dev.get("/v1/decisions/report", params={"tenant": bad})
            assert refused.status_code == 422
            assert "tenant" in refused.text and (not bad or bad not in refused.text)


def test_overrides_reload_with_the_rules_and_a_bad_file_keeps_the_last_good_set(tmp_path: Path) -> None:
    with tenanted(tmp_path) as running, running.client(running.river) as river, running.client(None) as dev:
        first = dev.get("/v1/rules").json()["loaded"]
        before = river.post("/v1/recommendations", json=STAGES_DIFFER).json()["tenant"]["overrides_sha256"]
        assert first["overrides"]["riverside"] == before

        # an edit: the new title serves after a reload, under new revisions
        path = running.tenants_dir / "riverside.yaml"
        path.write_text(
            path.read_text().replace("Riverside patient navigators", "Riverside nurse navigators")
        )
        reloaded = dev.post(RELOAD)
        assert reloaded.status_code == 200 and reloaded.json()["changed"] is True
        loaded = dev.get("/v1/rules").json()["loaded"]
        assert loaded["revision"] != first["revision"] and loaded["overrides"]["riverside"] != before
        assert loaded["overrides"]["lakeview"] == first["overrides"]["lakeview"]
        answer = river.post("/v1/recommendations", json=STAGES_DIFFER).json()
        assert answer["tenant"]["overrides_sha256"] == loaded["overrides"]["riverside"]
        titles = [r["title"] for s in answer["next_steps"] for r in s["resources"]]
        assert "Riverside nurse navigators" in titles

        # a bad edit: refused naming file and entry, never the value; the last good set serves
        good = path.read_text()
        path.write_text(
            good.replace("https://riverside.example.org/navigators", "http://secret.example.org/x")
        )
        refused = dev.post(RELOAD)
        assert refused.status_code == 422
        detail = refused.json()["detail"]
        assert "riverside.yaml" in detail and "steps.contact_navigator.add_resources.0.url.en" in detail
        assert "secret" not in detail
        still = river.post("/v1/recommendations", json=STAGES_DIFFER).json()
        assert still["tenant"] == answer["tenant"] and urls(still) == urls(answer)
        assert (
            dev.get("/readyz").json()["rules"]["last_failure"]["reason"].startswith("tenants/riverside.yaml")
        )

        # a tenant a client belongs to cannot vanish on a reload
        path.unlink()
        gone = dev.post(RELOAD)
        assert gone.status_code == 422 and "riverside" in gone.json()["detail"]
        assert river.post("/v1/recommendations", json=STAGES_DIFFER).json()["tenant"]["id"] == "riverside"

        # rolling back: restore the file, reload (SIGHUP this time, as an operator would)
        path.write_text(good)
        os.kill(running.server.pid, signal.SIGHUP)
        restored = hashlib.sha256(good.encode()).hexdigest()
        deadline = time.monotonic() + 30
        while dev.get("/v1/rules").json()["loaded"]["overrides"].get("riverside") != restored:
            assert time.monotonic() < deadline, "the SIGHUP reload did not take the restored file"
            time.sleep(0.2)
        assert (
            river.post("/v1/recommendations", json=STAGES_DIFFER).json()["tenant"]["overrides_sha256"]
            == restored
        )


def test_a_bad_overrides_file_stops_start_up_naming_file_and_entry(tmp_path: Path) -> None:
    tenants_dir = tmp_path / "tenants"
    shutil.copytree(EXAMPLES, tenants_dir)
    path = tenants_dir / "riverside.yaml"
    path.write_text(path.read_text().replace("tumor_board:", "no_such_step:"))
    result = start_refused({"TENANTS_DIR": str(tenants_dir), "DEV_API_KEY": "k" * 32})
    assert result.returncode == 2, result.stderr
    assert "tenants/riverside.yaml" in result.stderr and "steps.no_such_step" in result.stderr


def test_a_client_naming_an_unknown_tenant_stops_start_up(tmp_path: Path) -> None:
    key = ApiKey()
    clients = clients_file(
        tmp_path, [{"id": "portal", "scopes": ["recommend"], "api_keys": [key.hash], "tenant": "nowhere"}]
    )
    result = start_refused({"TENANTS_DIR": str(EXAMPLES), "CLIENTS_FILE": str(clients)})
    assert result.returncode == 2
    assert "client 'portal' names tenant 'nowhere'" in result.stderr
    off = start_refused({"AUTH_ENABLED": "false", "DEFAULT_TENANT": "nowhere"})
    assert off.returncode == 2 and "DEFAULT_TENANT" in off.stderr


def test_with_authentication_off_every_caller_is_in_the_default_tenant() -> None:
    settings = {"AUTH_ENABLED": "false", "TENANTS_DIR": str(EXAMPLES), "DEFAULT_TENANT": "lakeview"}
    with ServerProcess(dev_key=False, env=settings) as server:
        answer = httpx.post(f"{server.base_url}/v1/recommendations", json=STAGES_DIFFER, timeout=30).json()
        assert answer["tenant"]["id"] == "lakeview"
        assert any(url.startswith("https://lakeview.example.org/") for url in urls(answer))
