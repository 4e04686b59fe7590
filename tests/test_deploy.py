"""The Dockerfile, the compose file and the Kubernetes manifests, checked offline by real validators."""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import kubernetes_validate
import yaml

from tests.support.paths import ROOT

DEPLOY = ROOT / "deploy"
K8S_VERSION = "1.33.0"
BIN = Path(sys.executable).parent


def manifests() -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for path in sorted((DEPLOY / "k8s").glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            found[f"{doc['kind']}/{doc['metadata']['name']}"] = doc
    return found


def k8s_errors(doc: dict[str, Any]) -> str | None:
    try:
        kubernetes_validate.validate(doc, K8S_VERSION, strict=True)
    except kubernetes_validate.ValidationError as exc:
        return str(exc)
    return None


def test_every_manifest_is_valid_against_the_kubernetes_schemas() -> None:
    docs = manifests()
    assert set(docs) == {
        "Deployment/nextsteps",
        "Service/nextsteps",
        "HorizontalPodAutoscaler/nextsteps",
        "Deployment/nextsteps-redis",
        "Service/nextsteps-redis",
    }
    assert {kind: k8s_errors(doc) for kind, doc in docs.items()} == dict.fromkeys(docs)


def test_the_validator_rejects_a_broken_manifest() -> None:
    broken = copy.deepcopy(manifests()["Deployment/nextsteps"])
    container = broken["spec"]["template"]["spec"]["containers"][0]
    container["livenessProbe"]["httpGet"]["paht"] = "/healthz"  # a typo: strict validation refuses it
    assert k8s_errors(broken)
    wrong_type = copy.deepcopy(manifests()["Deployment/nextsteps"])
    wrong_type["spec"]["replicas"] = "two"
    assert k8s_errors(wrong_type)


def test_the_deployment_is_probed_bounded_non_root_and_drains_before_it_is_killed() -> None:
    docs = manifests()
    pod = docs["Deployment/nextsteps"]["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert set(container["resources"]) == {"requests", "limits"}
    assert {"cpu", "memory"} <= set(container["resources"]["requests"])
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert any(m["mountPath"] == "/tmp" for m in container["volumeMounts"])  # metrics files of the workers
    env = {e["name"]: e["value"] for e in container["env"] if "value" in e}
    assert int(env["WORKERS"]) >= 2
    pre_stop = int(container["lifecycle"]["preStop"]["exec"]["command"][1])
    assert pod["terminationGracePeriodSeconds"] > pre_stop + int(env["SHUTDOWN_TIMEOUT"])
    # the Service and the autoscaler point at the Deployment
    labels = docs["Deployment/nextsteps"]["spec"]["template"]["metadata"]["labels"]
    assert docs["Service/nextsteps"]["spec"]["selector"].items() <= labels.items()
    assert docs["Service/nextsteps"]["spec"]["ports"][0]["targetPort"] == container["ports"][0]["name"]
    target = docs["HorizontalPodAutoscaler/nextsteps"]["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"]) == (
        "Deployment",
        docs["Deployment/nextsteps"]["metadata"]["name"],
    )


def test_the_shipped_deployments_share_one_store_between_their_processes() -> None:
    """Several workers (and pods) with no shared store would each keep their own used JWT ids and limits."""
    docs = manifests()
    container = docs["Deployment/nextsteps"]["spec"]["template"]["spec"]["containers"][0]
    env = {e["name"]: e.get("value") for e in container["env"]}
    redis = docs["Service/nextsteps-redis"]
    assert env["REDIS_URL"] == f"redis://{redis['metadata']['name']}:{redis['spec']['ports'][0]['port']}/0"
    redis_pod = docs["Deployment/nextsteps-redis"]["spec"]["template"]
    assert redis["spec"]["selector"].items() <= redis_pod["metadata"]["labels"].items()
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())["services"]
    assert compose["api"]["environment"]["REDIS_URL"] == "redis://redis:6379/0"
    assert "redis" in compose and "redis" in compose["api"]["depends_on"]


def compose_errors(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [BIN / "check-jsonschema", "--builtin-schema", "vendor.compose-spec", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_compose_file_is_valid_against_the_compose_spec(tmp_path: Path) -> None:
    assert compose_errors(DEPLOY / "compose.yaml").returncode == 0
    broken = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    broken["services"]["api"]["ports"] = {"not": "a list"}
    (tmp_path / "compose.yaml").write_text(yaml.safe_dump(broken))
    assert compose_errors(tmp_path / "compose.yaml").returncode != 0


def test_the_compose_stack_builds_this_dockerfile_and_checks_health() -> None:
    api = yaml.safe_load((DEPLOY / "compose.yaml").read_text())["services"]["api"]
    assert (DEPLOY / api["build"]["context"] / api["build"]["dockerfile"]).resolve() == ROOT / "Dockerfile"
    assert api["healthcheck"]["test"] == ["CMD", "python", "-m", "service.healthcheck"]


def dockerfile() -> list[tuple[str, str]]:
    """(instruction, arguments) pairs, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    pairs = []
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            word, _, rest = line.strip().partition(" ")
            pairs.append((word.upper(), rest.strip()))
    return pairs


def test_hadolint_finds_no_warning_in_the_dockerfile() -> None:
    result = subprocess.run(
        [BIN / "hadolint", "--failure-threshold", "warning", str(ROOT / "Dockerfile")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_image_is_multi_stage_slim_non_root_with_exec_form_start_and_a_healthcheck() -> None:
    steps = dockerfile()
    froms = [args for word, args in steps if word == "FROM"]
    assert len(froms) == 2 and all(f.startswith("python:3.13-slim") for f in froms)
    user = [args for word, args in steps if word == "USER"][-1]
    assert user.split(":")[0] not in ("0", "root")
    cmd = [args for word, args in steps if word == "CMD"][-1]
    assert json.loads(cmd) == ["python", "-m", "service"]
    health = [args for word, args in steps if word == "HEALTHCHECK"][-1]
    assert json.loads(health.split("CMD", 1)[1]) == ["python", "-m", "service.healthcheck"]
    env = " ".join(args for word, args in steps if word == "ENV")
    assert "HOST=0.0.0.0" in env and "PORT=" in env and "WORKERS=" in env


def test_the_build_context_holds_only_what_the_image_needs() -> None:
    rules = [r for r in (ROOT / ".dockerignore").read_text().splitlines() if r and not r.startswith("#")]
    assert rules[0] == "*"  # everything out (.venv, .git, tests, caches) ...
    assert {r for r in rules if r.startswith("!")} == {
        "!pyproject.toml",
        "!service/",
        "!rules/",
    }  # ... but these


def test_the_shipped_deployments_read_tenant_overrides_from_a_mounted_directory() -> None:
    pod = manifests()["Deployment/nextsteps"]["spec"]["template"]["spec"]
    container = pod["containers"][0]
    env = {e["name"]: e.get("value") for e in container["env"]}
    mount = next(m for m in container["volumeMounts"] if m["mountPath"] == env["TENANTS_DIR"])
    volume = next(v for v in pod["volumes"] if v["name"] == mount["name"])
    # without the ConfigMap the pod still starts, with national resources only
    assert mount["readOnly"] is True and volume["configMap"]["optional"] is True
    api = yaml.safe_load((DEPLOY / "compose.yaml").read_text())["services"]["api"]
    tenants_dir = api["environment"]["TENANTS_DIR"]
    assert any(v.split(":")[1] == tenants_dir and v.endswith(":ro") for v in api["volumes"])
