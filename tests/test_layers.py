"""The packages of service/ import only downwards, and no module imports itself back through others."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.support.paths import ROOT

# Lowest first: a module may import its own layer and the ones before it, never one after.
LAYERS = [
    {"config"},
    {"core"},
    {"decisions"},
    {"handout", "review"},
    {"web"},
    {"auth"},
    {"answering", "batch"},
    {"integrations"},
    {"api"},
    {"openapi"},
    {"main"},
    {"server", "healthcheck", "purge", "__main__"},
]
RANK = {name: rank for rank, names in enumerate(LAYERS) for name in names}
COMMANDS = {"service.openapi.__main__"}  # `python -m service.openapi` builds the app: the very top


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("service"):
            found |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("service")}
    return found


GRAPH = {module_name(p): imports(p) for p in (ROOT / "service").rglob("*.py")}


def layer(module: str) -> int:
    return RANK[module.split(".")[1]] if "." in module else -1


def test_every_package_has_a_layer() -> None:
    assert {m.split(".")[1] for m in GRAPH if "." in m} <= set(RANK)


def test_no_module_imports_a_layer_above_its_own() -> None:
    upward = [
        (module, target)
        for module, targets in GRAPH.items()
        if module not in COMMANDS
        for target in targets
        if target in GRAPH and layer(target) > layer(module)
    ]
    assert upward == []


def test_no_import_cycles() -> None:
    edges = {m: {t for t in targets if t in GRAPH and t != m} for m, targets in GRAPH.items()}
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        assert module not in path, " -> ".join([*path, module])
        if module in done:
            return
        for target in edges[module]:
            visit(target, [*path, module])
        done.add(module)

    for module in edges:
        visit(module, [])
