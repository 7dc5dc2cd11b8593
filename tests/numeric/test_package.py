"""The numeric package as a whole: it never imports sympy, its modules import each other without a
cycle, and public functions validate once: no code of the library calls a public function that
validates (the cores are for that), and no loop calls a result-checked (``@finite``) function.

Imports and calls are read from the source with ``ast``."""

import ast
import inspect
import pathlib
import subprocess
import sys

import numeric

from tests.import_graph import find_cycle, graph, imports, modules

PACKAGE = pathlib.Path(numeric.__file__).parent
MODULES = {(path.parent.name + "." + path.stem if path.parent != PACKAGE else path.stem): path
           for path in sorted(PACKAGE.rglob("*.py")) if path.stem != "__init__"}


def test_numeric_layer_does_not_import_sympy():
    code = ("import sys, numeric, numeric.lab.lab3, numeric.lab.lab4, numeric.lab.train; "
            "numeric.NoiseSchedule.linear(10); assert 'sympy' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


# -- imports ---------------------------------------------------------------------------------------

def test_the_modules_import_each_other_without_a_cycle():
    edges = graph(PACKAGE)
    assert "schedule" not in edges["_validation"]          # the checks read a schedule by its Protocol
    assert find_cycle(edges) is None, " -> ".join(find_cycle(edges))
    assert {"_types"} <= edges["_tables"] and "_tables" in edges["_validation"]


def test_the_import_reader_and_the_cycle_check_see_a_cycle():
    known = set(modules(PACKAGE))
    assert imports("_validation", "from .schedule import NoiseSchedule", "numeric", known) == {"schedule"}
    assert imports("lab.lab4", "from .. import elbo\nfrom ._common import device", "numeric", known) == {
        "elbo", "lab._common"}
    edges = graph(PACKAGE)
    assert find_cycle({**edges, "_types": edges["_types"] | {"elbo"}}) is not None


# -- validate once ---------------------------------------------------------------------------------

def _decorated_finite(function: ast.FunctionDef) -> bool:
    return any(isinstance(d, ast.Name) and d.id == "finite" for d in function.decorator_list)


def _called(node: ast.AST) -> set[str]:
    """Names of the functions ``node`` calls: ``f(...)`` and ``module.f(...)`` (not methods of ``self``)."""
    names = set()
    for call in ast.walk(node):
        func = call.func if isinstance(call, ast.Call) else None
        if isinstance(func, ast.Name):
            names.add(func.id)
        elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id != "self":
            names.add(func.attr)
    return names


def public_functions(sources: dict[str, str]) -> tuple[set[str], set[str]]:
    """(every ``@finite`` function, those of them that validate: call a check of numeric._validation,
    directly or through a private helper)."""
    functions = [node for source in sources.values() for node in ast.walk(ast.parse(source))
                 if isinstance(node, ast.FunctionDef)]
    checks = {node.name for node in ast.parse(sources["_validation"]).body
              if isinstance(node, ast.FunctionDef) and not node.name.startswith("_")} - {"finite"}
    while True:
        helpers = {f.name for f in functions if f.name.startswith("_") and not _decorated_finite(f)
                   and _called(f) & checks}
        if helpers <= checks:
            break
        checks |= helpers
    finite = {f.name for f in functions if _decorated_finite(f)}
    return finite, {f.name for f in functions if _decorated_finite(f) and _called(f) & checks}


def revalidations(sources: dict[str, str]) -> list[str]:
    """Where library code calls a public validating function, or calls a ``@finite`` one in a loop."""
    finite, validating = public_functions(sources)
    found = []
    for module, source in sources.items():
        for function in ast.walk(ast.parse(source)):
            if not isinstance(function, ast.FunctionDef):
                continue
            for name in sorted(_called(function) & validating - {function.name}):
                found.append(f"{module}.{function.name} calls the validating {name}")
            loops = [n for n in ast.walk(function) if isinstance(n, ast.For | ast.While | ast.comprehension)]
            for name in sorted(set().union(*map(_called, loops)) & finite):
                found.append(f"{module}.{function.name} calls the @finite {name} in a loop")
    return sorted(set(found))


def test_library_code_calls_cores_not_validating_public_functions():
    sources = {name: path.read_text() for name, path in MODULES.items()}
    finite, validating = public_functions(sources)
    assert {"posterior_mean", "eps_mean", "reverse_variance", "ancestral_step", "variational_bound"} <= validating
    # every public function except the ELBO steps (sums of given terms) and ancestral_sample (checked once, at the end)
    exempt = {"ancestral_sample", "elbo_bayes", "elbo_factorization", "elbo_kl_form", "elbo_reindexing",
              "elbo_separation", "elbo_telescoping"}
    public = {name for name in numeric.__all__ if inspect.isfunction(getattr(numeric, name))}
    assert public - exempt <= finite, sorted(public - exempt - finite)
    assert revalidations(sources) == []


def test_the_revalidation_check_sees_a_public_call():
    sources = {"_validation": "def check_t(t):\n    return t\n",
               "posterior": "@finite\ndef eps_mean(t):\n    return _eps_mean(check_t(t))\n",
               "sampling": ("def _ancestral_step(t):\n    return eps_mean(t)\n"
                            "def _ancestral_sample(T):\n    for t in range(T):\n        eps_mean(t)\n")}
    assert revalidations(sources) == ["sampling._ancestral_sample calls the @finite eps_mean in a loop",
                                      "sampling._ancestral_sample calls the validating eps_mean",
                                      "sampling._ancestral_step calls the validating eps_mean"]
