"""Mutation testing: does the verifier catch wrong math?

A *mutant* is one formula function of ``numeric/`` or one expression function of ``symbolic/``
with one small, typical mistake written into its source (the operators below).  Each mutant is
compiled from the edited source and swapped into the live function object (its ``__code__``),
so every reference to the function -- re-exports, the catalog, dispatch tables -- runs the
mutant; then the catalog is run exactly as ``python -m crosscheck`` runs it (same schedule,
points, seeds and checks).  The mutant is **killed** when any identity fails, which includes
a proof that is refuted or undecided, a numeric comparison out of tolerance, a failed
independent check, and an exception or a time-out.  A mutant that survives is either shown
equivalent (:data:`EQUIVALENT`, each with the reason) or is a hole in the verifier.

Numeric mutants reuse the proofs of the unmutated run: ``symbolic/`` never imports torch, so a
numeric mutant cannot change a proof.
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import inspect
import math
import random
import signal
import textwrap
import time
import warnings
from dataclasses import dataclass
from typing import Callable, Iterator

from ..engine.registry import REGISTRY, derivation_functions

#: The mistakes written into the source, by name.
OPERATORS = {
    "add-sub": "+ <-> -",
    "mul-div": "* <-> /",
    "sqrt-drop": "a square root dropped",
    "sqrt-add": "a square root added",
    "bar-shift": "alpha_bar_t <-> alpha_bar_{t-1}",
    "alpha-bar": "alpha <-> alpha_bar (beta = 1 - alpha <-> 1 - alpha_bar)",
    "t-shift": "t <-> t - 1 (an index or a sum limit off by one)",
    "constant": "a constant changed",
    "sign": "a sign flipped",
}

# -- what is mutated ------------------------------------------------------------------------------

#: The numeric modules of the registry's entries, and the schedule-derived tables their formulas read.
NUMERIC_MODULES = tuple(dict.fromkeys([f"numeric.{q.module}" for q in REGISTRY] + ["numeric._tables"]))
#: Functions of those modules that hold no formula: input validation, caching, model calls,
#: memory chunking.  Their mistakes are the bad-input tests' business, not the verifier's.
NUMERIC_PLUMBING = {
    "NoiseSchedule.to", "NoiseSchedule.from_betas", "NoiseSchedule.__repr__", "NoiseSchedule.float64",
    "NoiseSchedule.table", "_chunk_size", "_validate_bound_inputs", "_sigma2_tables", "_check_sigma2",
    "_noise_like",
}
#: Module-level numeric constants used by the formulas.
NUMERIC_CONSTANTS = (("numeric.gaussian", "_LOG_2PI"), ("numeric.elbo", "_LOG_2PI"), ("numeric.elbo", "_BIN"))

#: The symbolic expressions: every registered part's expression and the functions its proof
#: derives it with (the registry's ``derivation``).  (The proof engine itself is not mutated.)
SYMBOLIC_FUNCTIONS = derivation_functions()

# Schedule quantities as they appear in the source.
_MASTER_SWAP = {"alpha": "alpha_bar", "alpha_bar": "alpha", "log_alpha": "log_alpha_bar",
                "log_alpha_bar": "log_alpha", "beta": "one_minus_alpha_bar", "one_minus_alpha_bar": "beta"}
_BAR = {"alpha_bar", "one_minus_alpha_bar", "log_alpha_bar"}
_SCHEDULE_OBJECTS = {"schedule", "self"}
_SYMBOL_SWAP = {"alpha_t": "alpha_bar_t", "alpha_bar_t": "alpha_t"}
_SYMBOL_SHIFT = {"alpha_bar_t": "alpha_bar_prev", "alpha_bar_prev": "alpha_bar_t"}
_SYMBOL_SQRT = {"alpha_t", "alpha_bar_t", "alpha_bar_prev", "alpha_bar_T", "beta_t", "sigma2_t",
                "var", "var_1", "var_2"}
_VARIANCE_PARAMS = {"var", "var_1", "var_2", "sigma2", "alpha_bar"}
_INDEX_NAMES = {"numeric": {"t", "T", "steps", "later", "start", "stop"}, "symbolic": {"t", "T"}}
# Calls whose arguments are timestep indices (symbolic ELBO chain: densities and sum limits).
_INDEX_CALLS = {"lp", "lq", "lj", "lpost", "p_theta", "q_step", "q_jump", "q_post", "p_prior"}
# Calls that are not mathematics: validation, errors, type checks.
_SKIP_CALLS = {"isinstance", "callable", "len", "print", "next", "ValueError", "TypeError", "KeyError",
               "_validate_bound_inputs", "_check_sigma2", "Step", "prove_true",
               # numeric/_validation.py's checks, imported by name
               "as_tensor_like", "check_betas", "check_choice", "check_data", "check_device", "check_dtype",
               "check_eps_model", "check_finite", "check_nonnegative", "check_positive", "check_shape", "check_states",
               "check_T", "check_timestep", "check_trajectory", "check_unit_interval", "check_variance"}


@dataclass(frozen=True)
class Mutant:
    """One mistake at one place: ``id`` is stable while the function's own source is unchanged."""

    layer: str          # "numeric" | "symbolic"
    module: str
    qualname: str       # function (or Class.method), or the module constant's name
    operator: str
    line: int           # line in the module's file
    col: int
    original: str
    mutated: str
    path: tuple = ()    # where the node sits in the function's AST ((field, index), ...)
    variant: int = 0

    @property
    def id(self) -> str:
        return f"{self.module}:{self.qualname}:{self.operator}:{self.original}->{self.mutated}" + (
            f"#{self.variant}" if self.variant else "")

    @property
    def function(self) -> str:
        return f"{self.module}.{self.qualname}"


# -- finding the functions ------------------------------------------------------------------------

def _unwrap(obj):
    if isinstance(obj, (classmethod, staticmethod)):
        obj = obj.__func__
    if isinstance(obj, property):
        obj = obj.fget
    return getattr(obj, "__wrapped__", obj)


def resolve(module: str, qualname: str):
    """The live function object of ``module.qualname`` (unwrapped from lru_cache/classmethod)."""
    owner = importlib.import_module(module)
    *outer, name = qualname.split(".")
    for part in outer:
        owner = getattr(owner, part)
    raw = owner.__dict__[name] if isinstance(owner, type) else getattr(owner, name)
    return _unwrap(raw)


def targets() -> list[tuple[str, str, str]]:
    """(layer, module, qualname) of every function mutated."""
    found = []
    for module_name in NUMERIC_MODULES:
        module = importlib.import_module(module_name)
        for name, obj in vars(module).items():
            if inspect.isfunction(obj) and obj.__module__ == module_name and name not in NUMERIC_PLUMBING:
                found.append(("numeric", module_name, name))
            elif inspect.isclass(obj) and obj.__module__ == module_name and not _is_dataclass(obj):
                for attr, member in vars(obj).items():
                    qualname = f"{name}.{attr}"
                    if qualname in NUMERIC_PLUMBING:
                        continue
                    function = _unwrap(member)
                    if inspect.isfunction(function):
                        found.append(("numeric", module_name, qualname))
    for module_name, names in SYMBOLIC_FUNCTIONS.items():
        found.extend(("symbolic", module_name, name) for name in names)
    return found


def _is_dataclass(cls) -> bool:
    return hasattr(cls, "__dataclass_fields__")


# -- mutation sites -------------------------------------------------------------------------------

def _call_name(node: ast.Call) -> str | None:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _is_validation(node: ast.Call) -> bool:
    return _call_name(node) in _SKIP_CALLS


def _number(node) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) in (int, float)


def _str(node) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _minus_one(node):
    return ast.BinOp(left=node, op=ast.Sub(), right=ast.Constant(1))


def _call(func: str, *args) -> ast.Call:
    module, _, name = func.rpartition(".")
    target = ast.Attribute(value=ast.Name(id=module, ctx=ast.Load()), attr=name, ctx=ast.Load()) if module \
        else ast.Name(id=func, ctx=ast.Load())
    return ast.Call(func=target, args=list(args), keywords=[])


def _s(attr: str) -> ast.Attribute:
    """``symbols.attr``: a symbol of the table, as the symbolic modules name it."""
    return ast.Attribute(value=ast.Name(id="symbols", ctx=ast.Load()), attr=attr, ctx=ast.Load())


class _Sites:
    """Every (path, operator, replacement) of one function's AST."""

    def __init__(self, layer: str):
        self.layer = layer
        self.sqrt = "torch.sqrt" if layer == "numeric" else "sp.sqrt"
        self.found: list[tuple[tuple, str, Callable[[ast.AST], ast.AST]]] = []
        self.params: set[str] = set()

    def add(self, path, operator, make):
        self.found.append((path, operator, make))

    # The walk: ``index`` is True inside an index, a sum limit or a density's timestep argument.
    def visit(self, node, path, index=False, parent=None):
        if isinstance(node, ast.FunctionDef | ast.Lambda):
            self._function(node, path)
            return
        if isinstance(node, ast.Raise | ast.Assert | ast.JoinedStr):
            return
        if isinstance(node, ast.Expr) and _str(node.value) is not None:      # docstring
            return
        if isinstance(node, ast.Call) and _is_validation(node):
            return
        if index:
            self._index(node, path, parent)
            return
        if self._leaf(node, path, parent):
            return
        self._children(node, path, parent_index=False)

    def _function(self, node, path):
        args = node.args
        self.params |= {a.arg for a in args.args + args.kwonlyargs}
        if self.layer == "symbolic":          # defaults are part of a symbolic formula (alpha_bar=...)
            for i, default in enumerate(args.defaults):
                self.visit(default, path + (("args", None), ("defaults", i)), parent=args)
        body = node.body if isinstance(node.body, list) else [node.body]
        field = "body"
        for i, stmt in enumerate(body):
            self.visit(stmt, path + ((field, i if isinstance(node.body, list) else None),), parent=node)

    def _children(self, node, path, parent_index):
        for field, value in ast.iter_fields(node):
            if field in ("annotation", "returns", "decorator_list", "type_comment", "ctx"):
                continue
            if isinstance(node, ast.Dict) and field == "keys":
                continue
            child_index = self._child_is_index(node, field)
            if isinstance(value, list):
                for i, item in enumerate(value):
                    if isinstance(item, ast.AST):
                        idx = child_index(i) if callable(child_index) else child_index
                        if idx is not None:
                            self.visit(item, path + ((field, i),), idx, node)
            elif isinstance(value, ast.AST):
                idx = child_index(None) if callable(child_index) else child_index
                self.visit(value, path + ((field, None),), idx, node)

    def _child_is_index(self, node, field):
        names = _INDEX_NAMES[self.layer]
        if isinstance(node, ast.Subscript) and field == "slice":
            return True
        if isinstance(node, ast.Call) and field == "args":
            name = _call_name(node)
            if name == "gather":        # its third argument is a shape template: not visited
                return lambda i: True if i == 1 else (None if i >= 2 else False)
            if name in ("range", "arange") and any(isinstance(n, ast.Name) and n.id in names
                                                   for n in ast.walk(node)):
                return True
            if self.layer == "symbolic" and name in _INDEX_CALLS:
                return True
            if self.layer == "symbolic" and name == "_sum":
                return lambda i: i >= 1
        return False

    def _index(self, node, path, parent):
        names = _INDEX_NAMES[self.layer]
        if isinstance(node, ast.Name) and node.id in names:
            self.add(path, "t-shift", lambda n: _minus_one(n))
        elif (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Sub | ast.Add)
              and isinstance(node.left, ast.Name) and node.left.id in names and _number(node.right)
              and node.right.value == 1):
            self.add(path, "t-shift", lambda n: n.left)
        elif _number(node) and isinstance(node.value, int):
            self.add(path, "t-shift", lambda n: ast.Constant(n.value + 1))
        elif isinstance(node, ast.Slice | ast.Tuple | ast.UnaryOp | ast.BinOp):
            for field, value in ast.iter_fields(node):
                items = value if isinstance(value, list) else [value]
                for i, item in enumerate(items):
                    if isinstance(item, ast.AST):
                        self.visit(item, path + ((field, i if isinstance(value, list) else None),), True, node)
        else:
            self.visit(node, path, False, parent)

    def _leaf(self, node, path, parent) -> bool:
        """Add the sites of ``node``; True when its children are not to be visited."""
        sqrt = self.sqrt
        if isinstance(node, ast.BinOp):
            if isinstance(node.op, ast.Add | ast.Sub):
                self.add(path, "add-sub", lambda n: ast.BinOp(n.left, ast.Sub() if isinstance(n.op, ast.Add)
                                                             else ast.Add(), n.right))
            elif isinstance(node.op, ast.Mult | ast.Div):
                self.add(path, "mul-div", lambda n: ast.BinOp(n.left, ast.Div() if isinstance(n.op, ast.Mult)
                                                             else ast.Mult(), n.right))
            return False
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            self.add(path, "sign", lambda n: n.operand)
            return False
        if isinstance(node, ast.Return) and node.value is not None and not isinstance(node.value, ast.Tuple) \
                and not (isinstance(node.value, ast.Call) and (_call_name(node.value) or "")[:1].isupper()) \
                and not (isinstance(node.value, ast.Call) and _call_name(node.value) == "cls"):
            self.add(path + (("value", None),), "sign", lambda n: ast.UnaryOp(ast.USub(), n))
            return False
        if _number(node):
            if isinstance(parent, ast.BinOp | ast.UnaryOp | ast.Compare | ast.Return | ast.Assign | ast.Dict
                          | ast.IfExp) or (isinstance(parent, ast.Call) and _call_name(parent) in
                                           ("Rational", "Integer")):
                self.add(path, "constant", lambda n: ast.Constant(
                    (n.value + 1) if isinstance(n.value, int) else (1.0 if n.value == 0 else 2 * n.value)))
            return True
        if isinstance(node, ast.Call):
            return self._call_sites(node, path)
        if self.layer == "numeric":
            return self._numeric_leaf(node, path, sqrt)
        return self._symbolic_leaf(node, path, sqrt)

    def _call_sites(self, node, path) -> bool:
        name = _call_name(node)
        sqrt = self.sqrt
        if name == "sqrt" and len(node.args) == 1 and not node.keywords:
            self.add(path, "sqrt-drop", lambda n: n.args[0])
        elif name == "sqrt" and not node.args and isinstance(node.func, ast.Attribute):
            self.add(path, "sqrt-drop", lambda n: n.func.value)
        elif (name == "exp" and len(node.args) == 1 and isinstance(node.args[0], ast.BinOp)
              and isinstance(node.args[0].op, ast.Mult) and _number(node.args[0].left)
              and abs(node.args[0].left.value) == 0.5):       # exp(0.5 log a) = sqrt(a)
            self.add(path, "sqrt-drop", lambda n: ast.Call(n.func, [ast.BinOp(
                ast.Constant(2 * n.args[0].left.value), ast.Mult(), n.args[0].right)], []))
        if self.layer != "numeric":
            return False
        key = _str(node.args[-1]) if node.args else None
        if name == "_previous" and key in _MASTER_SWAP:         # a master table read at t - 1
            if key in _BAR:
                self.add(path, "bar-shift", lambda n: ast.Subscript(n.args[0], ast.Constant(_str(n.args[1])),
                                                                   ast.Load()))
            self.add(path, "alpha-bar", lambda n: _call("_previous", n.args[0],
                                                        ast.Constant(_MASTER_SWAP[_str(n.args[1])])))
            self.add(path, "sqrt-add", lambda n: _call(sqrt, n))
            return True
        if name in ("float64", "table") and len(node.args) == 1 and key in _MASTER_SWAP:
            if key in _BAR:
                self.add(path, "bar-shift", lambda n: _call("__mutation_shift__", n))
            self.add(path, "alpha-bar", lambda n: ast.Call(n.func, [ast.Constant(_MASTER_SWAP[_str(n.args[0])])], []))
            self.add(path, "sqrt-add", lambda n: _call(sqrt, n))
            return True
        if name == "gather":
            self.add(path, "sqrt-add", lambda n: _call(sqrt, n))
        return False

    def _numeric_leaf(self, node, path, sqrt) -> bool:
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == "m":
            key = _str(node.slice)
            if key in _MASTER_SWAP:
                if key in _BAR:
                    self.add(path, "bar-shift", lambda n: _call("__mutation_previous__", n.value,
                                                                ast.Constant(_str(n.slice))))
                self.add(path, "alpha-bar", lambda n: ast.Subscript(n.value, ast.Constant(_MASTER_SWAP[_str(n.slice)]),
                                                                    ast.Load()))
                self.add(path, "sqrt-add", lambda n: _call(sqrt, n))
            return True
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                and node.value.id in _SCHEDULE_OBJECTS and node.attr in _MASTER_SWAP:
            if node.attr in _BAR:
                self.add(path, "bar-shift", lambda n: _call("__mutation_shift__", n))
            self.add(path, "alpha-bar", lambda n: ast.Attribute(n.value, _MASTER_SWAP[n.attr], ast.Load()))
            self.add(path, "sqrt-add", lambda n: _call(sqrt, n))
            return True
        return self._variance_parameter(node, path, sqrt)

    def _variance_parameter(self, node, path, sqrt) -> bool:
        """A variance passed in as a parameter: sqrt-add (a standard deviation for a variance)."""
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in _VARIANCE_PARAMS \
                and node.id in self.params:
            self.add(path, "sqrt-add", lambda n: _call(sqrt, n))
            return True
        return False

    def _symbolic_leaf(self, node, path, sqrt) -> bool:
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "symbols":
            attr = node.attr
            if attr in _SYMBOL_SHIFT:
                self.add(path, "bar-shift", lambda n: _s(_SYMBOL_SHIFT[n.attr]))
            if attr in _SYMBOL_SWAP:
                self.add(path, "alpha-bar", lambda n: _s(_SYMBOL_SWAP[n.attr]))
            if attr == "beta_t":
                self.add(path, "alpha-bar", lambda n: ast.BinOp(ast.Constant(1), ast.Sub(), _s("alpha_bar_t")))
            if attr in _SYMBOL_SQRT:
                self.add(path, "sqrt-add", lambda n: _call(sqrt, n))
            return True
        return self._variance_parameter(node, path, sqrt)


_SOURCES: dict = {}


def _function_tree(function) -> tuple[ast.FunctionDef, int]:
    """The function's AST (decorators removed) and the file line of its ``def``."""
    if function not in _SOURCES:      # read once: a run must not see the file edited under it
        _SOURCES[function] = inspect.getsourcelines(function)
    lines, first = _SOURCES[function]
    tree = ast.parse(textwrap.dedent("".join(lines)))
    definition = tree.body[0]
    offset = first + definition.lineno - 1 - 1      # file line = offset + node.lineno
    definition.decorator_list = []
    return definition, offset


def _node_at(root, path):
    node = root
    for field, i in path:
        node = getattr(node, field)
        if i is not None:
            node = node[i]
    return node


def _replace_at(root, path, new):
    *parent_path, (field, i) = path
    parent = _node_at(root, parent_path)
    if i is None:
        setattr(parent, field, new)
    else:
        getattr(parent, field)[i] = new


def mutants_of(layer: str, module: str, qualname: str) -> list[Mutant]:
    function = resolve(module, qualname)
    tree, offset = _function_tree(function)
    sites = _Sites(layer)
    sites.visit(tree, ())
    found, seen = [], {}
    for path, operator, make in sites.found:
        node = _node_at(tree, path)
        original = ast.unparse(node)
        mutated = ast.unparse(make(_copy(node)))
        if mutated == original:
            continue
        key = (module, qualname, operator, original, mutated)
        seen[key] = seen.get(key, -1) + 1
        found.append(Mutant(layer, module, qualname, operator, offset + node.lineno, node.col_offset,
                            original, mutated, path, seen[key]))
    return found


def _copy(node):
    return ast.parse(ast.unparse(node), mode="eval").body if isinstance(node, ast.expr) else node


def constant_mutants() -> list[Mutant]:
    found = []
    for module, name in NUMERIC_CONSTANTS:
        value = getattr(importlib.import_module(module), name)
        found.append(Mutant("numeric", module, name, "constant", 0, 0, f"{name} = {value!r}",
                            f"{name} = {2 * value!r}"))
    return found


def all_mutants() -> list[Mutant]:
    """Every mutant, in a fixed order."""
    found = []
    for layer, module, qualname in targets():
        found.extend(mutants_of(layer, module, qualname))
    return found + constant_mutants()


# -- applying a mutant ----------------------------------------------------------------------------

def _previous(m, name):
    return __import__("torch").cat([m[name][:1], m[name][:-1]])


def _shift(table):
    return __import__("torch").cat([table[:1], table[:-1]])


_HELPERS = {"__mutation_previous__": _previous, "__mutation_shift__": _shift}


def _clear_caches() -> None:
    """Every cache of a value computed by code a mutant may change (a value cached before the
    mutant was applied, in this process or the parent it was forked from, would hide it)."""
    from symbolic import elbo as symbolic_elbo
    from ..engine import elbo_checks, oracles
    symbolic_elbo.derivation.cache_clear()
    elbo_checks._pathwise.cache_clear()
    oracles._long_schedule_error.cache_clear()      # the T = 3000 stress schedule (numeric.schedule)


@contextlib.contextmanager
def applied(mutant: Mutant) -> Iterator[None]:
    """Run the block with ``mutant`` in place of the function's code; restore it afterwards."""
    if mutant.path == ():          # a module constant
        module = importlib.import_module(mutant.module)
        saved = getattr(module, mutant.qualname)
        setattr(module, mutant.qualname, 2 * saved)
        try:
            yield
        finally:
            setattr(module, mutant.qualname, saved)
        return
    function = resolve(mutant.module, mutant.qualname)
    tree, offset = _function_tree(function)
    node = _node_at(tree, mutant.path)
    if ast.unparse(node) != mutant.original:
        raise RuntimeError(f"{mutant.id}: the source changed since the mutant was made")
    sites = _Sites(mutant.layer)
    sites.visit(tree, ())
    makes = [make for path, op, make in sites.found if path == mutant.path and op == mutant.operator
             and ast.unparse(make(_copy(node))) == mutant.mutated]
    _replace_at(tree, mutant.path, makes[0](node))
    module_tree = ast.Module(body=[tree], type_ignores=[])
    ast.fix_missing_locations(module_tree)
    ast.increment_lineno(module_tree, offset)
    namespace = dict(function.__globals__)
    namespace.update(_HELPERS)
    exec(compile(module_tree, function.__code__.co_filename, "exec"), namespace)
    new = namespace[tree.name]
    saved = function.__code__, function.__defaults__, function.__kwdefaults__
    added = [k for k in _HELPERS if k not in function.__globals__]
    function.__globals__.update(_HELPERS)
    function.__code__, function.__defaults__, function.__kwdefaults__ = \
        new.__code__, new.__defaults__, new.__kwdefaults__
    _clear_caches()
    try:
        yield
    finally:
        function.__code__, function.__defaults__, function.__kwdefaults__ = saved
        for k in added:
            function.__globals__.pop(k, None)
        _clear_caches()


# -- running crosscheck on a mutant ---------------------------------------------------------------

@dataclass
class Outcome:
    mutant: Mutant
    killed: bool
    by: str | None       # the first identity that failed
    how: str             # "proof refuted", "numeric posterior_mean", "check ...", "error ...", "timeout"
    seconds: float

    def as_json(self) -> dict:
        m = self.mutant
        return {"id": m.id, "layer": m.layer, "function": m.function, "operator": m.operator,
                "line": m.line, "original": m.original, "mutated": m.mutated, "killed": self.killed,
                "by": self.by, "how": self.how, "seconds": round(self.seconds, 3),
                "equivalent": EQUIVALENT.get(m.id)}


class _Timeout(BaseException):  # not an Exception: library code must not swallow it
    pass


_BASELINE_PROOFS: dict = {}


def baseline_proofs() -> dict:
    """The proofs of the unmutated catalog (numeric mutants cannot change them)."""
    if not _BASELINE_PROOFS:
        for quantity in REGISTRY:
            _BASELINE_PROOFS[quantity.name] = quantity.prove()
    return _BASELINE_PROOFS


def _order(mutant: Mutant):
    """The registry, entries that cover the mutated function first (a kill is found sooner)."""
    short = mutant.qualname.split(".")[-1]

    def covers(quantity) -> bool:
        return short in quantity.numeric_functions() or short == quantity.name
    return sorted(REGISTRY, key=lambda quantity: not covers(quantity))


def verifier_context():
    """The context of ``python -m crosscheck`` with its defaults (linear T = 1000, float64, CPU,
    seed 0, 1000 points), built afresh: a mutant's schedule tables must not be cached."""
    import torch
    from numeric import NoiseSchedule
    from ..engine.types import Context
    schedule = NoiseSchedule.linear(1000, dtype=torch.float64, device="cpu")
    return Context(schedule, torch.float64, torch.device("cpu"))


def run_mutant(mutant: Mutant, *, timeout: float = 120.0) -> Outcome:
    """Apply ``mutant`` and run the catalog until an identity fails."""
    from ..engine.run import run_quantity
    proofs = baseline_proofs()
    start = time.perf_counter()

    def alarm(signum, frame):
        raise _Timeout()

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout, 1.0)  # repeats until handled
    by, how = None, "survived"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with applied(mutant):
                ctx = verifier_context()
                for identity in _order(mutant):
                    by = identity.name
                    prove = None
                    if mutant.layer == "numeric":
                        proof = proofs[identity.name]
                        prove = (lambda proof=proof: proof) if proof is not None else None
                    result = run_quantity(identity, ctx, prove=prove)
                    if not result.ok:
                        how = _how(result)
                        break
                else:
                    by = None
    except _Timeout:
        how = f"timeout after {timeout:g} s"
    except Exception as err:  # noqa: BLE001 - any exception means the verifier did not pass
        how = f"error {type(err).__name__}: {str(err).splitlines()[0][:120] if str(err) else ''}"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    return Outcome(mutant, how != "survived", by, how, time.perf_counter() - start)


def _child(mutant: Mutant, connection, timeout: float) -> None:
    import torch
    torch.set_num_threads(1)        # a forked child must not reuse the parent's thread pool
    try:
        connection.send(run_mutant(mutant, timeout=timeout))
    finally:
        connection.close()


def run_many(mutants: list[Mutant], *, jobs: int = 2, timeout: float = 120.0,
             on_done: Callable[[Outcome], None] | None = None) -> list[Outcome]:
    """Run each mutant in its own forked process (``jobs`` at a time), in the order given.

    A fresh process per mutant: nothing a mutant leaves behind (a cache, a half-finished
    SymPy computation) reaches the next one, and a mutant stuck where a signal cannot reach
    it is killed ``timeout`` + 30 s after it started (that counts as killed: no pass).
    """
    from multiprocessing import connection as mpc, get_context
    context = get_context("fork")
    baseline_proofs()                 # once, inherited by every child
    pending = list(enumerate(mutants))[::-1]
    running: dict = {}
    outcomes: list[Outcome | None] = [None] * len(mutants)
    while pending or running:
        while pending and len(running) < max(1, jobs):
            i, mutant = pending.pop()
            reader, writer = context.Pipe(duplex=False)
            process = context.Process(target=_child, args=(mutant, writer, timeout), daemon=True)
            process.start()
            writer.close()
            running[reader] = (i, mutant, process, time.perf_counter())
        ready = mpc.wait(list(running), timeout=1.0)
        now = time.perf_counter()
        for reader in list(running):
            i, mutant, process, started = running[reader]
            outcome = None
            if reader in ready:
                try:
                    outcome = reader.recv()
                except EOFError:      # the child died (e.g. killed for memory)
                    outcome = Outcome(mutant, True, None, f"error: the process died (exit code "
                                      f"{process.join(5) or process.exitcode})", now - started)
            elif now - started > timeout + 30:
                process.kill()
                outcome = Outcome(mutant, True, None, f"timeout after {timeout:g} s (process killed)",
                                  now - started)
            if outcome is not None:
                process.join(5)
                reader.close()
                del running[reader]
                outcomes[i] = outcome
                if on_done:
                    on_done(outcome)
    return outcomes


def _how(result) -> str:
    if result.proof is not None and not result.proof.ok:
        return f"proof {result.proof.status.value}"
    for part in result.numeric:
        if not part.ok:
            return f"numeric {part.name} (scaled err {part.max_scaled_err:.1e})"
    for check in result.checks:
        if not check.ok:
            return f"check {check.name}"
    return "failed"


def sample(mutants: list[Mutant], n: int, seed: int = 0) -> list[Mutant]:
    """``n`` mutants spread over the operators and layers (round robin over shuffled strata)."""
    rng = random.Random(seed)
    strata: dict = {}
    for m in mutants:
        strata.setdefault((m.layer, m.operator), []).append(m)
    for group in strata.values():
        rng.shuffle(group)
    keys = sorted(strata)
    rng.shuffle(keys)
    chosen = []
    while len(chosen) < min(n, len(mutants)):
        for key in keys:
            if strata[key] and len(chosen) < n:
                chosen.append(strata[key].pop())
    return chosen


def kill_rate(outcomes: list[Outcome]) -> tuple[int, int, float]:
    """(killed, non-equivalent, killed / non-equivalent)."""
    relevant = [o for o in outcomes if o.mutant.id not in EQUIVALENT]
    killed = sum(o.killed for o in relevant)
    return killed, len(relevant), (killed / len(relevant) if relevant else math.nan)


#: Surviving mutants shown to be equivalent: they change no value the verifier may look at
#: (the valid domain: t = 1..T, index 0 of a table is never read, ...).  id -> why.
_INDEX_0 = ("writes index 0 of a paper-indexed table, which no formula reads: every timestep "
            "is checked to lie in [1, T] (t = 0 is x_0 itself)")
_T1_ZERO = ("sets the t = 1 entry to 0, which it already is: 1 - alpha_bar_0 = 0 makes the t = 1 "
            "value exactly 0; index 0 (now 0/0) is never read")
_BRANCH_ONLY = ("the selector between two exactly equal forms of sigma2 - beta_tilde (near beta_t / near "
                "beta_tilde_t): the value is unchanged, only which rounding applies; its precision is checked "
                "by oracles.kl_constant_relative at sigma2 = beta_t and tests/numeric/test_kl.py (issue 18)")

EQUIVALENT: dict[str, str] = {
    "numeric.kl:_kl_eps_constant:add-sub:sigma2 - beta_tilde->sigma2 + beta_tilde": _BRANCH_ONLY,
    "numeric.kl:_kl_eps_constant:sqrt-add:sigma2->torch.sqrt(sigma2)#1": _BRANCH_ONLY,
    # Index 0 of the derived tables: t = 0 is refused at every public boundary.
    "numeric._tables:lambda_numerator:constant:0.0->1.0": _INDEX_0,
    "numeric._tables:beta_tilde:constant:0.0->1.0": _INDEX_0,
    "numeric._tables:log_beta_tilde:constant:0.0->1.0": _INDEX_0,
    "numeric._tables:coef_x0:constant:0.0->1.0": _INDEX_0,
    "numeric._tables:coef_xt:constant:0.0->1.0": _INDEX_0,
    "numeric._tables:eps_coef:constant:0.0->1.0": _INDEX_0,
    "numeric._tables:log_sigma2_beta:constant:0.0->1.0": _INDEX_0,
    "numeric._tables:eps_weight:constant:0.0->1.0": _INDEX_0,
    "numeric._tables:beta_tilde:t-shift:0->1": "beta_tilde: " + _T1_ZERO,
    "numeric._tables:coef_xt:t-shift:0->1": "the x_t coefficient of mu_tilde: " + _T1_ZERO,
    "numeric._tables:log_beta_tilde:t-shift:0->1": (
        "sets log beta_tilde_1 to 0, an entry never read: posterior_log_variance and "
        "kl_eps_constant refuse t = 1, and sigma_1^2 ('posterior') is taken from t = 2"),
    "numeric._tables:eps_weight:t-shift:0->1#1": (
        "sets lambda_1 to 0: the bound discards the t = 1 row of the eps-form terms (t = 1 is the "
        "decoder, computed separately), so lambda_1 is never used"),
    # At t = 1, alpha_bar_1 = alpha_1 and 1 - alpha_bar_1 = beta_1, exactly.
    "numeric._tables:log_sigma2_beta:alpha-bar:m['beta']->m['one_minus_alpha_bar']": (
        "only log sigma_1^2 of this table is read (the decoder's variance), and 1 - alpha_bar_1 = beta_1"),
    "numeric.elbo:_variational_bound:alpha-bar:schedule.float64('beta')->schedule.float64('one_minus_alpha_bar')": (
        "the decoder scale sqrt(beta_1/alpha_1) reads index 1 only, where 1 - alpha_bar_1 = beta_1"),
    "numeric.elbo:_variational_bound:alpha-bar:schedule.float64('alpha')->schedule.float64('alpha_bar')": (
        "the decoder scale sqrt(beta_1/alpha_1) reads index 1 only, where alpha_bar_1 = alpha_1"),
    # Chunking: each timestep's term depends only on its own inputs.
    "numeric.elbo:_variational_bound:add-sub:start + chunk - 1->start + chunk + 1": (
        "chunks then overlap by two timesteps; an overlapped term is recomputed from the same x_0, "
        "eps_t and model, so every value is unchanged (with the noise drawn inside, only which "
        "random numbers go to which t changes, not their distribution)"),
    # Which of two exact forms is evaluated: the same value up to rounding already present.
    "numeric._tables:prior_kl_offset:constant:0.1->0.2": (
        "switches from the direct form to the series (1/2) sum_k alpha_bar^k / k at alpha_bar = 0.2 "
        "instead of 0.1; the 30-term series truncates at 0.2^32/32 = 1e-24, relative 1e-22 of the "
        "result: the same value to the last bit"),
    "numeric.elbo:_log1mexp:sign:-math.log(2)->math.log(2)": (
        "log(1 - e^x) by log1p(-e^x) instead of log(-expm1(x)) for -log 2 < x < 0: each loses "
        "1e-16/|x| relative, the same order as the rounding of x itself (a difference of two "
        "log-CDFs), so both give the value to the accuracy the input has"),
    "numeric.elbo:_log_normal_interval:constant:0->1": (
        "reflects the bin to the lower tail when low > 1 instead of low > 0; for 0 < low <= 1, "
        "Phi(low) <= 0.84 and the unreflected form loses nothing: the reflection matters only "
        "for low >> 1, where Phi(low) rounds to 1"),
    # Symmetry of the noise.
    "symbolic.forward:composed_moments:add-sub:sp.sqrt(symbols.alpha_bar_prev) * symbols.x_0 + "
    "sp.sqrt(1 - symbols.alpha_bar_prev) * e1->sp.sqrt(symbols.alpha_bar_prev) * symbols.x_0 - "
    "sp.sqrt(1 - symbols.alpha_bar_prev) * e1": (
        "eps and -eps have the same distribution (N(0, 1) is symmetric): the composed mean and "
        "variance, which is all the proof reads, do not change"),
    "symbolic.forward:composed_moments:add-sub:sp.sqrt(symbols.alpha_t) * x_prev + sp.sqrt(symbols.beta_t) * e2->"
    "sp.sqrt(symbols.alpha_t) * x_prev - sp.sqrt(symbols.beta_t) * e2": (
        "eps and -eps have the same distribution (N(0, 1) is symmetric): the composed mean and "
        "variance, which is all the proof reads, do not change"),
}
