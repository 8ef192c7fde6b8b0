"""Layers point one way: data_contracts → graph_schema → pipelines → sanshe (each may import
the ones before it, never one after), and no two modules import each other at load time, in a
circle. Read from the source with `ast`, so the test needs nothing imported.

Imports inside a function are counted for the layers (they are still a dependency) but not for
the circles (they run after both modules have loaded, which is how a lower layer may reach a
plug-in without a circle)."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LAYERS = ["data_contracts", "graph_schema", "pipelines", "sanshe"]


def _module(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, modules: set[str] | None = None) -> list[tuple[str, bool]]:
    """(module imported, at load time) for every import of our packages in `path`: for
    `from x import y`, the module x.y when y is one (of `modules`), else x."""
    modules = modules if modules is not None else set(_sources())
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = _module(path) if path.name == "__init__.py" else _module(path).rpartition(".")[0]
    local = {
        id(n)
        for f in ast.walk(tree)
        if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef)
        for n in ast.walk(f)
        if n is not f
    }
    typing_only = {
        id(n)
        for i in ast.walk(tree)
        if isinstance(i, ast.If) and "TYPE_CHECKING" in ast.unparse(i.test)
        for n in ast.walk(i)
    }
    out = []
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, base] if base else up)
            names = sorted({f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names})
        out += [(n, id(node) not in local) for n in names if n.split(".")[0] in LAYERS]
    return out


def _sources() -> dict[str, Path]:
    return {_module(p): p for layer in LAYERS for p in (REPO / layer).rglob("*.py")}


def wrong_way(imports: dict[str, list[str]]) -> list[str]:
    """`a imports b` for each import of a higher layer by a lower one."""

    def layer(m: str) -> int:
        return LAYERS.index(m.split(".")[0])

    return [f"{m} imports {i}" for m, found in imports.items() for i in found if layer(i) > layer(m)]


def circles(graph: dict[str, list[str]]) -> list[str]:
    """Each circle of the import graph found by a depth-first walk, as `a → b → a`."""
    found: list[str] = []
    state: dict[str, str] = {}

    def visit(m: str, path: list[str]) -> None:
        state[m] = "open"
        for n in graph.get(m, []):
            if state.get(n) == "open":
                found.append(" → ".join([*path[path.index(n) :], n]))
            elif n not in state:
                visit(n, [*path, n])
        state[m] = "done"

    for m in sorted(graph):
        if m not in state:
            visit(m, [m])
    return found


def test_layers_point_one_way():
    sources = _sources()
    imports = {m: [i for i, _ in _imports(p, set(sources))] for m, p in sources.items()}
    assert sum(map(len, imports.values())) > 200  # the imports were read
    assert not wrong_way(imports)


def test_no_import_circle_at_load_time():
    sources = _sources()
    graph = {
        m: sorted({i for i, at_load in _imports(p, set(sources)) if at_load and i in sources and i != m})
        for m, p in sources.items()
    }
    assert not circles(graph)


def test_the_checks_find_what_they_look_for():
    assert wrong_way({"pipelines.x": ["sanshe.y", "data_contracts.z"]}) == ["pipelines.x imports sanshe.y"]
    assert circles({"a": ["b"], "b": ["c"], "c": ["a"], "d": ["a"]}) == ["a → b → c → a"]
