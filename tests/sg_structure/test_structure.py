"""The shape of smart_government, checked from its source with ``ast`` (nothing is imported): no
import cycles between its modules, no module over 500 lines, no function over 80 lines (migrations
excepted), and no page or API module that registers routes on the pillar's blueprint by being
imported (each feature's blueprint is nested explicitly in ``plugin.py``)."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import smart_government

ROOT = Path(smart_government.__file__).parent
PACKAGE = "smart_government"
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 80


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT)
        if rel.parts[0] == "migrations":
            continue
        parts = [PACKAGE, *rel.with_suffix("").parts]
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _is_package(name: str, modules: dict[str, Path]) -> bool:
    return modules[name].name == "__init__.py"


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """Modules of the plugin that importing ``name`` executes: each imported module, and the
    packages above it that ``name`` is not inside (Python runs their ``__init__`` first)."""
    tree = ast.parse(path.read_text())
    package = name if _is_package(name, modules) else name.rpartition(".")[0]
    targets: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            targets.add(module)
            targets.update(f"{module}.{a.name}" for a in node.names)  # ``from . import views``
    edges = set()
    for target in targets:
        if target not in modules:
            continue
        parts = target.split(".")
        for i in range(2, len(parts) + 1):
            ancestor = ".".join(parts[:i])
            inside = name == ancestor or name.startswith(ancestor + ".")
            if ancestor in modules and (ancestor == target or not inside):
                edges.add(ancestor)
    edges.discard(name)
    return edges


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(name, path, modules) for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                group.append(top)
                if top == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_graph_sees_the_features():
    graph = import_graph()
    assert "smart_government.letters.issuing" in graph["smart_government.letters.requests"]
    assert "smart_government.registry" in graph["smart_government.importing.writer"]  # the package's __init__


def test_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_packages_and_shared_modules_import_first():
    """Each package and shared module imported first, in a fresh interpreter: an import cycle
    through a package's ``__init__`` fails here even if the graph above missed it."""
    modules = _modules()
    first = sorted(n for n in modules if n.count(".") == 1 or n.endswith(".models") or n.endswith(".service"))
    code = "import importlib, sys; importlib.import_module(sys.argv[1])"
    running = {
        n: subprocess.Popen([sys.executable, "-c", code, n], stderr=subprocess.PIPE, text=True) for n in first
    }
    failed = {n: p.communicate()[1][-1500:] for n, p in running.items() if p.wait() != 0}
    assert failed == {}
    for name in modules:
        importlib.import_module(name)


def test_no_import_cycles():
    assert cycles(import_graph()) == []


def test_no_module_over_500_lines():
    long = {
        name: n
        for name, path in _modules().items()
        if (n := len(path.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}


def test_no_function_over_80_lines():
    long = {}
    for name, path in _modules().items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                if (n := node.end_lineno - start + 1) > MAX_FUNCTION_LINES:
                    long[f"{name}.{node.name}"] = n
    assert long == {}


def test_no_function_level_imports_of_the_plugin():
    """An import inside a function hides a cycle; the plugin's own modules import at the top."""
    hidden = []
    for name, path in _modules().items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                for inner in ast.walk(node):
                    if isinstance(inner, ast.ImportFrom) and (
                        inner.level or (inner.module or "").startswith(PACKAGE)
                    ):
                        hidden.append(f"{name}:{inner.lineno}")
    assert hidden == []


def test_pages_and_api_register_nothing_on_the_pillar_blueprint():
    """Only ``plugin.py`` touches ``plugin.pages``/``plugin.api``; page modules record routes on a
    ``Routes`` collector, API modules on their feature's own blueprint."""
    offenders = []
    for name, path in _modules().items():
        if name == f"{PACKAGE}.plugin":
            continue
        text = path.read_text()
        if "plugin.pages" in text or "plugin.api" in text or "from ..plugin import" in text:
            offenders.append(name)
    assert offenders == []
