"""Every example in the README runs, as written, against a live server.

Only the address `http://127.0.0.1:8000` is replaced by the test server's. The npm and pip install lines are
not run (no registry in the tests): the versions they name must be the ones this repository pins, which are
the ones installed here. `docker` is not run either: each `docker run` command's settings and mounts start a
local `python -m service` instead (`make container-check` runs the image itself).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import tomllib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.support.paths import ROOT
from tests.support.server import DEV_KEY, ServerProcess
from tests.support.services import redis_url

README = ROOT / "README.md"
README_URL = "http://127.0.0.1:8000"
TS_PACKAGES = ROOT / "clients" / "ts"
VENV_BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class Block:
    line: int  # where it starts in the README, for messages
    section: str  # the heading above it
    lang: str
    text: str

    def __str__(self) -> str:
        return f"README.md:{self.line} ({self.section}, {self.lang or 'no language'})"


def readme_blocks() -> list[Block]:
    blocks: list[Block] = []
    section = ""
    lines = README.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("#"):
            section = line.lstrip("#").strip()
        elif line.startswith("```"):
            start = i
            end = next(j for j in range(i + 1, len(lines)) if lines[j].startswith("```"))
            blocks.append(Block(start + 1, section, line[3:].strip(), "\n".join(lines[i + 1 : end]) + "\n"))
            i = end
        i += 1
    return blocks


def kind(block: Block) -> str:
    """What runs this block; every block of the README must be one of these."""
    text = block.text
    if block.lang == "sh" and text.startswith("make run"):
        return "the two commands"  # `make test` is this suite; `make run` is how its servers start
    if block.lang == "sh" and "docker run" in text:
        return "container"
    if block.lang == "sh" and "python -m service.auth.keys new" in text:
        return "container"  # makes the key of the clients file the container test mounts
    if block.lang == "yaml" and text.startswith("clients:"):
        return "container"  # the clients file, as mounted
    if block.section.startswith("TypeScript") and block.lang in ("sh", "json", "ts"):
        return "typescript"
    if block.section.startswith("Python") and block.lang in ("sh", "python"):
        return "python"
    if block.lang == "sh" and text.lstrip().startswith(("curl", "#")) and "curl " in text:
        return "curl"
    if block.lang == "json" and block.section == "Operations":
        return "log line"
    if block.lang == "yaml" and block.section == "Tenants":
        return "tenant file"
    if block.lang == "" and block.section == "Where things are":
        return "file tree"
    return "unknown"


BLOCKS = readme_blocks()


def blocks_of(name: str) -> list[Block]:
    found = [b for b in BLOCKS if kind(b) == name]
    assert found, f"the README has no {name} example"
    return found


def test_every_readme_example_is_run_by_a_test() -> None:
    unknown = [str(b) for b in BLOCKS if kind(b) == "unknown"]
    assert unknown == [], "a README example no test runs: give it a kind in tests/test_readme.py"


def bash(script: str, cwd: Path, env: dict[str, str], base_url: str) -> subprocess.CompletedProcess[str]:
    """Run README shell lines with bash -euo pipefail; curl fails on an HTTP error and is bounded in time."""
    prelude = 'curl() { command curl --fail-with-body --show-error --max-time 60 "$@"; echo; }\n'
    return subprocess.run(
        ["bash", "-euo", "pipefail", "-c", prelude + script.replace(README_URL, base_url)],
        cwd=cwd,
        env={**os.environ, "NEXTSTEPS_KEY": DEV_KEY, **env},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


# -- curl -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("block", blocks_of("curl"), ids=str)
def test_a_curl_example_runs(block: Block, base_url: str, tmp_path: Path) -> None:
    result = bash(block.text, tmp_path, {}, base_url)
    assert result.returncode == 0, f"{block}\n{result.stdout}\n{result.stderr}"
    answers = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert answers, block
    for answer in answers:
        assert {"next_steps", "results", "cards", "services"} & set(answer), answer
        for step_list in [
            answer.get("next_steps"),
            *(r["recommendation"]["next_steps"] for r in answer.get("results", [])),
        ]:
            if step_list is not None:
                assert [s["rank"] for s in step_list] == list(range(1, len(step_list) + 1)) and step_list


# -- TypeScript -------------------------------------------------------------------------------------------


def pinned_npm() -> dict[str, str]:
    package = json.loads((TS_PACKAGES / "package.json").read_text())
    return {**package.get("dependencies", {}), **package["devDependencies"]}


def npm_installs(script: str) -> dict[str, str]:
    named: dict[str, str] = {}
    for line in script.splitlines():
        if line.startswith("npm install"):
            for word in shlex.split(line)[2:]:
                if not word.startswith("-"):
                    name, _, version = word.rpartition("@")
                    named[name] = version
    return named


def printed_steps(output: str) -> tuple[str, list[tuple[int, str, str]]]:
    """The example programs print `decision <id>`, then `rank code ... title` per step."""
    lines = output.splitlines()
    decision = next(line.split()[1] for line in lines if line.startswith("decision "))
    steps = []
    for line in lines:
        match = re.match(r"(\d+) ([a-z_]+) (?:(?:true|false) )?(.+)$", line)
        if match:
            steps.append((int(match[1]), match[2], match[3]))
    return decision, steps


def assert_recorded(client: httpx.Client, decision: str, steps: list[tuple[int, str, str]]) -> None:
    """What the program printed is the decision the server recorded, in rank order, in Spanish."""
    recorded = client.get(f"/v1/recommendations/{uuid.UUID(decision)}")
    assert recorded.status_code == 200, recorded.text
    assert recorded.headers["content-language"] == "es"
    expected = [(s["rank"], s["code"], s["title"]) for s in recorded.json()["next_steps"]]
    assert steps == expected and steps


def test_the_typescript_example_compiles_and_runs_with_the_versions_the_readme_names(
    base_url: str, client: httpx.Client, tmp_path: Path
) -> None:
    setup, tsconfig, program, run = blocks_of("typescript")
    assert (setup.lang, tsconfig.lang, program.lang, run.lang) == ("sh", "json", "ts", "sh")
    named = npm_installs(setup.text)
    assert named == {k: v for k, v in pinned_npm().items() if k in named}, "the README names other versions"
    assert set(named) == {"openapi-fetch", "openapi-typescript", "typescript", "@types/node"}
    for name, version in named.items():  # and they are the ones installed here
        installed = json.loads((TS_PACKAGES / "node_modules" / name / "package.json").read_text())
        assert installed["version"] == version, name
    (tmp_path / "node_modules").symlink_to(TS_PACKAGES / "node_modules")
    (tmp_path / "tsconfig.json").write_text(tsconfig.text)
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "compare.ts").write_text(program.text.replace(README_URL, base_url))
    script = "\n".join(line for line in setup.text.splitlines() if not line.startswith("npm install"))
    prepared = bash(script, tmp_path, {}, base_url)
    assert prepared.returncode == 0, prepared.stdout + prepared.stderr
    assert json.loads((tmp_path / "package.json").read_text())["type"] == "module"
    result = bash(run.text, tmp_path, {}, base_url)
    assert result.returncode == 0, result.stdout + result.stderr
    decision, steps = printed_steps(result.stdout)
    assert_recorded(client, decision, steps)
    for line in result.stdout.splitlines()[1:]:  # the StepCode type checks the comparison
        assert (" true " in line) == (line.split()[1] == "ask_if_safe_to_wait"), line


# -- Python -----------------------------------------------------------------------------------------------


def pinned_pip() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    requirements = [*project["project"]["dependencies"], *project["project"]["optional-dependencies"]["dev"]]
    return dict(r.split("==", 1) for r in requirements if "==" in r)


def test_the_python_example_runs_with_the_client_generated_by_the_version_the_readme_names(
    base_url: str, client: httpx.Client, tmp_path: Path
) -> None:
    setup, program, run = blocks_of("python")
    assert (setup.lang, program.lang, run.lang) == ("sh", "python", "sh")
    install = next(line for line in setup.text.splitlines() if "pip install" in line)
    named = dict(word.split("==") for word in shlex.split(install) if "==" in word)
    assert named == {k: pinned_pip()[k] for k in named}, "the README names other versions"
    assert "openapi-python-client" in named
    (tmp_path / "compare.py").write_text(program.text.replace(README_URL, base_url))
    path = {"PATH": f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}"}  # this venv's python3 has those pins
    script = "\n".join(line for line in setup.text.splitlines() if "pip install" not in line)
    prepared = bash(script, tmp_path, path, base_url)
    assert prepared.returncode == 0, prepared.stdout + prepared.stderr
    result = bash(run.text, tmp_path, path, base_url)
    assert result.returncode == 0, result.stdout + result.stderr
    decision, steps = printed_steps(result.stdout)
    assert_recorded(client, decision, steps)


# -- the container ----------------------------------------------------------------------------------------


def docker_runs(script: str, cwd: Path) -> tuple[list[list[str]], dict[str, str]]:
    """The README's container lines through bash, with `docker` and `make` recording their arguments."""
    record = shlex.quote(str(cwd / "docker-calls"))
    stubs = f'docker() {{ printf "%s\\0" "$@" >> {record}; printf "\\n" >> {record}; }}\nmake() {{ :; }}\n'
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", stubs + script + "\nenv -0 > exported-env\n"],
        cwd=cwd,
        env={k: v for k, v in os.environ.items() if k != "NEXTSTEPS_KEY"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    recorded = (cwd / "docker-calls").read_text()
    calls = [entry.split("\0") for entry in recorded.split("\0\n") if entry]
    exported = dict(
        item.split("=", 1) for item in (cwd / "exported-env").read_text().split("\0") if "=" in item
    )
    return [c for c in calls if c[:1] == ["run"]], exported


def run_options(args: list[str]) -> tuple[dict[str, str], list[tuple[str, str]], list[str], str]:
    """(environment, mounts (host, container), published ports, image) of `docker run ARGS`."""
    env: dict[str, str] = {}
    mounts: list[tuple[str, str]] = []
    ports: list[str] = []
    rest = iter(args[1:])
    image = ""
    for arg in rest:
        if arg == "-e":
            name, _, value = next(rest).partition("=")
            env[name] = value
        elif arg == "-v":
            host, container, *_ = next(rest).split(":")
            mounts.append((host, container))
        elif arg == "-p":
            ports.append(next(rest))
        elif arg == "--rm":
            continue
        else:
            image = arg
    return env, mounts, ports, image


@pytest.fixture
def clients_dir(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """`clients/clients.yaml` as the README shows it, with a key made by the README's key command."""
    [command] = [b for b in blocks_of("container") if b.lang == "sh" and "keys new" in b.text]
    made = subprocess.run(
        command.text.strip().replace(".venv/bin/python", sys.executable),
        shell=True,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    words = made.stdout.split()
    key = next(w for w in words if w.startswith("nsk_"))
    hash_line = next(w for w in words if w.startswith("sha256:"))
    [clients] = [b for b in blocks_of("container") if b.lang == "yaml"]
    text = re.sub(r"sha256:[0-9a-f]+\.\.\.[0-9a-f]+", hash_line, clients.text)
    assert hash_line in text, "the README's clients file has no api_keys line to fill"
    (tmp_path / "clients").mkdir()
    (tmp_path / "clients" / "clients.yaml").write_text(text)
    yield tmp_path, key


def image_default(name: str) -> str:
    """A setting's value in the image (the Dockerfile's ENV), e.g. WORKERS=2."""
    found = re.search(rf"\b{name}=(\S+)", (ROOT / "Dockerfile").read_text())
    assert found, f"the Dockerfile sets no {name}"
    return found.group(1)


def test_each_docker_run_example_starts_a_service_that_accepts_its_credential(
    clients_dir: tuple[Path, str],
) -> None:
    cwd, portal_key = clients_dir
    [block] = [b for b in blocks_of("container") if b.lang == "sh" and "docker run" in b.text]
    runs, exported = docker_runs(block.text, cwd)
    assert len(runs) >= 2
    ways = set()
    for args in runs:
        env, mounts, ports, image = run_options(args)
        assert image == "nextsteps", args
        container_port = env.get("PORT", "8000")
        assert any(p.endswith(f":{container_port}") for p in ports), (
            f"{args}: port {container_port} not published"
        )
        for host, container in mounts:
            assert Path(host).is_dir(), f"{args}: {host} does not exist"
            env = {k: v.replace(container, host) for k, v in env.items()}
        env = {"WORKERS": image_default("WORKERS"), **env}  # what the image runs unless told otherwise
        if "REDIS_URL" in env:  # the README names the operator's Redis; the test has a private one
            env["REDIS_URL"] = redis_url()
        if "DEV_API_KEY" in env:
            ways.add("development key")
            key = exported["NEXTSTEPS_KEY"]
            assert env["DEV_API_KEY"] == key
        else:
            ways.add("clients file")
            assert Path(env["CLIENTS_FILE"]).is_file(), f"{args}: CLIENTS_FILE is not in a mounted directory"
            key = portal_key
        environ = {k: v for k, v in os.environ.items() if k not in ("DEV_API_KEY", "CLIENTS_FILE")}
        with ServerProcess(base_env=environ, dev_key=False, env=env) as server:
            base = server.base_url
            body = {
                "opinions": [
                    {
                        "clinician": {"specialty": "surgical_oncology"},
                        "diagnosis": {"cancer_type": "breast"},
                        "treatment": {"modalities": ["surgery"]},
                    }
                ]
                * 2
            }
            answer = httpx.post(
                f"{base}/v1/recommendations",
                json=body,
                headers={"Authorization": f"Bearer {key}"},
                timeout=30,
            )
            anonymous = httpx.post(f"{base}/v1/recommendations", json=body, timeout=30)
        assert answer.status_code == 200, (args, answer.text)
        assert anonymous.status_code == 401
    assert ways == {"development key", "clients file"}


def test_the_compose_file_mounts_the_clients_file_the_readme_describes() -> None:
    import yaml

    api = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())["services"]["api"]
    clients_file = api["environment"]["CLIENTS_FILE"]
    mounted = [v.split(":") for v in api["volumes"] if v.startswith("./")]
    assert any(clients_file.startswith(container + "/") and mode == "ro" for _h, container, mode in mounted)
    assert "# DEV_API_KEY: ${NEXTSTEPS_KEY}" in (ROOT / "deploy" / "compose.yaml").read_text()


def test_the_tenant_file_example_loads_and_shows_what_it_says(tmp_path: Path) -> None:
    """The README's tenant file, as `riverside.yaml` in a TENANTS_DIR: it loads, hides the tumor board and
    adds the navigators' page; and it is a shortened deploy/tenants-example/riverside.yaml."""
    from service.core.rulebook import RuleBook

    [block] = blocks_of("tenant file")
    (tmp_path / "riverside.yaml").write_text(block.text, encoding="utf-8")
    book = RuleBook.load(ROOT / "rules", tenants_dir=tmp_path)
    example = RuleBook.load(ROOT / "rules", tenants_dir=ROOT / "deploy" / "tenants-example")
    try:
        tenant, full = book.tenants["riverside"], example.tenants["riverside"]
        assert tenant.hides("tumor_board")
        assert tenant.steps["contact_navigator"].added[0].phones == ("+1 555 010 0100",)
        for code, override in tenant.steps.items():
            assert override == full.steps[code], code
    finally:
        book.close()
        example.close()


def test_the_log_line_example_is_json() -> None:
    [block] = blocks_of("log line")
    line = json.loads(block.text)
    assert line["logger"] == "nextsteps.request" and line["route"] == "/v1/recommendations"


def test_the_readme_addresses_are_the_make_run_defaults() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert "HOST ?= 127.0.0.1" in makefile and "PORT ?= 8000" in makefile
