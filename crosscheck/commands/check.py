r"""Is my formula right?  ``python -m crosscheck check TARGET FORMULA`` and its engine.

A formula is compared with a registered quantity (:data:`TARGETS`, the parts of
:mod:`crosscheck.engine.registry`).  The verdict is

* **holds** only when ``formula - target`` reduces to exactly 0
  (:func:`symbolic.proof.reduce_to_normal_form`), after writing both in the independent symbols
  with :math:`\beta_t = 1-\alpha_t` and :math:`\bar\alpha_t = \alpha_t\bar\alpha_{t-1}` (and, where
  the formula uses other data symbols than the target, the forward relation
  :math:`x_t = \sqrt{\bar\alpha_t}x_0 + \sqrt{1-\bar\alpha_t}\epsilon`), **and** the formula is
  proved real and defined on the whole domain of the target (:mod:`symbolic.domain`: every log
  argument > 0, every root's base >= 0, every denominator != 0);
* **differs** with a point inside the domain (0 < alpha_t < 1, 0 < alpha_bar_{t-1} <= 1, < 1 for
  targets of t >= 2, variances > 0, data any real) where the two values differ, confirmed at 60
  and 100 significant digits, or where the formula is not real or not defined (confirmed
  exactly: "log of a negative number" at that point);
* **undecided** when neither happens, or the time or memory limit runs out.  Never a pass.

Random points only ever produce counterexamples.  The decision runs in a forked child process
with a hard wall-clock and memory limit (:mod:`crosscheck.engine.limits`).  The module imports no
torch, so a cold ``check`` answers in well under 2 s.
"""

from __future__ import annotations

import math
import numbers
import random
import time
from dataclasses import dataclass, field
from typing import Callable, Mapping

import sympy as sp

from symbolic import domain as symbolic_domain
from symbolic import formula as symbolic_formula
from symbolic.forward import forward_jump_sample
from symbolic.posterior import posterior_variance
from symbolic import symbols as symbolic_symbols
from symbolic.proof import reduce_to_normal_form

from ..engine import limits, registry
from ..engine.limits import MEMORY_MIB, CheckTimeout, time_limit
from ..engine.registry import Part
from .common import Parser, UsageError, json_text

HOLDS, DIFFERS, UNDECIDED = "holds", "differs", "undecided"
DEFAULT_TIMEOUT = 30.0


#: The targets: every part of the registry, in its order (:mod:`crosscheck.engine.registry`).
TARGETS: tuple[Part, ...] = tuple(registry.PARTS.values())
BY_NAME: dict[str, Part] = registry.PARTS


def target(name: str) -> Part:
    """The target called ``name`` (or one of its aliases, such as ``forward_sample``)."""
    return registry.part(name)


# ---------------------------------------------------------------------------------------------
# The domain and counterexamples.

_SCHEDULE = (symbolic_symbols.alpha_t, symbolic_symbols.alpha_bar_prev, symbolic_symbols.alpha_bar_T)
_VARIANCES = (symbolic_symbols.var, symbolic_symbols.var_1, symbolic_symbols.var_2)
_DATA = (symbolic_symbols.x_0, symbolic_symbols.x_t, symbolic_symbols.eps)


def _sample(symbol: sp.Symbol, rng: random.Random) -> float:
    if symbol in _SCHEDULE:
        return round(rng.uniform(0.05, 0.95), 3)
    if symbol.is_integer:
        return rng.randint(1, 6)
    if symbol is symbolic_symbols.sigma2_t:
        return round(10 ** rng.uniform(-2, 0), 4)
    if symbol.is_positive:
        return round(10 ** rng.uniform(-1, 1), 3)
    return round(rng.uniform(-3, 3), 3)


def _evaluator(expr: sp.Expr, symbols: list[sp.Symbol]):
    """``expr`` at a point, by mpmath at a given precision: a number (maybe complex) or None."""
    import mpmath
    try:
        f = sp.lambdify(symbols, expr, modules="mpmath")
    except (NameError, TypeError, SyntaxError, KeyError):
        return None

    def evaluate(point: Mapping[sp.Symbol, float], digits: int):
        with mpmath.workdps(digits):
            try:
                return f(*(mpmath.mpf(str(point[s])) for s in symbols))
            except (ZeroDivisionError, ValueError, OverflowError, TypeError, NameError):
                return None
    return evaluate


def _is_real(value) -> bool:
    import mpmath
    try:
        return value is not None and not isinstance(value, (mpmath.mpc, complex)) and bool(mpmath.isfinite(value))
    except (TypeError, ValueError):
        return False


def _not_real(formula: sp.Expr, point: Mapping[sp.Symbol, float], low, high, scale) -> str | None:
    """Why ``formula`` is no real number at ``point`` (exact where it can be told), or None."""
    import mpmath
    defect = symbolic_domain.defect_at(formula, {s: sp.Rational(str(v)) for s, v in point.items()})
    if defect is not None:
        return defect.text()
    if isinstance(low, mpmath.mpc) and isinstance(high, mpmath.mpc):
        imaginary = high.imag
        if abs(imaginary) > 1e-20 * scale and abs(low.imag - imaginary) < 1e-40 * scale:
            return f"not real: imaginary part {float(imaginary):.6g}"
    return None


def find_point(formula: sp.Expr, reference: sp.Expr, *, samples: int = 24, seed: int = 0,
               fixed: Mapping[sp.Symbol, float] | None = None) -> dict | None:
    """A point of the domain where ``formula`` and ``reference`` clearly differ, or None.

    Confirmed at 60 and 100 digits: the difference must be stable and larger than 1e-20 of
    the values' scale, so rounding can never make a counterexample.  A point where the target
    is real and the formula is not (complex, or undefined: confirmed exactly) is a
    counterexample too, of another kind: ``"formula"`` is then None and ``"defect"`` says why.
    """
    symbols = sorted((formula.free_symbols | reference.free_symbols), key=lambda s: s.name)
    evaluate_formula, evaluate_reference = _evaluator(formula, symbols), _evaluator(reference, symbols)
    if evaluate_formula is None or evaluate_reference is None:
        return None
    rng = random.Random(seed)
    for _ in range(samples):
        point = symbolic_domain.timesteps_in_order({s: (fixed[s] if fixed and s in fixed else _sample(s, rng)) for s in symbols})
        r_low, r_high = evaluate_reference(point, 60), evaluate_reference(point, 100)
        if not (_is_real(r_low) and _is_real(r_high)):
            continue
        f_low, f_high = evaluate_formula(point, 60), evaluate_formula(point, 100)
        if not (_is_real(f_low) and _is_real(f_high)):
            defect = _not_real(formula, point, f_low, f_high, max(1, abs(r_high)))
            if defect is not None:
                return {"point": point, "formula": None, "reference": float(r_high), "defect": defect}
            continue
        difference = f_high - r_high
        scale = max(1, abs(f_high), abs(r_high))
        if abs(difference) > 1e-20 * scale and abs((f_low - r_low) - difference) < 1e-40 * scale:
            return {"point": point, "formula": float(f_high), "reference": float(r_high)}
    return None


# ---------------------------------------------------------------------------------------------
# Deciding equality.

@dataclass
class Decision:
    status: str
    method: str
    point: dict | None = None           # {"point": {symbol: value}, "formula": v, "reference": v[, "defect": why]}
    residual: sp.Expr | None = None
    relation: bool = False
    defect: str | None = None           # the formula is not real/defined at ``point`` (why)

    @property
    def ok(self) -> bool:
        return self.status == HOLDS


FORWARD_RELATION = "x_t = sqrt(alpha_bar_t) x_0 + sqrt(1 - alpha_bar_t) eps"


def _forward_relation(expr: sp.Expr) -> sp.Expr:
    return expr.xreplace({symbolic_symbols.x_t: forward_jump_sample(symbolic_symbols.x_0, symbolic_symbols.eps)})


def _complete(point: Mapping[sp.Symbol, sp.Expr], reference: sp.Expr, relation: bool) -> dict:
    """``point`` extended to the reference's symbols: x_0, x_t, eps tied by the forward relation
    when it is in use, any other missing symbol at a sampled value."""
    point = dict(point)
    rng = random.Random(0)
    for symbol in sorted(reference.free_symbols - set(point) - set(_DATA), key=lambda s: s.name):
        point[symbol] = sp.Rational(str(_sample(symbol, rng)))
    missing = [s for s in _DATA if s in reference.free_symbols and s not in point]
    if not missing:
        return point
    if not relation:
        return point | {s: sp.Rational(str(_sample(s, rng))) for s in missing}
    for symbol in _DATA:
        if symbol not in point and sum(s in point for s in _DATA) < 2:
            point[symbol] = sp.Integer(0) if symbol is not symbolic_symbols.eps else sp.Rational(1, 2)
    a, c = sp.sqrt(symbolic_symbols.alpha_t * symbolic_symbols.alpha_bar_prev), sp.sqrt(1 - symbolic_symbols.alpha_t * symbolic_symbols.alpha_bar_prev)
    solved = {symbolic_symbols.x_t: a * symbolic_symbols.x_0 + c * symbolic_symbols.eps, symbolic_symbols.x_0: (symbolic_symbols.x_t - c * symbolic_symbols.eps) / a, symbolic_symbols.eps: (symbolic_symbols.x_t - a * symbolic_symbols.x_0) / c}
    for symbol in _DATA:
        if symbol not in point:
            point[symbol] = solved[symbol].xreplace(point)
    return point


def _defect_decision(defect: symbolic_domain.Defect, formula: sp.Expr, reference: sp.Expr, relation: bool, via: str) -> Decision:
    """The formula is not real or not defined at a point of the domain: a counterexample."""
    point = _complete(defect.point, reference, relation)
    value = sp.N((_forward_relation(reference) if relation else reference).xreplace(point), 30)
    shown = {s: float(sp.N(v, 30)) for s, v in point.items()}
    kind = "not defined" if defect.undefined else "not real"
    at = sorted(((s, v) for s, v in defect.point.items() if s in defect.node.free_symbols), key=lambda i: i[0].name)
    where = " at " + ", ".join(f"{s.name} = {float(sp.N(v, 12)):.6g}" for s, v in at) if at else ""
    return Decision(DIFFERS, f"your formula is {kind}{where} ({defect.reason}, in {sp.sstr(defect.node)}){via}",
                    {"point": shown, "formula": None, "reference": float(value), "defect": defect.text()},
                    relation=relation, defect=defect.text())


def _constant_difference(residual: sp.Expr, formula: sp.Expr, reference: sp.Expr, via: str,
                         relation: bool) -> Decision:
    """An exact refutation: (formula - target) reduces to a nonzero constant."""
    rng = random.Random(0)
    symbols = sorted(formula.free_symbols | reference.free_symbols, key=lambda s: s.name)
    point = symbolic_domain.timesteps_in_order({s: _sample(s, rng) for s in symbols})
    exact = {s: sp.Rational(str(v)) for s, v in point.items()}
    values = [sp.N(e.xreplace(exact), 50) for e in (formula, reference)]
    return Decision(DIFFERS, f"exact reduction: formula - target = {sp.sstr(residual)}, a nonzero constant{via}",
                    {"point": point, "formula": float(sp.re(values[0])), "reference": float(sp.re(values[1]))},
                    residual, relation)


def written_conditions(written: sp.Expr | None) -> tuple[symbolic_domain.Condition, ...]:
    """The real-and-defined conditions of a formula as the user wrote it (an unevaluated tree in
    the user's symbols), in the proof's symbols: what evaluation drops (0*(1/(1 - alpha_bar_prev)),
    log(a)/log(a), exp(log(x_t))) must hold all the same."""
    if written is None:
        return ()
    return tuple(symbolic_domain.Condition(c.kind, symbolic_formula.to_proof_symbols(c.argument), c.node) for c in symbolic_domain.conditions(written))


def decide(formula: sp.Expr, reference: sp.Expr, *, allow_relation: bool = True, samples: int = 24,
           seed: int = 0, t_min: int = 1, written: sp.Expr | None = None) -> Decision:
    """Exact proof that ``formula == reference`` on the domain, or a counterexample, or undecided.

    The domain is that of the target (``t_min = 2``: alpha_bar_{t-1} < 1, else t = 1 is in it).
    *holds* needs both an exact reduction of the difference to 0 and a proof that the formula is
    real and defined on the whole domain (:func:`symbolic.domain.definedness`; with ``written``,
    the formula as written before evaluation, its conditions too); a point where it is not is a
    counterexample.
    """
    formula, reference = sp.sympify(formula), sp.sympify(reference)
    data_f = formula.free_symbols & set(_DATA)
    data_r = reference.free_symbols & set(_DATA)
    use_relation = allow_relation and data_f != data_r and symbolic_symbols.x_t in (data_f | data_r)
    via = f", using {FORWARD_RELATION}" if use_relation else ""
    domain = symbolic_domain.Domain(t_min)
    extra = written_conditions(written)
    defined = symbolic_domain.definedness(formula, domain, seed=seed, search=False, extra=extra)
    as_written = formula
    if use_relation:
        formula, reference = _forward_relation(formula), _forward_relation(reference)
    # A counterexample where both are real first: it says more than where the formula is undefined.
    point = find_point(formula, reference, samples=samples, seed=seed)
    if point is not None and not point.get("defect"):
        return _point_decision(point, via, use_relation)
    if not defined.ok:          # where the formula as written is not real or not defined
        defined = symbolic_domain.definedness(as_written, domain, seed=seed, extra=extra)
        if defined.status == symbolic_domain.REFUTED:
            return _defect_decision(defined.defect, as_written, reference, use_relation, via)
    if point is not None:
        return _point_decision(point, via, use_relation)
    residual = reduce_to_normal_form(formula - reference)
    if residual == 0 and defined.ok:
        return Decision(HOLDS, f"exact reduction of (formula - target) to 0{via}, and your formula is real and "
                        "defined on the whole domain", relation=use_relation)
    if residual == 0:
        return Decision(UNDECIDED, f"(formula - target) reduces to 0{via} where your formula is defined, but it is "
                        f"{defined.text()}; this is not a pass", None, None, use_relation)
    if defined.ok and residual.is_number:
        return _constant_difference(residual, formula, reference, via, use_relation)
    point = find_point(formula, reference, samples=400, seed=seed + 1)
    if point is not None:
        decision = _point_decision(point, via, use_relation)
        decision.residual = residual
        return decision
    unproved = "" if defined.ok else f"; your formula is {defined.text()}"
    return Decision(UNDECIDED, "no exact reduction to 0 and no counterexample in 400 points"
                    f"{via}{unproved}; this is not a pass", None, residual, use_relation)


def _point_decision(point: dict, via: str, relation: bool) -> Decision:
    if point.get("defect"):
        return Decision(DIFFERS, f"your formula is {point['defect']}{via}", point, relation=relation,
                        defect=point["defect"])
    return Decision(DIFFERS, f"counterexample found by evaluation at 100 digits{via}", point, relation=relation)


# ---------------------------------------------------------------------------------------------
# Explaining a difference.

def describe_point(point: Mapping[sp.Symbol, float]) -> dict[str, float]:
    """The point in the user's names, with the derived schedule values."""
    shown: dict[str, float] = {}
    values = {s.name: v for s, v in point.items()}
    if "alpha_t" in values:
        shown["alpha_t"] = values["alpha_t"]
        shown["beta_t"] = float(sp.Rational(str(1 - sp.Rational(str(values["alpha_t"])))))
    if "alpha_bar_prev" in values:
        shown["alpha_bar_prev"] = values["alpha_bar_prev"]
        if "alpha_t" in values:
            shown["alpha_bar_t"] = float(sp.Rational(str(values["alpha_t"])) * sp.Rational(str(values["alpha_bar_prev"])))
    standard = {"sigma2_t": "sigma_t", "var": "sigma", "var_1": "sigma_1", "var_2": "sigma_2"}
    for name, value in sorted(values.items()):
        if name in shown or name in ("alpha_t", "alpha_bar_prev"):
            continue
        if name in standard:
            shown[standard[name]] = float(sp.sqrt(sp.Rational(str(value))))
            shown[f"{standard[name]}^2"] = value
        else:
            shown[name] = value
    return shown


def simplified_difference(difference: sp.Expr, seconds: float = 5.0) -> str:
    """``difference`` factored, in the lecture's symbols (alpha_bar_t, beta_t, sigma_t^2)."""
    from symbolic.notation import to_display
    try:
        with time_limit(seconds):
            pretty = sp.factor(sp.together(difference))
            pretty = pretty.replace(lambda e: isinstance(e, sp.log), lambda e: sp.log(sp.factor(e.args[0])))
    except CheckTimeout:
        pretty = difference
    return sp.sstr(to_display(pretty))


#: Conditions under which a false statement may still hold (reported, never a pass).
CONDITIONS: tuple[tuple[str, dict], ...] = (
    ("t = 1 (alpha_bar_{t-1} = 1)", {symbolic_symbols.alpha_bar_prev: sp.Integer(1)}),
    ("sigma_t^2 = beta_tilde_t", {symbolic_symbols.sigma2_t: posterior_variance()}),
    ("sigma_t^2 = beta_t", {symbolic_symbols.sigma2_t: 1 - symbolic_symbols.alpha_t}),
)


def holds_when(formula: sp.Expr, reference: sp.Expr, conditions=CONDITIONS, *, t_min: int = 1) -> list[str]:
    """The conditions (of ``conditions``) under which ``formula == reference`` is proved.

    A condition under which the target itself vanishes is no reason: every multiple of the
    target agrees with it there (11 times beta_tilde_t is 0 at t = 1, as beta_tilde_t is).
    """
    found = []
    for text, substitution in conditions:
        if not any(s in (formula.free_symbols | reference.free_symbols) for s in substitution):
            continue
        if t_min > 1 and symbolic_symbols.alpha_bar_prev in substitution:
            continue                     # t = 1 is not in the target's domain
        f, r = formula.xreplace(substitution), reference.xreplace(substitution)
        if r.has(sp.zoo, sp.nan, sp.oo, -sp.oo) or find_point(r, sp.S.Zero, samples=3) is None:
            continue                     # the target is 0 (or undefined) there, at least numerically
        if decide(f, r, samples=6, t_min=t_min).ok:
            found.append(text)
    return found


T_GE_2 = "t >= 2 (alpha_bar_{t-1} < 1); at t = 1 (alpha_bar_{t-1} = 1) your formula is not defined"


def holds_for_t_ge_2(formula: sp.Expr, reference: sp.Expr, decision: Decision) -> bool:
    """The decision failed only because the formula is undefined at t = 1, and it holds for t >= 2."""
    point = (decision.point or {}).get("point", {})
    if not decision.defect or point.get(symbolic_symbols.alpha_bar_prev) != 1:
        return False
    return decide(formula, reference, t_min=2).ok


def _occurrences(expr: sp.Expr, old: sp.Expr) -> int:
    if expr == old:
        return 1
    return sum(_occurrences(a, old) for a in expr.args)


def _replace_occurrence(expr: sp.Expr, old: sp.Expr, new: sp.Expr, index: int) -> sp.Expr:
    """``expr`` with only the ``index``-th occurrence (pre-order) of ``old`` replaced."""
    seen = [0]

    def walk(e):
        if e == old:
            seen[0] += 1
            return new if seen[0] - 1 == index else e
        return e.func(*[walk(a) for a in e.args]) if e.args else e
    return walk(expr)


def _substitutions(expr: sp.Expr, old: sp.Symbol, new: sp.Expr, text: str) -> list[tuple[str, sp.Expr]]:
    """Replace ``old`` everywhere, and (when it occurs several times) at one place at a time."""
    count = _occurrences(expr, old)
    out = [(f"{text}", expr.xreplace({old: new}))]
    if 1 < count <= 6:
        for i in range(count):
            repaired = _replace_occurrence(expr, old, new, i)
            out.append((f"{text} at one place: {sp.sstr(repaired)}", repaired))
    return out


def _repairs(expr: sp.Expr) -> list[tuple[str, sp.Expr]]:
    """Typical slips, undone: each candidate is (what it would take, the repaired expression)."""
    sym = {n.name: n.symbol for n in symbolic_formula.VOCABULARY}
    present = {s.name for s in expr.free_symbols}
    out: list[tuple[str, sp.Expr]] = []
    pairs = [("alpha_bar_t", "alpha_bar_prev"), ("alpha_t", "alpha_bar_t"), ("beta_t", "beta_tilde_t"),
             ("alpha_t", "beta_t"), ("eps", "eps_theta"), ("x_0", "x_t")]
    for a, b in pairs:
        if a in present:
            out += _substitutions(expr, sym[a], sym[b], f"{b} in place of {a}")
        if b in present:
            out += _substitutions(expr, sym[b], sym[a], f"{a} in place of {b}")
        if a in present and b in present:
            out.append((f"{a} and {b} swapped", expr.xreplace({sym[a]: sym[b], sym[b]: sym[a]})))
    if {"mu_1", "mu_2"} <= present or {"sigma_1", "sigma_2"} <= present:
        swap = {sym["mu_1"]: sym["mu_2"], sym["mu_2"]: sym["mu_1"], sym["sigma_1"]: sym["sigma_2"],
                sym["sigma_2"]: sym["sigma_1"]}
        out.append(("the KL's two arguments swapped back (KL is not symmetric)", expr.xreplace(swap)))
    for root in sorted(expr.atoms(sp.Pow), key=sp.default_sort_key):
        if root.exp in (sp.Rational(1, 2), sp.Rational(-1, 2)):
            out.append((f"{root.base} without the square root around it",
                        expr.xreplace({root: root.base ** (2 * root.exp)})))
    for name in ("alpha_t", "alpha_bar_t", "alpha_bar_prev", "beta_t", "alpha_bar_T"):
        if name in present:
            out += _substitutions(expr, sym[name], sp.sqrt(sym[name]), f"sqrt({name}) in place of {name}")
            out += _substitutions(expr, sym[name], sym[name] ** 2, f"{name}^2 in place of {name}")
    for add in sorted({a for a in expr.atoms(sp.Add) if a.free_symbols}, key=sp.default_sort_key)[:6]:
        out.append((f"sqrt({add}) in place of {add}", expr.xreplace({add: sp.sqrt(add)})))
    for name in ("sigma_t", "sigma_1", "sigma_2", "sigma"):
        if name in present:
            out += _substitutions(expr, sym[name], sym[name] ** 2, f"{name}^2 (a variance) in place of {name}")
            out += _substitutions(expr, sym[name], sp.sqrt(sym[name]),
                                  f"{name} (a standard deviation) in place of {name}^2")
    out += [("the opposite sign", -expr), ("a factor 1/2 (the formula is twice the target)", expr / 2),
            ("a factor 2 (the formula is half the target)", 2 * expr),
            ("squared (a standard deviation where a variance belongs)", expr ** 2),
            ("its square root (a variance where a standard deviation belongs)", sp.sqrt(expr))]
    return out


def _factor_candidates() -> list[sp.Expr]:
    """Factors a single term of a sum typically lacks or has too much (in the user's symbols)."""
    sym = {n.name: n.symbol for n in symbolic_formula.VOCABULARY}
    out: list[sp.Expr] = [sp.Integer(-1), sp.Integer(2), sp.Rational(1, 2), sp.Integer(-2), -sp.Rational(1, 2)]
    quantities = [sym[n] for n in ("alpha_t", "alpha_bar_t", "alpha_bar_prev", "beta_t", "sigma_t", "beta_tilde_t")]
    quantities += [1 - sym["alpha_bar_t"], 1 - sym["alpha_bar_prev"]]
    for q in quantities:
        out += [q, 1 / q, sp.sqrt(q), 1 / sp.sqrt(q)]
    return out


def _term_repairs(expr: sp.Expr, reference: sp.Expr) -> list[tuple[str, sp.Expr]]:
    """One term of a sum with the wrong sign or a missing (or extra) factor.

    For a formula P * (t_1 + ... + t_n), the factor k that term t_i needs is
    1 + (target - formula)/(P t_i); it is matched numerically against typical factors (a sign,
    2, 1/2, a schedule quantity or its square root, their inverses), and only a match is
    returned (to be proved by :func:`decide`).
    """
    sums = [expr] if isinstance(expr, sp.Add) else [a for a in sp.Mul.make_args(expr) if isinstance(a, sp.Add)]
    sums = [s for s in sums if 2 <= len(s.args) <= 8][:3]
    if not sums:
        return []
    candidates = _factor_candidates()
    value = symbolic_formula.to_proof_symbols(expr)
    needed: list[tuple[sp.Expr, sp.Expr, sp.Expr]] = []
    for total in sums:
        rest = sp.S.One if total == expr else expr / total
        for term in total.args:
            needed.append((total, term, 1 + (reference - value) / symbolic_formula.to_proof_symbols(rest * term)))
    exprs = [k for _, _, k in needed] + [symbolic_formula.to_proof_symbols(c) for c in candidates]
    symbols = sorted(set().union(*(e.free_symbols for e in exprs)), key=lambda s: s.name)
    evaluate = _evaluator(sp.Tuple(*exprs), symbols)
    if evaluate is None:
        return []
    rng = random.Random(7)
    samples = []
    for _ in range(3):
        values = evaluate(symbolic_domain.timesteps_in_order({s: _sample(s, rng) for s in symbols}), 30)
        if values is None or not all(_is_real(v) for v in values):
            return []
        samples.append(values)
    out = []
    for i, (total, term, _) in enumerate(needed):
        for j, factor in enumerate(candidates):
            column = len(needed) + j
            if all(abs(v[i] - v[column]) <= 1e-15 * max(1, abs(v[column])) for v in samples):
                repaired = expr.xreplace({total: sp.Add(*[factor * a if a == term else a for a in total.args])})
                out.append((_term_text(term, factor), repaired))
                break
    return out


def _term_text(term: sp.Expr, factor: sp.Expr) -> str:
    shown = sp.sstr(term)
    if factor == -1:
        return f"the opposite sign on the term {shown} (a sign slip in one term)"
    if factor.is_number:
        return f"the term {shown} multiplied by {factor}"
    base, exponent = factor.as_base_exp()
    if exponent.is_negative:
        return f"the term {shown} divided by {sp.sstr(1 / factor)} (an extra factor)"
    return f"a factor {sp.sstr(factor)} on the term {shown} (a missing factor)"


def _restates(expr: sp.Expr, repaired: sp.Expr, reference: sp.Expr) -> bool:
    """A repair that only restates the answer: it brings in a symbol whose value is the target
    itself, or it replaces the whole of the user's formula (a lone symbol) by another."""
    brought = repaired.free_symbols - expr.free_symbols
    if any(symbolic_formula.to_proof_symbols(s) == reference for s in brought):
        return True
    core = expr.as_coeff_Mul()[1]
    return isinstance(core, sp.Symbol) and core not in repaired.free_symbols


def diagnose(expr: sp.Expr, reference: sp.Expr, *, limit: int = 2, seconds: float = 10.0,
             t_min: int = 1, relation: bool = False) -> list[str]:
    """Up to ``limit`` one-slip repairs of ``expr`` (user symbols) that are *proved* to give the target;
    with ``relation``, x_t is tied to x_0 and eps by the forward relation (in ``reference`` too)."""
    hints: list[str] = []
    try:
        with time_limit(seconds):
            for text, candidate in _repairs(expr) + _term_repairs(expr, reference):
                if _restates(expr, candidate, reference):
                    continue
                value = symbolic_formula.to_proof_symbols(candidate)
                if relation:
                    value = _forward_relation(value)
                if find_point(value, reference, samples=4) is not None:
                    continue
                if decide(value, reference, samples=4, t_min=t_min).ok:
                    hints.append(f"it holds with {text}")
                    if len(hints) >= limit:
                        break
    except CheckTimeout:
        pass
    return hints


def _finite(value):
    """A JSON-safe number: non-finite floats as the strings "inf", "-inf", "nan"."""
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    return value


def _decide_and_explain(chosen: Part, parsed: symbolic_formula.Formula, reference: sp.Expr, start: float, hints: bool,
                        emit: Callable[[tuple], None]) -> None:
    """The verdict, sent by ``emit`` as soon as it is known and again as hints are found.

    Even printing the formula is done here, under the limits: SymPy orders the terms of a sum by
    evaluating its numbers, and exp(-exp(exp(24))) takes minutes to evaluate.
    """
    shown = sp.sstr(parsed.expr)
    emit(("shown", shown))
    value = parsed.value
    # the formula as written, before evaluation, where the reader keeps it (see written_conditions)
    written = getattr(parsed, "written", None)
    decision = decide(value, reference, t_min=chosen.t_min, written=written)
    verdict = Verdict(chosen.name, parsed.text, decision.status, decision.method,
                      time.perf_counter() - start, parsed=shown)
    if decision.status == DIFFERS:
        found = decision.point
        verdict.point = describe_point(found["point"])
        verdict.formula_value, verdict.target_value = found["formula"], found["reference"]
        verdict.defect = found.get("defect")
        if verdict.defect is None:
            f, r = (_forward_relation(value), _forward_relation(reference)) if decision.relation else (value, reference)
            verdict.difference = simplified_difference(f - r)
    elif decision.status == UNDECIDED and decision.residual is not None:
        verdict.difference = sp.sstr(decision.residual)
    emit(("verdict", verdict))
    if not hints or verdict.status != DIFFERS:
        return
    if decision.relation:    # x_t, x_0 and eps tied: the repairs and conditions are judged tied too
        value, reference = _forward_relation(value), _forward_relation(reference)
    verdict.hints = diagnose(parsed.expr, reference, t_min=chosen.t_min, relation=decision.relation)
    emit(("verdict", verdict))
    if verdict.hints:        # a proved repair is the explanation; a condition would only follow from it
        return
    try:
        with time_limit(10.0):
            if holds_for_t_ge_2(value, reference, decision):
                verdict.hints.append(f"it agrees with the target for {T_GE_2}")
            else:
                verdict.hints += [f"it agrees with the target only when {c}"
                                  for c in holds_when(value, reference, t_min=chosen.t_min)]
    except CheckTimeout:
        pass
    emit(("verdict", verdict))


def _limited_verdict(chosen: Part, parsed: symbolic_formula.Formula, reference: sp.Expr, *, timeout: float | None,
                     memory_mib: int | None, hints: bool, start: float) -> Verdict:
    """:func:`_decide_and_explain` within the time and memory limits (:mod:`crosscheck.engine.limits`);
    running out of either is *undecided*, with the reason."""
    # ``timeout`` is what is left of the caller's limit, which started at ``start``
    limit = None if timeout is None else float(f"{timeout + time.perf_counter() - start:.2g}")
    outcome = limits.run(lambda emit: _decide_and_explain(chosen, parsed, reference, start, hints, emit),
                         seconds=timeout, memory_mib=memory_mib)
    kind, value = outcome.value or ("shown", parsed.text)
    if kind == "verdict":
        verdict = value
    else:
        reason = {limits.TIME: f"no decision within the time limit of {limit:g} s" if timeout else "",
                  limits.MEMORY: f"no decision within the memory limit of {memory_mib} MiB",
                  limits.ERROR: "the decision stopped",
                  limits.DONE: "the decision ended without an answer"}[outcome.status]
        detail = f" ({outcome.detail})" if outcome.detail else ""
        verdict = Verdict(chosen.name, parsed.text, UNDECIDED, f"{reason}{detail}; this is not a pass", 0.0,
                          parsed=value)
    verdict.seconds = time.perf_counter() - start
    return verdict


# ---------------------------------------------------------------------------------------------
# check()

@dataclass
class Verdict:
    """The answer to "is FORMULA the catalog's TARGET?"."""

    target: str
    formula: str
    status: str
    method: str
    seconds: float
    point: dict[str, float] | None = None
    target_value: float | None = None
    formula_value: float | None = None
    difference: str | None = None
    hints: list[str] = field(default_factory=list)
    parsed: str = ""
    defect: str | None = None          # differs because the formula is not real/defined at ``point``
    notes: list[str] = field(default_factory=list)      # how the formula was read, beyond its symbols
    checked: list[dict] = field(default_factory=list)   # each side decided: side, target, status

    @property
    def ok(self) -> bool:
        return self.status == HOLDS

    def as_json(self) -> dict:
        return {"target": self.target, "formula": self.formula, "parsed": self.parsed, "status": self.status,
                "ok": self.ok, "method": self.method, "seconds": round(self.seconds, 3),
                "counterexample": None if self.point is None else {k: _finite(v) for k, v in self.point.items()},
                "target_value": _finite(self.target_value), "formula_value": _finite(self.formula_value),
                "defect": self.defect, "difference": self.difference, "hints": self.hints,
                "notes": self.notes, "checked": self.checked}

    def report(self) -> str:
        statement = BY_NAME[self.target].statement
        lines = [f"{self.status}: {self.target}  ({statement})", f"  your formula: {self.parsed}"]
        lines += [f"  read: {n}" for n in self.notes]
        if len(self.checked) > 1 or (self.checked and self.checked[0]["side"] != "the formula"):
            lines += [f"  checked {c['side']} against {c['target']}: {c['status']}" for c in self.checked]
        if self.status == HOLDS:
            lines.append(f"  proved by {self.method} ({self.seconds:.2f} s)")
        elif self.status == DIFFERS:
            where = ", ".join(f"{k} = {v:.6g}" for k, v in (self.point or {}).items())
            if self.defect:
                shown = "not defined" if self.defect.startswith("not defined") else "not real"
            else:
                shown = f"{self.formula_value:.12g}"
            lines += [f"  {self.method}:", f"    at {where}",
                      f"    {self.target} = {self.target_value:.12g}, your formula = {shown}"]
            if self.difference:
                lines.append(f"  difference (formula - target) = {self.difference}")
        else:
            lines.append(f"  {self.method} ({self.seconds:.2f} s)")
            if self.difference:
                lines.append(f"  remainder after reduction: {self.difference}")
        lines += [f"  hint: {h}" for h in self.hints]
        return "\n".join(lines)


def _names_of(side: symbolic_formula.Side) -> list[str]:
    """The targets a side names (by its left-side key), in catalog order."""
    return [t.name for t in TARGETS if t.accepts(side.keys)]


def _validate_lhs(chosen: Part, key) -> None:
    """Refuse a left side that names another quantity than ``chosen`` (or nothing known)."""
    if key is None or chosen.accepts(key):
        return
    keys = {key} if isinstance(key, str) else set(key)
    shown = sorted(keys, key=len)[-1]
    others = [t.name for t in TARGETS if t is not chosen and t.accepts(keys)]
    if others:
        raise symbolic_formula.FormulaError(f"the left side {shown!r} names {others[0]}, not {chosen.name}; check it with "
                             f"`check {others[0]} ...`, or give only the right side")
    accepted = ", ".join(sorted(chosen.lhs_keys()))
    raise symbolic_formula.FormulaError(f"the left side {shown!r} does not name {chosen.name}; accepted left sides: "
                         f"{accepted} (or give only the right side)")


@dataclass(frozen=True)
class Statement:
    """One side of the user's formula to decide against one target."""

    target: Part
    formula: symbolic_formula.Formula
    label: str                  # which side, in words, for the report


def _stand_ins(expr: sp.Expr, reference: sp.Expr) -> tuple[sp.Expr, list[str], dict]:
    """Symbols read as the quantity they stand for when the target does not use them: the model's
    output eps_theta as the noise eps it predicts, x as the data x_0."""
    notes, replacement = [], {}
    used = expr.free_symbols
    for entry in symbolic_formula.VOCABULARY:
        if entry.stands_for is None or entry.symbol not in used:
            continue
        other = symbolic_formula.BY_NAME[entry.stands_for]
        own = symbolic_formula.to_proof_symbols(entry.symbol).free_symbols
        if own & reference.free_symbols or other.symbol in used:
            continue
        if symbolic_formula.to_proof_symbols(other.symbol).free_symbols & reference.free_symbols or entry.stands_for == "eps":
            replacement[entry.symbol] = other.symbol
            notes.append(f"{entry.name} read as {other.name}: {chosen_reason(entry.name)}")
    return (expr.xreplace(replacement) if replacement else expr), notes, replacement


def chosen_reason(name: str) -> str:
    return {"eps_theta": "the model's output stands for the noise it predicts, and this target is written "
                         "with the noise",
            "x": "the data, written without its index",
            "x0_hat": "the model's prediction stands for the data it predicts"}.get(name, "")


def _statements(chosen: Part, parsed: symbolic_formula.Formula) -> tuple[list[Statement], list[str]]:
    """The sides of ``parsed`` to decide, each against its target; names of the target are skipped."""
    notes: list[str] = []
    if not parsed.relations:
        sides = [(parsed.sides[0] if parsed.sides else symbolic_formula.Side(parsed.text, "", parsed.expr), "the formula")]
    else:
        sides = [(side, f"side {i + 1} ({side.text})") for i, side in enumerate(parsed.sides)]
    out: list[Statement] = []
    named = False
    for index, (side, label) in enumerate(sides):
        if chosen.accepts(side.keys) and (parsed.relations or isinstance(side.expr, sp.Symbol)):
            named = True
            continue
        if parsed.relations and index == 0 and len(sides) > 1 and _is_label(side):
            # 'sigma_t^2 = ...', 'KLD = ...', 'mu_t = ...': the name being defined, not a statement
            notes.append(f"side 1 ({side.text}) read as the name being defined; not checked")
            continue
        if parsed.relations and side.expr is None and side.normal is None:
            if side.error and not side.error.startswith("unknown"):
                raise symbolic_formula.FormulaError(side.error)      # not a name at all: say what could not be read
            _validate_lhs(chosen, side.keys)
        if side.error:
            raise symbolic_formula.FormulaError(side.error)
        if side.normal is not None:
            if chosen.pair is None:
                raise symbolic_formula.FormulaError(f"{side.text!r} is a normal distribution; {chosen.name} is not the mean or "
                                     "variance of one (targets that are: " + ", ".join(
                                         t.name for t in TARGETS if t.pair) + ")")
            _, mean, variance = side.normal
            for part, expr in zip(chosen.pair, (mean, variance)):
                which = "mean" if part == chosen.pair[0] else "variance"
                out.append(Statement(BY_NAME[part], symbolic_formula.Formula(sp.sstr(expr), parsed.latex, expr, written=side.written),
                                     f"the {which} of N(...) (side {parsed.sides.index(side) + 1})"))
            continue
        others = [n for n in _names_of(side) if n != chosen.name] if parsed.relations else []
        if others and not chosen.accepts(side.keys) and isinstance(side.expr, sp.Symbol):
            _validate_lhs(chosen, side.keys)
        if side.per_coordinate and not chosen.additive:
            raise symbolic_formula.FormulaError(f"{side.text!r} sums over the coordinates (Σ_j, ‖v‖², sum()); {chosen.name} is a "
                                 "value per coordinate, not a sum: give it without the sum or norm")
        out.append(Statement(chosen, symbolic_formula.Formula(side.text, parsed.latex, side.expr, written=side.written), label))
    if not out:
        what = "names" if named else "gives"
        raise symbolic_formula.FormulaError(f"the formula only {what} {chosen.name}; give its expression "
                             f"(e.g. {chosen.statement})")
    return out, notes


def _is_label(side: symbolic_formula.Side) -> bool:
    """A first side that only names what is being defined: one name alone that the reader does
    not know and that names no catalog quantity (KLD, model_mean, mu_t in code or in a blog).  A
    symbol of the table (sigma_t^2, mu) is never a label: it means something, and is checked."""
    return side.single_name and side.expr is None and not _names_of(side)


def parse_formula(formula, *, latex: bool | None = None) -> symbolic_formula.Formula:
    if isinstance(formula, str):
        return symbolic_formula.parse(formula, latex=latex)
    if isinstance(formula, sp.Basic):
        return symbolic_formula.from_sympy(formula)
    raise TypeError(f"`formula` must be a str (plain or LaTeX) or a SymPy expression, "
                    f"got {_shown(formula)}; pass e.g. '(1 - alpha_bar_prev)/(1 - alpha_bar_t)*beta_t'")


# -- the arguments of check() (pure Python: the command stays torch-free) -----------------------------

#: The longest ``timeout`` check() accepts, in seconds (the command line's ``--timeout`` range).
MAX_TIMEOUT = 3600.0
#: The ``memory_mib`` range check() accepts (the command line's ``--memory`` range).
MEMORY_MIB_RANGE = (64, 1 << 20)


def _shown(value: object, limit: int = 60) -> str:
    text = repr(value)
    return f"{type(value).__name__} {text if len(text) <= limit else text[:limit - 3] + '...'}"


def chosen_target(argument: str, name: object) -> Part:
    """The catalog target ``name`` passed as ``argument``: a TypeError or ValueError naming the argument."""
    if not isinstance(name, str):
        raise TypeError(f"`{argument}` must be a catalog name (a str such as 'posterior_mean'), got {_shown(name)}; "
                        "`python -m crosscheck check --list` lists them")
    try:
        return target(name)
    except ValueError as err:
        raise ValueError(f"`{argument}` names an {err}") from None


def check_timeout(timeout: object) -> float | None:
    """None (no limit) or a number of seconds in (0, MAX_TIMEOUT]."""
    if timeout is None:
        return None
    if isinstance(timeout, bool) or not isinstance(timeout, numbers.Real):
        raise TypeError(f"`timeout` must be a number of seconds or None, got {_shown(timeout)}; pass e.g. timeout=30")
    try:
        seconds = float(timeout)
    except OverflowError:                           # an int beyond any float
        seconds = math.inf
    if not 0 < seconds <= MAX_TIMEOUT:              # also nan
        raise ValueError(f"`timeout` must be in (0, {MAX_TIMEOUT:g}] seconds, got {timeout!r}; pass e.g. "
                         "timeout=30, or None for no limit")
    return seconds


def _check_flag(name: str, value: object, none: bool = False) -> None:
    if not (isinstance(value, bool) or (none and value is None)):
        allowed = "True, False or None" if none else "True or False"
        raise TypeError(f"`{name}` must be {allowed}, got {_shown(value)}")


def check_memory_mib(memory_mib: object) -> int | None:
    """None (no limit) or a whole number of MiB in MEMORY_MIB_RANGE."""
    if memory_mib is None:
        return None
    low, high = MEMORY_MIB_RANGE
    if isinstance(memory_mib, bool) or not isinstance(memory_mib, numbers.Integral):
        raise TypeError(f"`memory_mib` must be an int number of MiB or None, got {_shown(memory_mib)}")
    if not low <= memory_mib <= high:
        raise ValueError(f"`memory_mib` must be in [{low}, {high}] MiB, got {memory_mib}; pass e.g. "
                         f"memory_mib={limits.MEMORY_MIB}, or None for no limit")
    return int(memory_mib)


def _formula_error(err: Exception, what: str) -> symbolic_formula.FormulaError:
    """The reader's refusal, naming the argument it is about."""
    return symbolic_formula.FormulaError(f"`formula` {what}: {err}")


def check(target_name: str, formula, *, latex: bool | None = None,
          timeout: float | None = DEFAULT_TIMEOUT, hints: bool = True,
          memory_mib: int | None = limits.MEMORY_MIB) -> Verdict:
    """Decide whether ``formula`` equals the catalog quantity ``target_name`` on the domain.

    ``formula`` may be an expression, an equation ``name = expression`` or a chain
    ``a = b = c``: every side that is not a name of the target is decided, and the verdict holds
    only when every one does.  Raises ValueError/TypeError for bad input (unknown target or
    symbol, unreadable formula, a left side naming another quantity); returns a
    :class:`Verdict` otherwise.
    """
    start = time.perf_counter()
    chosen = chosen_target("target_name", target_name)
    _check_flag("latex", latex, none=True)
    _check_flag("hints", hints)
    timeout = check_timeout(timeout)
    memory_mib = check_memory_mib(memory_mib)
    try:
        parsed = parse_formula(formula, latex=latex)
    except symbolic_formula.FormulaError as err:
        raise _formula_error(err, "cannot be read") from None
    try:
        statements, notes = _statements(chosen, parsed)
    except symbolic_formula.FormulaError as err:
        raise _formula_error(err, f"cannot be checked against {chosen.name}") from None
    notes = list(parsed.notes) + notes
    verdicts: list[Verdict] = []
    for statement in statements:
        reference = statement.target.expression()
        expr, stand_in_notes, replacement = _stand_ins(statement.formula.expr, reference)
        notes += [n for n in stand_in_notes if n not in notes]
        written = statement.formula.written
        single = symbolic_formula.Formula(parsed.text, parsed.latex, expr,
                           written=None if written is None else written.xreplace(replacement))
        remaining = None if timeout is None else max(timeout - (time.perf_counter() - start), 0.01)
        try:
            verdict = _check_expression(statement.target, single, timeout=remaining, hints=hints, start=start,
                                        memory_mib=memory_mib)
        except symbolic_formula.FormulaError as err:
            raise _formula_error(err, f"cannot be checked against {statement.target.name}") from None
        verdict.checked = [{"side": statement.label, "target": statement.target.name, "status": verdict.status}]
        verdicts.append(verdict)
        if verdict.status != HOLDS:
            break
    verdict = next((v for v in verdicts if v.status != HOLDS), verdicts[-1])
    verdict.target = chosen.name
    verdict.checked = [c for v in verdicts for c in v.checked]
    verdict.notes = notes
    if len(statements) > 1 or parsed.relations:
        # order="none": printing never sorts terms by evaluating them (exp(-exp(exp(24))) would hang)
        verdict.parsed = "; ".join(f"{s.label.split(' (')[0]}: {sp.sstr(s.formula.expr, order='none')}"
                                   for s in statements[:len(verdicts)])
    verdict.seconds = time.perf_counter() - start
    return verdict


def _check_expression(chosen: Part, parsed: symbolic_formula.Formula, *, timeout: float | None, hints: bool,
                      start: float, memory_mib: int | None = limits.MEMORY_MIB) -> Verdict:
    """The verdict on one expression (``parsed.expr``, in the user's symbols) against ``chosen``."""
    used = set(parsed.names) & set(chosen.forbid)
    if used:
        raise symbolic_formula.FormulaError(f"{chosen.name} expresses {', '.join(sorted(used))} through the other symbols "
                             f"({chosen.statement}); your formula uses {', '.join(sorted(used))}")
    reference = chosen.expression()
    return _limited_verdict(chosen, parsed, reference, timeout=timeout, memory_mib=memory_mib, hints=hints,
                            start=start)


# -- the command ----------------------------------------------------------------------------------

_FLAGS = {"--latex", "--plain", "--json", "--no-hints", "--list", "-h", "--help"}


def parser() -> Parser:
    """The ``check`` command's options."""
    p = Parser(prog="python -m crosscheck check",
               usage="python -m crosscheck check TARGET FORMULA [--latex|--plain] [--timeout S]\n"
                     "                                  [--memory MiB] [--json] [--no-hints]\n"
                     "       python -m crosscheck check --list",
               description="Is FORMULA the catalog's TARGET?  holds (exit 0) only by exact symbolic "
                           "reduction; differs (exit 1) with a counterexample; undecided (exit 1).  "
                           "FORMULA is plain SymPy syntax (alpha_bar_t, beta_t, sqrt, ^) or LaTeX "
                           "(\\bar\\alpha_t, \\frac, \\sqrt); an equation 'lhs = rhs' checks the right side.")
    p.add_argument("target", nargs="?", help="catalog name, e.g. posterior_mean (see --list)")
    p.add_argument("formula", nargs="*", help="the formula (quote it; words are joined by spaces)")
    syntax = p.add_mutually_exclusive_group()
    syntax.add_argument("--latex", action="store_true", help="read FORMULA as LaTeX (default: a backslash or "
                        "brace means LaTeX)")
    syntax.add_argument("--plain", action="store_true", help="read FORMULA as plain syntax")
    p.add_argument("--timeout", type=float, default=30.0, metavar="S",
                   help="seconds before the verdict is undecided (30); a wall-clock limit on the whole check")
    p.add_argument("--memory", type=int, default=None, metavar="MiB",
                   help="memory the decision may allocate before the verdict is undecided (2048)")
    p.add_argument("--json", action="store_true", help="print the verdict as JSON")
    p.add_argument("--no-hints", action="store_true", help="skip the search for a one-slip repair")
    p.add_argument("--list", action="store_true", help="list the targets and the symbols a formula may use")
    return p


def _split_argv(argv: list[str]) -> list[str]:
    """Options first, then '--' and the positionals, so a formula may start with '-' (-eps/...)."""
    options, positional, i = [], [], 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            positional += argv[i + 1:]
            break
        if arg in ("-h", "--help") and positional:
            # after TARGET, '--help' is an answer to check (an autograder passes the student's text
            # here): read as a formula and refused, never a help page with exit 0
            positional.append(arg)
        elif arg in _FLAGS:
            options.append(arg)
        elif arg in ("--timeout", "--memory") or arg.startswith(("--timeout=", "--memory=")):
            options.append(arg)
            if arg in ("--timeout", "--memory") and i + 1 < len(argv):
                options.append(argv[i + 1])
                i += 1
        else:
            positional.append(arg)
        i += 1
    return options + ["--"] + positional


def _list_targets() -> int:
    print("targets:")
    width = max(len(t.name) for t in TARGETS)
    for t in TARGETS:
        print(f"  {t.name:<{width}}  {t.statement}")
    print("symbols (plain name, LaTeX, meaning):")
    for n in symbolic_formula.VOCABULARY:
        spellings = ", ".join(n.latex) if n.latex else "-"
        aliases = f" (also {', '.join(n.aliases)})" if n.aliases else ""
        print(f"  {n.name:<15} {spellings:<28} {n.meaning}{aliases}")
    print("functions: " + ", ".join(f"{k} ({v[2]})" for k, v in symbolic_formula.FUNCTIONS.items()))
    print("relations: alpha_t = 1 - beta_t, alpha_bar_t = alpha_t alpha_bar_{t-1}, "
          "x_t = sqrt(alpha_bar_t) x_0 + sqrt(1 - alpha_bar_t) eps")
    print("domain: 0 < alpha_t < 1, 0 < alpha_bar_{t-1} <= 1, variances > 0")
    return 0


def main(argv: list[str]) -> int:
    """``python -m crosscheck check``."""
    args = parser().parse_args(_split_argv(argv))
    if args.list:
        return _list_targets()
    if args.target is None or not args.formula:
        raise UsageError("check needs TARGET and FORMULA, e.g. check posterior_variance "
                         "'(1 - alpha_bar_prev)/(1 - alpha_bar_t)*beta_t'; see check --list")
    if not (0 < args.timeout <= 3600):
        raise UsageError(f"--timeout must be in (0, 3600] seconds, got {args.timeout:g}")
    if args.memory is not None and not 64 <= args.memory <= 1 << 20:
        raise UsageError(f"--memory must be in [64, 1048576] MiB, got {args.memory}")
    latex = True if args.latex else (False if args.plain else None)
    try:
        verdict = check(args.target, " ".join(args.formula), latex=latex, timeout=args.timeout,
                        hints=not args.no_hints, memory_mib=args.memory or MEMORY_MIB)
    except (ValueError, TypeError) as err:
        # the API names its arguments; the command line's are TARGET and FORMULA
        message = str(err).replace("`target_name`", "TARGET").replace("`formula`", "FORMULA")
        raise UsageError(message.replace("\n", " ")) from None
    print(json_text(verdict.as_json(), indent=2) if args.json else verdict.report())
    return 0 if verdict.ok else 1
