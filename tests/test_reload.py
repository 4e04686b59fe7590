"""Rules reload without a restart, on a real server over loopback: under load no request fails and every
answer is on the old or the new revision; a bad set is refused while the last good one serves; SIGHUP to
a server with two workers reloads both (each worker's revision is in /metrics, by pid)."""

from __future__ import annotations

import re
import signal
import threading
import time
from pathlib import Path

import httpx

from tests.support.auth import ApiKey, clients_file
from tests.support.bodies import STAGES_DIFFER
from tests.support.paths import RULES
from tests.support.rules_edits import add_a_cancer_type, break_a_rule, bump_version, copy_rules
from tests.support.server import AUTH, ServerProcess

RELOAD = "/v1/admin/rules:reload"


def revision(client: httpx.Client) -> str:
    return str(client.get("/v1/rules").json()["sha256"])


def worker_revisions(client: httpx.Client) -> dict[str, str]:
    """pid -> the revision that worker serves (the gauge at 1), from /metrics."""
    text = client.get("/metrics").text
    found = re.findall(r'nextsteps_rules_revision_info\{pid="(\d+)",revision="([0-9a-f]+)"\} 1\.0', text)
    return dict(found)


def wait_for(check: object, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def test_a_reload_under_load_fails_no_request_and_every_answer_is_old_or_new(tmp_path: Path) -> None:
    rules_dir = copy_rules(tmp_path)
    with (
        ServerProcess(WORKERS="2", RULES_DIR=str(rules_dir)) as server,
        httpx.Client(base_url=server.base_url, headers=AUTH, timeout=30) as admin,
    ):
        old = revision(admin)
        stop = threading.Event()
        answers: list[tuple[int, str | None]] = []

        def load() -> None:  # bounded: at most 400 requests per thread, and it stops once told
            with httpx.Client(base_url=server.base_url, headers=AUTH, timeout=30) as client:
                for _ in range(400):
                    if stop.is_set():
                        return
                    response = client.post("/v1/recommendations", json=STAGES_DIFFER)
                    sha = response.json()["ruleset"]["sha256"] if response.status_code == 200 else None
                    answers.append((response.status_code, sha))

        threads = [threading.Thread(target=load) for _ in range(4)]
        for thread in threads:
            thread.start()
        wait_for(lambda: len(answers) >= 40)
        bump_version(rules_dir)
        reloaded = admin.post(RELOAD)
        assert reloaded.status_code == 200, reloaded.text
        new = reloaded.json()["revision"]
        assert reloaded.json() | {"revision": "-"} == {
            "revision": "-",
            "previous_revision": old,
            "changed": True,
            "reloads": "every_process",
        }
        # every worker, not just the one that took the POST, comes to serve the new revision
        wait_for(lambda: set(worker_revisions(admin).values()) == {new} and len(worker_revisions(admin)) == 2)
        seen_after = len(answers)
        wait_for(lambda: len(answers) >= seen_after + 40 or not any(t.is_alive() for t in threads))
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    statuses = {status for status, _ in answers}
    assert statuses == {200}, statuses
    revisions = [sha for _, sha in answers]
    assert set(revisions) <= {old, new}
    assert old in revisions and new in revisions
    assert revisions[-1] == new


def test_a_bad_reload_is_refused_and_the_last_good_set_keeps_serving(tmp_path: Path) -> None:
    rules_dir = copy_rules(tmp_path)
    reader = ApiKey()
    clients = clients_file(tmp_path, [{"id": "portal", "scopes": ["recommend"], "api_keys": [reader.hash]}])
    with (
        ServerProcess(RULES_DIR=str(rules_dir), CLIENTS_FILE=str(clients)) as server,
        httpx.Client(base_url=server.base_url, headers=AUTH, timeout=30) as admin,
    ):
        good = revision(admin)
        assert admin.get("/readyz").json()["rules"]["last_failure"] is None

        break_a_rule(rules_dir)
        refused = admin.post(RELOAD)
        assert refused.status_code == 422
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["type"].endswith("/rules-refused")
        assert "ruleset/20-recommend.yaml" in refused.json()["detail"]
        answer = admin.post("/v1/recommendations", json=STAGES_DIFFER)
        assert answer.status_code == 200 and answer.json()["ruleset"]["sha256"] == good
        for body in (admin.get("/readyz").json()["rules"], admin.get("/v1/rules").json()["loaded"]):
            assert body["revision"] == good
            assert "ruleset/20-recommend.yaml" in body["last_failure"]["reason"]
            assert body["last_failure"]["restart_needed"] is False
        assert 'nextsteps_rules_reloads_total{result="refused"} 1.0' in admin.get("/metrics").text

        # accepted codes changed (a new cancer type): refused, a restart is needed
        copy_rules(tmp_path / "fresh")
        (rules_dir / "ruleset" / "20-recommend.yaml").write_bytes(
            (tmp_path / "fresh" / "rules" / "ruleset" / "20-recommend.yaml").read_bytes()
        )
        add_a_cancer_type(rules_dir)
        refused = admin.post(RELOAD)
        assert refused.status_code == 422 and "restart" in refused.json()["detail"]
        assert admin.get("/v1/rules").json()["loaded"]["last_failure"]["restart_needed"] is True
        still = admin.post("/v1/recommendations", json=STAGES_DIFFER)
        assert still.status_code == 200 and still.json()["ruleset"]["sha256"] == good
        assert "newtype" not in {t["code"] for t in admin.get("/v1/cancer-types").json()["cancer_types"]}

        # only an admin may reload
        assert httpx.post(server.base_url + RELOAD, headers=reader.headers).status_code == 403
        assert httpx.post(server.base_url + RELOAD).status_code == 401


def test_sighup_with_two_workers_reloads_both(tmp_path: Path) -> None:
    rules_dir = copy_rules(tmp_path)
    with (
        ServerProcess(WORKERS="2", RULES_DIR=str(rules_dir)) as server,
        httpx.Client(base_url=server.base_url, headers=AUTH, timeout=30) as client,
    ):
        workers = server.wait_workers(2)
        wait_for(lambda: len(worker_revisions(client)) == 2)
        old = set(worker_revisions(client).values())
        assert {int(pid) for pid in worker_revisions(client)} == workers
        bump_version(rules_dir)
        server.proc.send_signal(signal.SIGHUP)  # type: ignore[union-attr]
        wait_for(lambda: set(worker_revisions(client).values()) - old != set())
        wait_for(lambda: len(set(worker_revisions(client).values())) == 1)
        (new,) = set(worker_revisions(client).values())
        assert new not in old
        assert {int(pid) for pid in worker_revisions(client)} == workers  # the same workers: not restarted
        assert server.workers() == workers
        assert client.get("/v1/rules").json()["version"] == "2099.1.0"


def test_the_handout_card_and_fhir_words_reload_with_the_rules_and_a_bad_one_is_refused(
    tmp_path: Path,
) -> None:
    rules_dir = copy_rules(tmp_path)
    labels = rules_dir / "handout" / "en.yaml"
    voice = rules_dir / "cds" / "clinician-voice.yaml"
    with (
        ServerProcess(RULES_DIR=str(rules_dir)) as server,
        httpx.Client(base_url=server.base_url, headers=AUTH, timeout=30) as admin,
    ):
        decision = admin.post("/v1/recommendations", json=STAGES_DIFFER).json()["decision_id"]
        handout = f"/v1/recommendations/{decision}/handout"
        assert "Steps to think about" in admin.get(handout, headers={"Accept": "text/html"}).text
        old = revision(admin)

        # a heading reworded: the revision changes and the next handout uses the new words
        labels.write_text(labels.read_text().replace("Steps to think about", "Steps to weigh"))
        reloaded = admin.post(RELOAD)
        assert reloaded.status_code == 200 and reloaded.json()["changed"] is True
        assert reloaded.json()["revision"] != old == reloaded.json()["previous_revision"]
        page = admin.get(handout, headers={"Accept": "text/html"}).text
        assert "Steps to weigh" in page and "Steps to think about" not in page
        good = revision(admin)

        # a card summary left empty: refused, naming the file and entry; the last good set serves on
        voice.write_text(
            voice.read_text().replace(
                voice.read_text().split("confirmed_plan: ", 1)[1].split("\n", 1)[0], '""', 1
            )
        )
        refused = admin.post(RELOAD)
        assert refused.status_code == 422, refused.text
        assert "cds/clinician-voice.yaml" in refused.json()["detail"]
        assert "confirmed_plan" in refused.json()["detail"]
        assert revision(admin) == good
        assert admin.post("/v1/recommendations", json=STAGES_DIFFER).json()["ruleset"]["sha256"] == good
        assert "Steps to weigh" in admin.get(handout, headers={"Accept": "text/html"}).text

        # a FHIR table that does not parse: refused the same way
        voice.write_bytes((RULES / "cds" / "clinician-voice.yaml").read_bytes())
        fhir_table = sorted((rules_dir / "fhir").glob("*.yaml"))[0]
        fhir_table.write_text("[unclosed")
        refused = admin.post(RELOAD)
        assert refused.status_code == 422 and f"fhir/{fhir_table.name}" in refused.json()["detail"]
        assert revision(admin) == good
