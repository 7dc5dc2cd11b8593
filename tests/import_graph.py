"""The import graph of one of the project's packages, read from the source with ``ast``.

Imports inside functions count as much as those at the top: an import inside a function closes
a cycle as surely as one at the top, only later.  Used by each package's ``test_package.py``.
"""

from __future__ import annotations

import ast
import pathlib


def modules(root: pathlib.Path) -> dict[str, pathlib.Path]:
    """Dotted module name (relative to the package, ``engine.registry``) -> file, ``__init__`` included
    as the subpackage's own name (``engine``)."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def imports(name: str, source: str, package: str, known: set[str]) -> set[str]:
    """The modules of ``package`` (names as in :func:`modules`) that module ``name`` imports."""
    here = name.split(".")[:-1] if name else []
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - (node.level - 1)] if node.level > 1 else here
                module = ".".join(base + (node.module.split(".") if node.module else []))
            elif node.module.split(".")[0] == package:
                module = ".".join(node.module.split(".")[1:])
            else:
                continue
            targets = {f"{module}.{a.name}".lstrip(".") for a in node.names} & known
            # `from .proof import x` imports the module proof; `from . import proof` the module too, and
            # the package's own __init__ (imported first by Python in any case, so no edge of its own)
            found.update(targets or ({module} & known - {""}))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == package and ".".join(parts[1:]) in known:
                    found.add(".".join(parts[1:]))
    found.discard(name)
    return found


def outside(source: str) -> set[str]:
    """The top-level packages a module imports from outside (absolute imports)."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.level == 0:
            found.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
    return found


def graph(root: pathlib.Path) -> dict[str, set[str]]:
    """Module -> the package's modules it imports."""
    known = modules(root)
    return {name: imports(name, path.read_text(), root.name, set(known)) for name, path in known.items()}


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the directed graph (as a closed path ``[a, b, ..., a]``), or None."""
    state: dict[str, str] = {}           # "open" while on the search path, "done" after

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = "open"
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == "open":
                return path[path.index(nxt):] + [node, nxt] if nxt in path else path + [node, nxt]
            if nxt not in state:
                found = visit(nxt, path + [node])
                if found:
                    return found
        state[node] = "done"
        return None

    for start in sorted(edges):
        if start not in state:
            found = visit(start, [])
            if found:
                return found
    return None
