r"""The domain of the derivation, and proofs that an expression is real and defined on all of it.

The domain (DESIGN.md, "Conventions"): :math:`0 < \alpha_t < 1`, :math:`0 < \bar\alpha_{t-1} \le 1`
(:math:`< 1` when only t >= 2 matters), :math:`0 < \bar\alpha_T < 1`, variances and standard
deviations > 0, data, noise and means any real number.

A formula is only equal to a catalog quantity if it is real and defined at every point of that
domain.  :func:`definedness` collects what that takes (every log argument > 0, every
non-integer power's base >= 0, > 0 under a negative exponent, every denominator != 0, no
imaginary unit and no 1/0) and

* **proves** each condition with the sign prover :func:`sign`, exactly;
* or **refutes** one at an exact rational point of the domain (the point and the reason:
  "log of a negative number");
* or leaves it **undecided**.

The sign prover is sound and incomplete.  The schedule is written through positive parameters,
:math:`\alpha_t = 1/(1+a)^2`, :math:`\bar\alpha_{t-1} = 1/(1+b)^2`, :math:`\bar\alpha_T = 1/(1+c)^2`
with a, c > 0 and b > 0 (b >= 0 where :math:`\bar\alpha_{t-1} = 1`, t = 1, is in the domain), a
bijection onto the domain that makes the square roots of the schedule rational.  Then signs
propagate through products, powers, exp and log, sums of terms of one sign, and, for a sum of
mixed terms, through ``together``: a polynomial whose monomials are each >= 0 (a positive
coefficient times positive symbols and even powers of real ones), one of them > 0, is > 0.
Every sign is a claim about the points where the expression is defined.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Mapping

import sympy as sp

from . import symbols

PROVED, REFUTED, UNDECIDED = "proved", "refuted", "undecided"

# Signs are sets of the possible values of sign(expr) where expr is defined: a subset of
# {-1, 0, 1}; None when the expression may not be real.
Sign = frozenset
POSITIVE, NONNEGATIVE, NEGATIVE = Sign({1}), Sign({0, 1}), Sign({-1})
NONPOSITIVE, ZERO, REAL = Sign({-1, 0}), Sign({0}), Sign({-1, 0, 1})

_a = sp.Symbol("a_dom", positive=True)            # alpha_t = 1/(1 + a)^2
_b_open = sp.Symbol("b_dom", positive=True)       # alpha_bar_{t-1} in (0, 1)
_b_closed = sp.Symbol("b_dom", nonnegative=True)  # alpha_bar_{t-1} in (0, 1]
_c = sp.Symbol("c_dom", positive=True)            # alpha_bar_T = 1/(1 + c)^2


@dataclass(frozen=True)
class Domain:
    """The domain of one target: ``t_min = 1`` includes t = 1 (alpha_bar_{t-1} = 1), 2 does not."""

    t_min: int = 1

    @property
    def includes_t1(self) -> bool:
        return self.t_min <= 1

    def parametrised(self, expr: sp.Expr) -> sp.Expr:
        """``expr`` with the schedule written through the positive parameters (exact, a bijection)."""
        b = _b_closed if self.includes_t1 else _b_open
        return expr.xreplace({symbols.alpha_t: (1 + _a) ** -2, symbols.alpha_bar_prev: (1 + b) ** -2,
                              symbols.alpha_bar_T: (1 + _c) ** -2})


# ---------------------------------------------------------------------------------------------
# The sign prover.

def _times(x: Sign | None, y: Sign | None) -> Sign | None:
    if x is None or y is None:
        return None
    return Sign(a * b for a in x for b in y)


def _plus(x: Sign | None, y: Sign | None) -> Sign | None:
    if x is None or y is None:
        return None
    out: set[int] = set()
    for a in x:
        for b in y:
            out |= {b} if a == 0 else {a} if b == 0 or a == b else {-1, 0, 1}
    return Sign(out)


def _meet(x: Sign | None, y: Sign | None) -> Sign | None:
    """Both are sound over-approximations: their intersection is too."""
    if x is None:
        return y
    if y is None:
        return x
    return x & y or x


def _power(base: Sign | None, exponent: sp.Expr) -> Sign | None:
    if base is None:
        return None
    if exponent.is_integer:
        if exponent.is_Integer:
            n = int(exponent)
            values = {int(b ** n) for b in base if n >= 0 or b != 0}
            return Sign(values) if values else None
        if exponent.is_nonnegative and base <= NONNEGATIVE:
            return base
        return None
    if exponent.is_real and base <= NONNEGATIVE:    # principal power of a base >= 0
        return base - {0} if exponent.is_negative else base
    return None


def _symbol_sign(symbol: sp.Symbol) -> Sign | None:
    if symbol.is_positive:
        return POSITIVE
    if symbol.is_nonnegative:
        return NONNEGATIVE
    if symbol.is_negative:
        return NEGATIVE
    if symbol.is_nonpositive:
        return NONPOSITIVE
    if symbol.is_real:
        return REAL
    return None


def _monomial_sign(term: sp.Expr) -> Sign | None:
    out: Sign | None = POSITIVE
    for factor in sp.Mul.make_args(term):
        base, exponent = factor.as_base_exp()
        if exponent.is_Integer:
            out = _times(out, _power(_sign(base), exponent))
        else:
            out = _times(out, _sign(factor))
    return out


def _polynomial_sign(expr: sp.Expr) -> Sign | None:
    """Sign of a sum from its expanded monomials (each a product of signed atoms)."""
    expanded = sp.expand(expr)
    if not isinstance(expanded, sp.Add):
        return _sign(expanded) if expanded != expr else None
    if len(expanded.args) > 400:
        return None
    out: Sign | None = ZERO
    for term in expanded.args:
        out = _plus(out, _monomial_sign(term))
        if out is None or out == REAL:
            return out
    return out


def _add_sign(expr: sp.Add) -> Sign | None:
    structural: Sign | None = ZERO
    for term in expr.args:
        structural = _plus(structural, _sign(term))
    if structural is not None and not {-1, 1} <= structural:
        return structural
    numerator, denominator = sp.fraction(sp.together(expr))
    if numerator == expr:
        denominator = sp.S.One
    if denominator != 1:
        rational = _times(_nonzero_part(_sign(numerator)), _nonzero_part(_sign(denominator), strict=True))
        return _meet(structural, rational)
    out = _meet(structural, _polynomial_sign(numerator))
    if out is not None and {-1, 1} <= out and len(sp.Add.make_args(numerator)) <= 40:
        factored = sp.factor(numerator)
        if factored != numerator and not isinstance(factored, sp.Add):
            out = _meet(out, _sign(factored))
    return out


def _nonzero_part(sign: Sign | None, strict: bool = False) -> Sign | None:
    """A denominator is never 0 where the expression is defined."""
    if sign is None:
        return None
    return sign - {0} if strict else sign


@lru_cache(maxsize=4096)
def _sign(expr: sp.Expr) -> Sign | None:
    if expr.is_number:
        if expr.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
            return None
        if expr.is_zero:
            return ZERO
        if expr.is_positive:
            return POSITIVE
        if expr.is_negative:
            return NEGATIVE
        if expr.is_extended_real:
            return REAL
        return None
    if isinstance(expr, sp.Symbol):
        return _symbol_sign(expr)
    if isinstance(expr, sp.Mul):
        out: Sign | None = POSITIVE
        for factor in expr.args:
            out = _times(out, _sign(factor))
        return out
    if isinstance(expr, sp.Add):
        return _add_sign(expr)
    if isinstance(expr, sp.Pow):
        return _power(_sign(expr.base), expr.exp)
    if isinstance(expr, sp.exp):
        return POSITIVE if _sign(expr.args[0]) is not None else None
    if isinstance(expr, sp.Abs):
        inner = _sign(expr.args[0])
        return POSITIVE if inner is not None and 0 not in inner else NONNEGATIVE
    if isinstance(expr, sp.log):
        argument = expr.args[0]
        if not (_sign(argument) or REAL) <= NONNEGATIVE:    # > 0 wherever the log is defined
            return None
        return _sign(argument - 1) or REAL
    return None


def sign(expr: sp.Expr, domain: Domain = Domain()) -> Sign | None:
    """The possible signs of ``expr`` on the domain (where it is defined), or None if it may not be real."""
    return _sign(domain.parametrised(sp.sympify(expr)))


def is_positive(expr: sp.Expr, domain: Domain = Domain()) -> bool:
    s = sign(expr, domain)
    return s is not None and s <= POSITIVE


def is_nonnegative(expr: sp.Expr, domain: Domain = Domain()) -> bool:
    s = sign(expr, domain)
    return s is not None and s <= NONNEGATIVE


def is_nonpositive(expr: sp.Expr, domain: Domain = Domain()) -> bool:
    s = sign(expr, domain)
    return s is not None and s <= NONPOSITIVE


def is_nonzero(expr: sp.Expr, domain: Domain = Domain()) -> bool:
    s = sign(expr, domain)
    return s is not None and 0 not in s


# ---------------------------------------------------------------------------------------------
# What it takes for an expression to be real and defined.

@dataclass(frozen=True)
class Condition:
    """One requirement: ``argument`` is positive / nonnegative / nonzero, or ``node`` is impossible."""

    kind: str            # "positive", "nonnegative", "nonzero", "never" (1/0, nan, I), "unknown"
    argument: sp.Expr
    node: sp.Expr        # the subexpression that needs it (for messages)

    def text(self) -> str:
        what = {"positive": "> 0", "nonnegative": ">= 0", "nonzero": "!= 0"}.get(self.kind)
        if what:
            return f"{sp.sstr(self.argument)} {what} (in {sp.sstr(self.node)})"
        if self.kind == "never":
            return f"{sp.sstr(self.node)} is not a real number"
        return f"{sp.sstr(self.node)} is outside what the domain prover knows"


_NONFINITE = (sp.zoo, sp.nan, sp.oo, -sp.oo)


def _postorder(expr: sp.Basic):
    for arg in expr.args:
        yield from _postorder(arg)
    yield expr


def conditions(expr: sp.Expr) -> list[Condition]:
    """Every condition for ``expr`` to be real and defined, innermost first (no duplicates)."""
    out: list[Condition] = []
    for node in _postorder(sp.sympify(expr)):
        found = _node_conditions(node)
        out += [c for c in found if c not in out]
    return out


def _node_conditions(node: sp.Basic) -> list[Condition]:
    if node in _NONFINITE or node is sp.I or isinstance(node, sp.AccumBounds):
        return [Condition("never", node, node)]
    if isinstance(node, sp.log):
        return [Condition("positive", node.args[0], node)]
    if isinstance(node, sp.Pow):
        base, exponent = node.args
        if exponent.is_integer:
            return [] if exponent.is_nonnegative else [Condition("nonzero", base, node)]
        if exponent.is_Rational:
            return [Condition("nonnegative" if exponent.is_positive else "positive", base, node)]
        return [Condition("positive", base, node)]
    if isinstance(node, (sp.Symbol, sp.Number, sp.NumberSymbol, sp.Add, sp.Mul, sp.exp, sp.Abs, sp.Tuple)):
        return []
    if node.is_number and node.is_extended_real and node.is_finite:
        return []
    return [Condition("unknown", node, node)]


def _proved(condition: Condition, domain: Domain) -> bool:
    if condition.kind == "positive":
        return is_positive(condition.argument, domain)
    if condition.kind == "nonnegative":
        return is_nonnegative(condition.argument, domain)
    if condition.kind == "nonzero":
        return is_nonzero(condition.argument, domain)
    return False


# ---------------------------------------------------------------------------------------------
# Exact evaluation at a point: does a condition fail there?

def _numeric_sign(value: sp.Expr) -> int | str | None:
    """-1, 0 or 1 for a real number, "complex" for a non-real one, None if it cannot be told."""
    if value == 0:
        return 0
    if value.has(*_NONFINITE):
        return "undefined"
    results = []
    for digits in (30, 60):
        try:
            number = sp.N(value, digits)
            re, im = number.as_real_imag()
            re, im = sp.Float(re, digits), sp.Float(im, digits)
        except (TypeError, ValueError, ArithmeticError):
            return None
        scale = sp.Float(10) ** (-digits // 2)
        if abs(im) > scale:
            results.append("complex")
        elif abs(re) > scale:
            results.append(1 if re > 0 else -1)
        else:
            results.append(None)
    return results[0] if results[0] == results[1] else None


def _reason(condition: Condition, value_sign) -> str | None:
    """Why ``condition`` fails when its argument has ``value_sign``; None if it holds."""
    node = condition.node
    if condition.kind == "never":
        return ("division by zero (complex infinity)" if node is sp.zoo else
                "an infinite value" if node in (sp.oo, -sp.oo) else
                "an undefined value (0/0)" if node is sp.nan else "the imaginary unit I (not a real number)")
    if value_sign == "undefined":
        return None          # an inner condition fails first
    if condition.kind == "nonzero":
        return "division by zero" if value_sign == 0 else None
    if isinstance(node, sp.log):
        return {0: "log of zero", -1: "log of a negative number", "complex": "log of a complex number"}.get(
            value_sign)
    root = ("square root" if isinstance(node, sp.Pow) and node.exp.is_Rational and node.exp.q == 2
            else "non-integer power")
    if value_sign == 0 and condition.kind == "positive":
        return "division by zero"
    if value_sign == -1:
        return f"{root} of a negative number"
    if value_sign == "complex":
        return f"{root} of a complex number"
    return None


@dataclass(frozen=True)
class Defect:
    """Where and why an expression is not real/defined: the point is exact (Rationals)."""

    point: Mapping[sp.Symbol, sp.Rational]
    reason: str
    node: sp.Expr

    @property
    def undefined(self) -> bool:
        return self.reason.startswith(("division by zero", "log of zero", "an undefined", "an infinite"))

    def text(self) -> str:
        kind = "not defined" if self.undefined else "not real"
        return f"{kind}: {self.reason}, in {sp.sstr(self.node)}"


def defect_at(expr: sp.Expr, point: Mapping[sp.Symbol, sp.Expr],
              found: list[Condition] | None = None) -> Defect | None:
    """The first condition of ``expr`` that fails at ``point`` (exact rationals), or None."""
    point = {s: sp.Rational(v) if not isinstance(v, sp.Basic) else v for s, v in point.items()}
    for condition in (found if found is not None else conditions(expr)):
        if condition.kind == "never":
            if condition.node is sp.I:
                value = sp.sympify(expr).xreplace(point)
                if _numeric_sign(value) != "complex":
                    continue
            return Defect(point, _reason(condition, None), condition.node)
        if condition.kind == "unknown":
            continue
        value = condition.argument.xreplace(point)
        reason = _reason(condition, _numeric_sign(value))
        if reason:
            return Defect(point, reason, condition.node)
    return None


# ---------------------------------------------------------------------------------------------
# Points of the domain (exact), for refutations.

_SPECIAL_DATA = (0, 1, -1, 2, -2, sp.Rational(1, 2), -sp.Rational(1, 2), 3, -3)


def _value(symbol: sp.Symbol, rng: random.Random, domain: Domain, special: bool) -> sp.Rational:
    if symbol is symbols.alpha_bar_prev:
        if special and domain.includes_t1 and rng.random() < 0.5:
            return sp.Integer(1)
        return sp.Rational(rng.randint(1, 999), 1000)
    if symbol in (symbols.alpha_t, symbols.alpha_bar_T):
        return sp.Rational(rng.randint(1, 999), 1000)
    if symbol.is_integer:
        return sp.Integer(rng.randint(1, 6))
    if symbol.is_positive:
        return sp.Rational(rng.randint(1, 3000), 1000)
    if special:
        return sp.sympify(rng.choice(_SPECIAL_DATA))
    return sp.Rational(rng.randint(-3000, 3000), 1000)


def _roots_in_domain(condition: Condition, domain: Domain) -> list[tuple[sp.Symbol, sp.Rational]]:
    """Rational roots, and points between the real roots, of a one-variable condition."""
    free = condition.argument.free_symbols
    if len(free) != 1:
        return []
    (symbol,) = free
    numerator = sp.fraction(sp.together(condition.argument))[0]
    try:
        roots = sp.Poly(numerator, symbol).real_roots()
    except (sp.PolynomialError, sp.GeneratorsNeeded, NotImplementedError, ValueError, TypeError):
        return []
    values = sorted({sp.Rational(r) if r.is_Rational else sp.nsimplify(sp.N(r, 12), rational=True)
                     for r in roots[:12]})
    candidates = list(values) + [(x + y) / 2 for x, y in zip(values, values[1:])]
    candidates += [v - sp.Rational(1, 1000) for v in values] + [v + sp.Rational(1, 1000) for v in values]
    inside = []
    for v in candidates:
        if symbol in (symbols.alpha_t, symbols.alpha_bar_T) and not 0 < v < 1:
            continue
        if symbol is symbols.alpha_bar_prev and not (0 < v < 1 or (v == 1 and domain.includes_t1)):
            continue
        if (symbol.is_positive and not v > 0) or (symbol.is_integer and not v.is_integer):
            continue
        inside.append((symbol, v))
    return inside


def timesteps_in_order(point: dict) -> dict:
    """The point with t <= T (a timestep is one of 1..T): t and T swapped if drawn the other way."""
    t = next((s for s in point if s.name == "t" and s.is_integer), None)
    T = next((s for s in point if s.name == "T" and s.is_integer), None)
    if t is not None and T is not None and point[t] > point[T]:
        point[t], point[T] = point[T], point[t]
    return point


def points(free, domain: Domain, *, count: int = 32, seed: int = 0, extra=()) -> list[dict]:
    """Exact points of the domain for the symbols ``free``: random ones, special values (0, +-1,
    t = 1), and ``extra``."""
    rng = random.Random(seed)
    ordered = sorted(free, key=lambda s: s.name)
    out = [timesteps_in_order({s: _value(s, rng, domain, special=i % 2 == 1) for s in ordered})
           for i in range(count)]
    for symbol, value in extra:
        base = {s: _value(s, rng, domain, special=False) for s in ordered}
        base[symbol] = value
        t = next((s for s in base if s.name == "t" and s.is_integer), None)
        T = next((s for s in base if s.name == "T" and s.is_integer), None)
        if symbol in (t, T) and t is not None and T is not None and base[t] > base[T]:
            base[T if symbol is t else t] = base[symbol]      # keep the asked value, move the other
        out.append(timesteps_in_order(base))
    return out


# ---------------------------------------------------------------------------------------------
# The verdict on definedness.

@dataclass
class Definedness:
    """Is the expression real and defined on the whole domain?"""

    status: str                                   # proved | refuted | undecided
    defect: Defect | None = None                  # where it fails (refuted)
    unproved: list[Condition] = field(default_factory=list)   # what could not be proved (undecided)

    @property
    def ok(self) -> bool:
        return self.status == PROVED

    def text(self) -> str:
        if self.status == PROVED:
            return "real and defined on the whole domain (proved)"
        if self.status == REFUTED:
            return self.defect.text()
        return "not proved real and defined on the whole domain: cannot prove " + "; ".join(
            c.text() for c in self.unproved[:3])


def definedness(expr: sp.Expr, domain: Domain = Domain(), *, samples: int = 32, seed: int = 0,
                search: bool = True, extra: tuple[Condition, ...] = ()) -> Definedness:
    """Prove ``expr`` real and defined on the whole ``domain``, or refute it at a point, or neither.

    ``search=False``: only the proof (cheap); a condition it cannot prove leaves it undecided.
    ``extra``: conditions of the formula as it was written, before SymPy's evaluation dropped
    parts of it (``0*(1/(1 - alpha_bar_prev))`` is 0, ``x/x`` is 1): they must hold too.
    """
    expr = sp.sympify(expr)
    found = list(extra) + [c for c in conditions(expr) if c not in extra]
    unproved = [c for c in found if not _proved(c, domain)]
    if not unproved:
        return Definedness(PROVED)
    if not search:
        return Definedness(UNDECIDED, unproved=unproved)
    roots = [p for c in unproved if c.kind in ("positive", "nonnegative", "nonzero")
             for p in _roots_in_domain(c, domain)]
    free = expr.free_symbols.union(*(c.argument.free_symbols for c in found))
    for point in points(free, domain, count=samples, seed=seed, extra=roots):
        defect = defect_at(expr, point, found)
        if defect is not None:
            return Definedness(REFUTED, defect)
    return Definedness(UNDECIDED, unproved=unproved)
