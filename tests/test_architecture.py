"""The layering docs/architecture.md describes, checked on the code: imports only go downward, no import circle
(function-level imports included, no TYPE_CHECKING back door), no private name used across modules, small files."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGES = ("model", "agents", "calibration", "experiments")
MAX_LINES = 400

# Bottom to top; a module may import its own layer and the layers below. The longest matching prefix decides.
LAYERS: list[tuple[int, tuple[str, ...]]] = [
    (0, ("model.units", "model.calendar", "model.errors", "model.rng", "model.parameters", "model.yaml_files",
         "model.indicators", "model.signals", "model.ledger", "model.city", "model.tax")),
    (1, ("agents",)),
    (2, ("model.instruments", "model.scenario", "model.scenario_files", "model.policy")),
    (3, ("model.simulation", "model.recorder")),
    (4, ("model.run",)),
    (5, ("calibration",)),
    (6, ("experiments.runs",)),
    (7, ("experiments.report",)),
    (8, ("experiments.runs.command", "experiments.sweep", "experiments.sensitivity", "experiments.compare",
         "experiments.calibrate", "experiments.response", "experiments.validation", "experiments.explore",
         "experiments.argtypes")),
    (9, ("experiments.cli",)),
]
PACKAGE_ROOTS = {"model": 0, "agents": 1, "calibration": 5, "experiments": 9}  # the packages' __init__ files


def layer(module: str) -> int:
    if module in PACKAGE_ROOTS:
        return PACKAGE_ROOTS[module]
    matches = [(len(p), rank) for rank, prefixes in LAYERS for p in prefixes
               if module == p or module.startswith(p + ".")]
    assert matches, f"{module} is in no layer: add it to LAYERS and docs/architecture.md"
    return max(matches)[1]


def modules() -> dict[str, Path]:
    out = {}
    for pkg in PACKAGES:
        for p in sorted((ROOT / pkg).rglob("*.py")):
            parts = list(p.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join(parts)] = p
    return out


MODULES = modules()


def own(name: str) -> str | None:
    """The project module an imported name refers to (longest known prefix), or None for other packages."""
    name = name.removeprefix("innosim.")
    while name:
        if name in MODULES:
            return name
        name = name.rpartition(".")[0]
    return None


def imports_of(path: Path) -> list[tuple[str, list[str], int]]:
    """(module, imported names, line) of every import at any depth."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(a.name, [], node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            out.append((node.module, [a.name for a in node.names], node.lineno))
    return out


def graph() -> dict[str, set[str]]:
    g: dict[str, set[str]] = {m: set() for m in MODULES}
    for m, path in MODULES.items():
        for mod, names, _ in imports_of(path):
            targets = {own(mod)} | {own(f"{mod}.{n}") for n in names}
            g[m] |= {t for t in targets if t and t != m}
    return g


def test_every_module_has_a_layer():
    for m in MODULES:
        layer(m)


def test_imports_only_go_down():
    up = []
    for m, targets in graph().items():
        up += [f"{m} ({layer(m)}) imports {t} ({layer(t)})" for t in targets
               if layer(t) > layer(m)]
    assert not up, "\n".join(up)


def test_no_import_circle():
    g = graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    circles: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in g[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                circles.append(sorted(comp))

    for v in g:
        if v not in index:
            visit(v)
    assert not circles, circles


def test_no_type_checking_back_door():
    hits = [f"{p}:{n.lineno}" for m, p in MODULES.items() for n in ast.walk(ast.parse(p.read_text(encoding="utf-8")))
            if isinstance(n, ast.If) and "TYPE_CHECKING" in ast.unparse(n.test)]
    assert not hits, hits


def test_no_private_name_across_modules():
    hits = []
    for path in MODULES.values():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        aliases = {}
        for mod, names, line in imports_of(path):
            target = own(mod)
            if target is None:
                continue
            hits += [f"{path.name}:{line} imports {mod}.{n}" for n in names if n.startswith("_")]
            aliases.update({n: own(f"{mod}.{n}") for n in names if own(f"{mod}.{n}") not in (None, target)})
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__")
                    and isinstance(node.value, ast.Name) and node.value.id in aliases):
                hits.append(f"{path.name}:{node.lineno} uses {node.value.id}.{node.attr}")
    assert not hits, hits


@pytest.mark.parametrize("folder", [*PACKAGES, "benchmarks"])
def test_no_file_over_400_lines(folder):
    long = {str(p.relative_to(ROOT)): n for p in (ROOT / folder).rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, long
