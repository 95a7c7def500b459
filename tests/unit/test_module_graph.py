"""The module graph keeps its shape: no import cycle, the contract and search stand alone, services
never reach into controllers, and no private name crosses a module boundary.

Imports are read from the source with ``ast``, including those inside functions (an import that
only runs later still ties the two modules together) and those only for type checking.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parents[2]
APP_PACKAGES = ("market", "schemas", "search")
ALL_PACKAGES = (*APP_PACKAGES, "tests", "benchmarks")


@dataclass(frozen=True)
class Import:
    importer: str
    module: str
    """The module imported (``pkg.mod`` for ``from pkg import mod`` when ``mod`` is a module)."""
    names: tuple[str, ...]
    """The names taken from it (empty for ``import x``)."""
    line: int


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules(packages: tuple[str, ...]) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in packages:
        for path in sorted((ROOT / package).rglob("*.py")):
            found[module_name(path)] = path
    return found


def absolute(importer: str, is_package: bool, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = importer.split(".") if is_package else importer.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def imports_of(name: str, path: Path, known: dict[str, Path]) -> list[Import]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: list[Import] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [Import(name, alias.name, (), node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            source = absolute(name, path.name == "__init__.py", node)
            plain = [a.name for a in node.names if f"{source}.{a.name}" not in known]
            found.append(Import(name, source, tuple(plain), node.lineno))
            found += [
                Import(name, f"{source}.{a.name}", (), node.lineno)
                for a in node.names
                if f"{source}.{a.name}" in known
            ]
    return found


def graph(packages: tuple[str, ...]) -> tuple[nx.DiGraph, list[Import]]:
    known = project_modules(packages)
    edges: list[Import] = []
    for name, path in known.items():
        edges += [i for i in imports_of(name, path, known) if i.module in known and i.module != name]
    g: nx.DiGraph = nx.DiGraph()
    g.add_nodes_from(known)
    g.add_edges_from((i.importer, i.module) for i in edges)
    return g, edges


def is_controller(module: str) -> bool:
    return module.rsplit(".", 1)[-1].endswith("controller")


def test_the_app_has_no_import_cycle() -> None:
    g, _ = graph(APP_PACKAGES)
    cycles = [sorted(group) for group in nx.strongly_connected_components(g) if len(group) > 1]
    assert cycles == [], f"modules importing each other: {cycles}"


def test_the_contract_and_search_import_nothing_of_the_app() -> None:
    _, edges = graph(APP_PACKAGES)
    wrong = [
        f"{i.importer}:{i.line} imports {i.module}"
        for i in edges
        if i.importer.split(".")[0] in ("schemas", "search") and i.module.split(".")[0] == "market"
    ]
    wrong += [
        f"{i.importer}:{i.line} imports {i.module}"
        for i in edges
        if i.importer.split(".")[0] == "schemas" and i.module.split(".")[0] == "search"
    ]
    assert wrong == []


def test_only_the_app_and_controllers_import_controllers() -> None:
    _, edges = graph(APP_PACKAGES)
    wrong = [
        f"{i.importer}:{i.line} imports {i.module}"
        for i in edges
        if is_controller(i.module) and not (i.importer == "market.app" or is_controller(i.importer))
    ]
    assert wrong == []


def test_no_private_name_crosses_a_module() -> None:
    _, edges = graph(ALL_PACKAGES)
    wrong = [
        f"{i.importer}:{i.line} takes {name} from {i.module}"
        for i in edges
        for name in i.names
        if name.startswith("_") and not name.startswith("__")
    ]
    assert wrong == []


def test_the_walk_sees_what_it_checks() -> None:
    """The rules above pass on a graph that is really there: imports inside functions are edges."""
    g, edges = graph(APP_PACKAGES)
    assert g.has_edge("market.app", "market.runtime")
    assert g.has_edge("market.cli.commands", "market.app")  # imported inside `dev` and `run`
    assert any(i.module == "market.runtime" and "migrate" in i.names for i in edges)
    assert len(g) > 100
