"""The layering the folders promise: extract/ imports nothing of pipeline/ or warehouse/, and no module
or sub-package of ours imports one that imports it back (imports inside functions count too)."""
from __future__ import annotations

import ast

from conftest import ROOT

PACKAGES = ("extract", "pipeline", "warehouse")


def project_modules() -> dict[str, set[str]]:
    """Module name -> the modules of ours it imports."""
    paths = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            paths[name] = path
    graph = {}
    for name, path in paths.items():
        imported = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
            elif isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names}
        graph[name] = {m for m in imported if m in paths and m != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one node (Tarjan)."""
    index, low, stack, found = {}, {}, [], []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in graph.get(node, ()):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = stack[stack.index(node):]
            del stack[stack.index(node):]
            if len(group) > 1:
                found.append(sorted(group))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def room(module: str) -> str:
    """extract.facts.units -> extract.facts; extract.document -> extract.document."""
    return ".".join(module.split(".")[:2])


def test_extract_never_imports_the_orchestration_or_the_warehouse():
    graph = project_modules()
    assert [(m, i) for m, imports in graph.items() for i in imports
            if m.startswith("extract") and not i.startswith("extract")] == []


def test_no_module_imports_one_that_imports_it_back():
    assert cycles(project_modules()) == []


def test_no_room_of_extract_imports_one_that_imports_it_back():
    rooms: dict[str, set[str]] = {}
    for module, imports in project_modules().items():
        rooms.setdefault(room(module), set()).update(room(i) for i in imports if room(i) != room(module))
    assert cycles(rooms) == []


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
