#!/usr/bin/env python3
"""Check the layout of a Python package: no import cycles among its modules, and no
module over 400 lines. `./run test` runs it on newsletter/; it prints each offender
and exits 1 when there is any.

    python tools/check_layout.py [PACKAGE_FOLDER] [--max-lines N]

An import is an edge from the importing module to the module whose code it needs:
`import p.m` and `from p.m import name` need p.m; `from p import m` needs p.m when m
is a module of p, else p itself; relative imports (`from . import m`, `from ..x import
y`) are resolved the same way. Only modules inside the package count.

Imports at module level (including inside `try:`, `if` and class bodies, which run at
import time) are checked for cycles. Imports under `if TYPE_CHECKING:` never run and do
not count. Imports inside a function run later, when it is called: a cycle that only
such a lazy import closes is reported in a list of its own and fails as well, since the
lazy import hides the cycle rather than removing it. With `--type-checking`, imports
under `if TYPE_CHECKING:` count as lazy ones too, which shows the modules that need
each other's types (not a failure of the default check).

Standard library only (ast), so it runs before anything is installed.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

MAX_LINES = 400
DEFAULT_PACKAGE = Path(__file__).resolve().parent.parent / "newsletter"


@dataclass(frozen=True, order=True)
class Edge:
    """One import: `source` needs `target`, at `path:line`; `lazy` inside a function (or,
    when they count, under `if TYPE_CHECKING:`, which `typing` says)."""

    source: str
    target: str
    path: str
    line: int
    lazy: bool
    typing: bool = False

    def describe(self) -> str:
        """`path:line: source imports target`, saying how when it is not at module level."""
        how = "imports lazily" if self.lazy else "imports"
        if self.typing:
            how = "imports for type checking"
        return f"{self.path}:{self.line}: {self.source} {how} {self.target}"


@dataclass(frozen=True)
class Report:
    """What the check found: each list holds one printable offender per item."""

    modules: int
    cycles: list[list[Edge]]  # each a closed path of module-level imports
    lazy_cycles: list[list[Edge]]  # each closed by at least one function-level import
    long_modules: list[tuple[str, int]]  # (path, lines)

    @property
    def ok(self) -> bool:
        """True when nothing breaks the layout."""
        return not (self.cycles or self.lazy_cycles or self.long_modules)


def module_names(package: Path) -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its own name)."""
    names = {}
    for file in sorted(package.rglob("*.py")):
        if "__pycache__" in file.parts:
            continue
        parts = list(file.relative_to(package.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = file
    return names


def imports(
    name: str,
    file: Path,
    source: str,
    modules: dict[str, Path],
    display: str,
    type_checking: bool = False,
) -> Iterator[Edge]:
    """Every import of another module of the package by module `name` (`source`, the text
    of `file`); `display` is how messages name the file. Imports under `if
    TYPE_CHECKING:` are left out, or with `type_checking` count as lazy ones."""
    tree = ast.parse(source, str(file))
    is_package = file.name == "__init__.py"
    for node, lazy, typing in _import_nodes(tree.body, False, False, type_checking):
        for target in dict.fromkeys(_targets(node, name, is_package, modules)):
            if target != name:
                yield Edge(name, target, display, node.lineno, lazy or typing, typing)


def _import_nodes(
    body: Iterable[ast.stmt], lazy: bool, typing: bool, type_checking: bool
) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool, bool]]:
    """The import statements in `body` and below, each with whether it runs lazily and
    whether it is under `if TYPE_CHECKING:` (only those with `type_checking`)."""
    for node in body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node, lazy, typing
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            if type_checking:
                yield from _import_nodes(node.body, lazy, True, type_checking)
            yield from _import_nodes(node.orelse, lazy, typing, type_checking)  # this runs
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield from _import_nodes(node.body, True, typing, type_checking)
        else:
            for field in ("body", "orelse", "finalbody", "handlers", "cases"):
                children = getattr(node, field, None)
                if isinstance(children, list):
                    for child in children:
                        if isinstance(child, ast.ExceptHandler | ast.match_case):
                            yield from _import_nodes(child.body, lazy, typing, type_checking)
                        elif isinstance(child, ast.stmt):
                            yield from _import_nodes([child], lazy, typing, type_checking)


def _is_type_checking(test: ast.expr) -> bool:
    """`TYPE_CHECKING` or `typing.TYPE_CHECKING` (any module's attribute of that name)."""
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    return isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"


def _targets(
    node: ast.Import | ast.ImportFrom, name: str, is_package: bool, modules: dict[str, Path]
) -> Iterator[str]:
    """The modules of the package that one import statement needs."""
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.name in modules:
                yield alias.name
        return
    if node.level:
        # Relative to the module's package (a package's __init__ is its own package).
        parts = name.split(".") if is_package else name.split(".")[:-1]
        up = node.level - 1
        if up > len(parts) - 1:
            return  # beyond the top of the package: Python refuses it too
        base = ".".join(parts[: len(parts) - up])
        origin = f"{base}.{node.module}" if node.module else base
    else:
        origin = node.module or ""
    for alias in node.names:
        submodule = f"{origin}.{alias.name}"
        if submodule in modules:
            yield submodule
        elif origin in modules:
            yield origin


def find_cycles(edges: Sequence[Edge]) -> list[list[Edge]]:
    """Module-level import cycles: for each strongly connected group of modules, the
    shortest closed path through its first module by name. Lazy edges are left out."""
    graph = _graph(e for e in edges if not e.lazy)
    cycles = []
    for group in _strongly_connected(graph):
        if len(group) < 2:
            continue
        inside = {node: {t: e for t, e in graph[node].items() if t in group} for node in group}
        start = min(group)
        candidates = []
        for first in inside[start].values():
            back = _shortest_path(inside, first.target, start)
            if back is not None:
                candidates.append([first, *back])
        cycles.append(min(candidates, key=lambda cycle: (len(cycle), cycle)))
    return sorted(cycles)


def find_lazy_cycles(edges: Sequence[Edge]) -> list[list[Edge]]:
    """The cycles that only a function-level import closes, one per such import, sorted:
    the lazy import, then the shortest way back (module-level imports where possible)."""
    eager = _graph(e for e in edges if not e.lazy)
    eager_groups = {node: i for i, group in enumerate(_strongly_connected(eager)) for node in group}
    everything = _graph(edges)
    cycles, seen = [], set()
    for edge in sorted(e for e in edges if e.lazy):
        if edge.target in eager.get(edge.source, {}):
            continue  # a module-level import of the same module: that one counts
        if eager_groups.get(edge.source, -1) == eager_groups.get(edge.target, -2):
            continue  # already a module-level cycle, reported as such
        back = _shortest_path(everything, edge.target, edge.source)
        if back is None:
            continue
        cycle = [edge, *back]
        key = frozenset((e.source, e.target) for e in cycle)
        if key not in seen:
            seen.add(key)
            cycles.append(cycle)
    return sorted(cycles)


def _graph(edges: Iterable[Edge]) -> dict[str, dict[str, Edge]]:
    """Adjacency: for each module, the first import of each module it needs; a
    module-level import wins over a lazy one of the same module."""
    graph: dict[str, dict[str, Edge]] = {}
    for edge in sorted(edges, key=lambda e: (e.lazy, e.line)):
        graph.setdefault(edge.target, {})
        graph.setdefault(edge.source, {}).setdefault(edge.target, edge)
    return graph


def _strongly_connected(graph: dict[str, dict[str, Edge]]) -> list[set[str]]:
    """Tarjan's algorithm, iterative (a deep package must not hit the recursion limit)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                group = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.add(member)
                    if member == node:
                        break
                groups.append(group)
    return groups


def _shortest_path(graph: dict[str, dict[str, Edge]], start: str, goal: str) -> list[Edge] | None:
    """The edges of a shortest path from `start` to `goal` (breadth first, by name);
    module-level edges are tried before lazy ones. Empty when start is the goal."""
    came: dict[str, Edge | None] = {start: None}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        if node == goal:
            path = []
            while (edge := came[node]) is not None:
                path.append(edge)
                node = edge.source
            return path[::-1]
        for edge in sorted(graph.get(node, {}).values(), key=lambda e: (e.lazy, e.target)):
            if edge.target not in came:
                came[edge.target] = edge
                queue.append(edge.target)
    return None


def check(package: Path, max_lines: int = MAX_LINES, type_checking: bool = False) -> Report:
    """Read every module of the package at `package` and find what breaks the layout;
    `type_checking` counts imports under `if TYPE_CHECKING:` as lazy ones."""
    package = package.resolve()
    modules = module_names(package)
    base = package.parent
    edges: list[Edge] = []
    long_modules = []
    for name, file in modules.items():
        display = file.relative_to(base).as_posix()
        source = file.read_text("utf-8")
        edges.extend(imports(name, file, source, modules, display, type_checking))
        lines = len(source.splitlines())
        if lines > max_lines:
            long_modules.append((display, lines))
    return Report(len(modules), find_cycles(edges), find_lazy_cycles(edges), long_modules)


def format_report(report: Report, max_lines: int = MAX_LINES) -> list[str]:
    """The lines to print: each offender under its heading, or one line saying all is well."""
    if report.ok:
        return [
            f"Layout OK: {report.modules} modules, no import cycles, none over {max_lines} lines."
        ]
    lines = []
    typing = any(edge.typing for cycle in report.lazy_cycles for edge in cycle)
    lazy = "function-level (lazy) or TYPE_CHECKING" if typing else "function-level (lazy)"
    for title, cycles in (
        ("Import cycles (module-level imports)", report.cycles),
        (f"Import cycles closed by a {lazy} import", report.lazy_cycles),
    ):
        if cycles:
            lines.append(f"{title}: {len(cycles)}")
            for cycle in cycles:
                lines.append("  " + " -> ".join([cycle[0].source, *(e.target for e in cycle)]))
                lines.extend(f"    {edge.describe()}" for edge in cycle)
    if report.long_modules:
        lines.append(f"Modules over {max_lines} lines: {len(report.long_modules)}")
        lines.extend(f"  {path}: {count} lines" for path, count in report.long_modules)
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    """Check the package, print the report; 0 when the layout is clean, 1 otherwise."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("package", nargs="?", type=Path, default=DEFAULT_PACKAGE)
    parser.add_argument("--max-lines", type=int, default=MAX_LINES, metavar="N")
    parser.add_argument(
        "--type-checking",
        action="store_true",
        help="count imports under `if TYPE_CHECKING:` as lazy ones (to look, not to gate)",
    )
    args = parser.parse_args(argv)
    if not args.package.is_dir():
        parser.error(f"{args.package} is not a folder")
    report = check(args.package, args.max_lines, args.type_checking)
    for line in format_report(report, args.max_lines):
        print(line)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
