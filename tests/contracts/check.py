"""The house's import contracts: the allowed arrows between the three apps, and no cycles.

Every import statement of every module of ``agrimarket/``, ``traceability/`` and ``integrations/``
(migrations aside) counts, the ones inside functions too: a cycle hidden in a function is still a
cycle. ``make lint`` runs ``python -m tests.contracts``; it prints each broken contract with the
module and line, and exits 1.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

APPS = ("agrimarket", "traceability", "integrations")
ROOT = Path(__file__).resolve().parents[2]

# The one module of integrations the indicators read listing history and orders through.
INDICATORS_READ_PORT = "integrations.indicators_port"


@dataclass(frozen=True)
class Forbidden:
    """Modules under ``importers`` (but ``unless_importer``) import nothing under ``imported``
    (but ``unless_imported``). Names match themselves and everything below them."""

    why: str
    importers: tuple[str, ...]
    imported: tuple[str, ...]
    unless_importer: tuple[str, ...] = ()
    unless_imported: tuple[str, ...] = ()

    def forbids(self, importer: str, imported: str) -> bool:
        return (
            _under(importer, self.importers)
            and not _under(importer, self.unless_importer)
            and _under(imported, self.imported)
            and not _under(imported, self.unless_imported)
        )


CONTRACTS = (
    Forbidden(
        "the core imports neither traceability nor integrations: only the assembly (create_app) looks "
        "across, and the indicators through integrations' read port",
        importers=("agrimarket",),
        imported=("traceability", "integrations"),
        unless_importer=("agrimarket.app",),
        unless_imported=(INDICATORS_READ_PORT,),
    ),
    Forbidden(
        "only the indicators read through integrations' read port",
        importers=("agrimarket",),
        imported=(INDICATORS_READ_PORT,),
        unless_importer=("agrimarket.app", "agrimarket.indicators"),
    ),
    Forbidden("traceability does not import integrations", ("traceability",), ("integrations",)),
    Forbidden("integrations does not import traceability", ("integrations",), ("traceability",)),
    Forbidden(
        "marketplace adapters touch neither our tables nor the web layer",
        importers=("integrations.adapters",),
        imported=(
            "agrimarket.tables",
            "traceability.tables",
            "integrations.tables",
            "agrimarket.web",
            "agrimarket.db",
            "piccolo",
            "litestar",
        ),
    ),
    Forbidden(
        "message channels, like adapters, are the provider's protocol: no tables, no web layer",
        importers=("integrations.channels",),
        imported=(
            "agrimarket.tables",
            "traceability.tables",
            "integrations.tables",
            "agrimarket.web",
            "agrimarket.db",
            "piccolo",
            "litestar",
        ),
    ),
    Forbidden(
        "simulators know nothing of agrimarket: they stand in for foreign systems, whose published "
        "contracts (the adapters' modules, the webhook signature) are all they share with us",
        importers=("integrations.simulators",),
        imported=APPS,
        unless_imported=(
            "integrations.simulators",
            "integrations.adapters",
            "integrations.channels",
            "integrations.webhooks.signature",
        ),
    ),
)


@dataclass(frozen=True)
class Import:
    importer: str
    imported: str  # the module, or the package when the name imported from it is not a module
    line: int
    in_function: bool
    commented: bool  # a comment on its line or the line above says why


def _under(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def app_modules(root: Path = ROOT) -> dict[str, Path]:
    """Module name -> file, for every module of the three apps but their migrations."""
    modules = {}
    for app in APPS:
        for path in sorted((root / app).rglob("*.py")):
            if "piccolo_migrations" in path.parts:
                continue
            parts = path.relative_to(root).with_suffix("").parts
            modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> Iterator[Import]:
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    tree = ast.parse(source, filename=str(path))
    in_function = {
        id(node)
        for function in ast.walk(tree)
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef)
        for node in ast.walk(function)
    }
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
        else:
            continue
        nearby = lines[max(node.lineno - 2, 0) : node.lineno]
        for target in dict.fromkeys(targets):
            yield Import(name, target, node.lineno, id(node) in in_function, any("#" in t for t in nearby))


def _owner(name: str, modules: dict[str, Path]) -> str | None:
    """The app module ``name`` is, or lies in (``pkg.mod.attr`` -> ``pkg.mod``); None outside the apps."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(sorted(group))
    return found


def check(root: Path = ROOT) -> list[str]:
    """Every broken contract, one line each (empty when the house keeps them all)."""
    modules = app_modules(root)
    problems = []
    edges: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        where = path.relative_to(root)
        for imp in imports_of(name, path, modules):
            target = _owner(imp.imported, modules)
            if target and target != name:
                edges[name].add(target)
            for contract in CONTRACTS:
                if contract.forbids(name, target or imp.imported):
                    problems.append(f"{where}:{imp.line}: {name} imports {imp.imported}: {contract.why}")
            if imp.in_function and target:
                problems.append(
                    f"{where}:{imp.line}: {name} imports {imp.imported} inside a function: "
                    "import it at the top (a function-level import hides a cycle)"
                )
            elif imp.in_function and not imp.commented:
                problems.append(
                    f"{where}:{imp.line}: {name} imports {imp.imported} inside a function without a "
                    "comment saying why (only a heavy optional dependency is imported late)"
                )
    for group in cycles(edges):
        problems.append(f"import cycle: {' -> '.join(group)}")
    return problems


def main(root: Path = ROOT) -> int:
    problems = check(root)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} import contract(s) broken (tests/contracts/check.py)", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
