"""The symbolic package as a whole: its import graph has no cycle, and it never imports torch.

Imports are read from the source with ``ast``, at module level and inside functions alike (an
import inside a function closes a cycle as surely as one at the top, only later)."""

import pathlib

import symbolic

from tests.import_graph import find_cycle, graph, imports, outside

PACKAGE = pathlib.Path(symbolic.__file__).parent


def test_the_cycle_finder_finds_a_cycle_through_a_function_level_import():
    acyclic = {"formula": {"vocabulary", "gaussian"}, "notation": {"formula"}, "worked": {"notation"}}
    assert find_cycle(acyclic) is None
    cyclic = {**acyclic, "formula": {"vocabulary", "worked"}}          # formula -> worked -> notation -> formula
    assert find_cycle(cyclic) == ["formula", "worked", "notation", "formula"]
    assert find_cycle({"a": {"a"}}) == ["a", "a"]
    inside = "def f():\n    from .worked import Expect\n"
    assert imports("formula", inside, "symbolic", {"formula", "worked"}) == {"worked"}


def test_the_package_has_no_import_cycle():
    edges = graph(PACKAGE)
    assert {"formula", "notation", "worked", "elbo"} <= set(edges)
    assert find_cycle(edges) is None, " -> ".join(find_cycle(edges))


def test_the_package_never_imports_torch():
    for path in sorted(PACKAGE.glob("*.py")):
        outer = outside(path.read_text())
        assert not outer & {"torch", "numeric", "crosscheck"}, path.name
