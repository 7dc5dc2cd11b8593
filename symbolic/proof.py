"""Exact proofs: reduce ``lhs - rhs`` to zero, or find a counterexample, or say undecided.

A claim is **proved** only by an exact reduction of ``lhs - rhs`` to 0.  Evaluation at points
of the domain is used for one thing only: finding a counterexample (**refuted**).  When neither
happens the verdict is **undecided**, which is never a pass.

The reduction (DESIGN.md, "How proofs are done") is exact at every point of the domain where its
input is real and defined; whether the input is real and defined on the whole domain is for
:mod:`symbolic.domain` to prove (``check`` does, before a *holds*):

1. Radicals of the schedule go away by substituting ``alpha_t = s**2``,
   ``alpha_bar_prev = r**2``, ``alpha_bar_T = u**2`` with positive ``s, r, u``.
2. Every non-integer power ``B**e`` is canonicalised: B as a rational function, numerator and
   denominator factored, and the power split over the factors *proved* >= 0 on the domain
   (``(x y)**e = x**e y**e`` for x >= 0), so sqrt(1/(a b) - 1) = sqrt(1 - sqrt(ab)) sqrt(1 +
   sqrt(ab))/sqrt(ab) and sqrt(1 - a b) are written in the same radicals.
3. Every log whose argument A is proved >= 0 on the domain is split exactly: where it is
   defined A > 0, so log A = log|A| = sum of e log|f| over the factors f**e of A (numerator and
   denominator factored); |f| is f or -f where the sign of f is proved, else ``Abs(f)`` stays.
   A log of anything else stays whole.  No branch of the complex log is ever chosen, so no
   multiple of 2*pi*i can appear: a purely imaginary remainder is a remainder, not a zero.
4. Any square root left becomes a new positive symbol ``q`` and the numerator is reduced
   modulo ``q**2 - radicand``.
5. ``together`` + ``cancel`` + ``expand`` of the numerator: exact polynomial arithmetic.
"""

from __future__ import annotations

import enum
import random
import time
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable, Iterable, Mapping

import sympy as sp

from .domain import NONNEGATIVE, NONPOSITIVE, Domain, sign as proved_sign
from . import symbols


class Status(str, enum.Enum):
    PROVED = "proved"
    REFUTED = "refuted"
    UNDECIDED = "undecided"


@dataclass(frozen=True)
class Proof:
    """The verdict on one claim, with how it was reached and its sub-steps."""

    claim: str
    status: Status
    method: str
    seconds: float = 0.0
    counterexample: Mapping[str, float] | None = None
    residual: str | None = None
    steps: tuple["Proof", ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return self.status is Status.PROVED

    def failures(self) -> list["Proof"]:
        """The leaf steps that are not proved (the offending parts of a refuted claim)."""
        if self.ok:
            return []
        leaves = [f for step in self.steps for f in step.failures()]
        return leaves or [self]


# Positive square roots of the independent schedule symbols (step 2 above).
_s, _r, _u = sp.symbols("s r u", positive=True)
_SQUARE_ROOTS = {symbols.alpha_t: _s**2, symbols.alpha_bar_prev: _r**2, symbols.alpha_bar_T: _u**2}


def _remove_radicals(expr: sp.Expr) -> tuple[sp.Expr, list[tuple[sp.Symbol, sp.Expr]]]:
    """Replace each remaining sqrt(b) by a positive symbol q with the relation q**2 = b."""
    relations: list[tuple[sp.Symbol, sp.Expr]] = []
    while True:
        radicals = [
            p for p in expr.atoms(sp.Pow)
            if isinstance(p.exp, sp.Rational) and p.exp.q == 2 and not p.base.is_Number
        ]
        if not radicals:
            return expr, relations
        base = radicals[0].base
        q = sp.Dummy(f"q{len(relations)}", positive=True)
        relations.append((q, base))
        expr = expr.replace(
            lambda e: isinstance(e, sp.Pow) and e.base == base and isinstance(e.exp, sp.Rational)
            and e.exp.q == 2,
            lambda e: q ** e.exp.p,
        )


# The reduction works in s, r, u; the domain prover in the schedule symbols.
_ROOTS_BACK = {_s: sp.sqrt(symbols.alpha_t), _r: sp.sqrt(symbols.alpha_bar_prev), _u: sp.sqrt(symbols.alpha_bar_T)}
# Conservative: t = 1 (alpha_bar_prev = 1) included, so a factor proved >= 0 is >= 0 for every t.
_DOMAIN = Domain(t_min=1)


def _factor_sign(factor: sp.Expr) -> int:
    """1 if ``factor`` is proved >= 0 on the domain, -1 if proved <= 0, else 0."""
    known = proved_sign(factor.xreplace(_ROOTS_BACK), _DOMAIN)
    if known is not None and known <= NONNEGATIVE:
        return 1
    if known is not None and known <= NONPOSITIVE:
        return -1
    return 0


def _factors(expr: sp.Expr) -> tuple[sp.Expr, list[tuple[sp.Expr, sp.Expr]]]:
    """``expr`` = constant * prod f**e: numerator and denominator factored where they can be."""
    numerator, denominator = sp.fraction(sp.cancel(sp.together(expr)))
    constant, out = sp.S.One, []
    for part, sign in ((numerator, 1), (denominator, -1)):
        try:
            c, factors = sp.factor_list(part)
        except (sp.PolynomialError, sp.CoercionFailed):
            c, factors = sp.S.One, [(f, e) for f, e in (a.as_base_exp() for a in sp.Mul.make_args(part))]
        constant *= c ** sign
        out += [(f, sign * e) for f, e in factors]
    return constant, out


@lru_cache(maxsize=2048)
def _split_power(power: sp.Pow) -> sp.Expr:
    """B**e (e a non-integer rational) split over the factors of B proved >= 0 on the domain."""
    base, exponent = power.args
    if base.is_Symbol:
        return power
    constant, factors = _factors(base)
    split, rest = sp.S.One, constant
    for f, e in factors:
        sign = _factor_sign(f) if not f.is_number else 0
        if sign == 1:
            split *= f ** (e * exponent)
        elif sign == -1:
            split *= (-f) ** (e * exponent)
            rest *= (-1) ** e
        else:
            rest *= f ** e
    if split == 1:
        return power
    return split * rest ** exponent


def _canonical_powers(expr: sp.Expr) -> sp.Expr:
    return expr.replace(
        lambda e: isinstance(e, sp.Pow) and e.exp.is_Rational and not e.exp.is_Integer and not e.base.is_number,
        _split_power)


def _log_of_number(value: sp.Expr) -> sp.Expr:
    """log|value| for a number: a rational as a sum of logs of its small prime factors."""
    value = abs(value)
    if not value.is_Rational:
        return sp.log(value)
    total = sp.S.Zero
    for part, sign in ((int(value.p), 1), (int(value.q), -1)):
        for prime, e in sp.factorint(part, limit=10**5).items():
            total += sign * e * sp.log(sp.Integer(prime))
    return total


@lru_cache(maxsize=2048)
def _log_abs(factor: sp.Expr) -> sp.Expr:
    """log|factor|, exactly, as a sum over the factors of ``factor``."""
    if factor.is_Rational:
        return _log_of_number(factor)
    if isinstance(factor, sp.Pow) and factor.exp.is_real:
        return factor.exp * _log_abs(factor.base)       # |b**e| = |b|**e for real e
    if isinstance(factor, sp.Mul):
        return sp.Add(*[_log_abs(f) for f in factor.args])
    if isinstance(factor, sp.exp) and proved_sign(factor.args[0].xreplace(_ROOTS_BACK), _DOMAIN) is not None:
        return factor.args[0]                            # real exponent: |exp(x)| = exp(x)
    if isinstance(factor, sp.Add):
        constant, factors = _factors(factor)
        if len(factors) > 1 or (factors and factors[0][1] != 1) or constant != 1:
            return _log_abs(constant) + sp.Add(*[e * _log_abs(f) for f, e in factors])
    sign = _factor_sign(factor)
    return sp.log(factor if sign == 1 else -factor if sign == -1 else sp.Abs(factor))


def _expand_log(log: sp.log) -> sp.Expr:
    """log(A) as log|A| split over the factors of A, where A is proved >= 0 on the domain (then
    A > 0 wherever the log is defined, and log A = log|A| exactly); any other log stays whole."""
    argument = log.args[0]
    if argument.is_number or _factor_sign(argument) == 1:
        return _log_abs(argument)
    return log


def _expand_logs(expr: sp.Expr) -> sp.Expr:
    return expr.replace(lambda e: isinstance(e, sp.log), _expand_log)


def reduce_to_normal_form(expr: sp.Expr) -> sp.Expr:
    """An exact normal form of ``expr``: zero if and only if the reduction proved it zero.

    Exact at every point of the domain where ``expr`` is real and defined (the module docstring);
    an expression holding 1/0, nan or infinity is returned as it is (never 0).
    """
    expr = sp.sympify(expr)
    if expr.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        return expr
    expr = _canonical_powers(expr.xreplace(_SQUARE_ROOTS))
    expr = _canonical_powers(_expand_logs(expr))
    expr, relations = _remove_radicals(expr)
    numerator, denominator = sp.fraction(sp.cancel(sp.together(expr)))
    numerator = sp.expand(numerator)
    for q, radicand in relations:
        if numerator.has(q):
            numerator = sp.expand(sp.rem(numerator, q**2 - radicand, q))
    return sp.cancel(numerator / denominator)


# ---------------------------------------------------------------------------------------------
# Counterexample search (never a proof).

def _sample_value(sym: sp.Symbol, rng: random.Random) -> float:
    if sym in (symbols.alpha_t, symbols.alpha_bar_prev, symbols.alpha_bar_T):
        return rng.uniform(0.02, 0.98)
    if sym.is_integer:
        return rng.randint(1, 5)
    if sym.is_positive:
        return 10 ** rng.uniform(-1.5, 1.5)
    return rng.uniform(-3.0, 3.0)


def find_counterexample(
    difference: sp.Expr,
    *,
    samples: int = 24,
    seed: int = 0,
    domain: Mapping[sp.Symbol, Callable[[random.Random], float]] | None = None,
) -> dict[str, float] | None:
    """A point of the domain where ``difference`` is clearly non-zero (50-digit evaluation)."""
    import mpmath

    free = sorted(difference.free_symbols, key=lambda s: s.name)
    if not free:
        value = sp.N(difference, 50)
        return {} if value.is_number and abs(value) > 1e-30 else None
    try:
        f = sp.lambdify(free, difference, modules="mpmath")
    except (NameError, TypeError, SyntaxError):   # opaque functions: nothing to evaluate
        return None
    rng = random.Random(seed)
    with mpmath.workdps(50):
        for _ in range(samples):
            point = {
                s: (domain[s](rng) if domain and s in domain else _sample_value(s, rng))
                for s in free
            }
            try:
                value = f(*(mpmath.mpf(point[s]) for s in free))
            except (ZeroDivisionError, ValueError):
                continue
            except (NameError, TypeError):          # an opaque function: cannot be evaluated
                return None
            if isinstance(value, mpmath.mpc):
                # lhs - rhs of real quantities is real: an imaginary part means a side is not
                # real on the domain (a log of a negative number, say): a counterexample too.
                if abs(value.imag) > mpmath.mpf(10) ** -30:
                    return {s.name: point[s] for s in free} | {"difference": float(abs(value)),
                                                               "imaginary_part": float(value.imag)}
                value = value.real
            if abs(value) > mpmath.mpf(10) ** -30:
                return {s.name: point[s] for s in free} | {"difference": float(value)}
    return None


def prove_equal(
    lhs: sp.Expr,
    rhs: sp.Expr,
    claim: str,
    *,
    method: str = "exact reduction of lhs - rhs to 0",
    domain: Mapping[sp.Symbol, Callable[[random.Random], float]] | None = None,
) -> Proof:
    """Prove ``lhs == rhs`` on the domain by exact reduction; else refute or say undecided."""
    start = time.perf_counter()
    difference = sp.sympify(lhs) - sp.sympify(rhs)
    # A counterexample first: it is cheap, and a wrong claim can make the exact reduction slow
    # (large gcds of polynomials that do not cancel); a refutation needs no reduction.
    point = find_counterexample(difference, domain=domain)
    if point is not None:
        return Proof(claim, Status.REFUTED, method, time.perf_counter() - start, counterexample=point)
    residual = reduce_to_normal_form(difference)
    if residual == 0:
        return Proof(claim, Status.PROVED, method, time.perf_counter() - start)
    status = Status.UNDECIDED
    return Proof(
        claim, status, method, time.perf_counter() - start,
        counterexample=point, residual=str(residual),
    )


def prove_true(condition: bool, claim: str, method: str) -> Proof:
    """A structural fact checked exactly (a set of free symbols, a sign known from assumptions)."""
    return Proof(claim, Status.PROVED if condition else Status.REFUTED, method)


def all_of(claim: str, steps: Iterable[Proof], method: str = "every step proved") -> Proof:
    """Combine steps: proved iff all are; refuted if any is refuted; undecided otherwise."""
    steps = tuple(steps)
    if all(s.ok for s in steps):
        status = Status.PROVED
    elif any(s.status is Status.REFUTED for s in steps):
        status = Status.REFUTED
    else:
        status = Status.UNDECIDED
    counterexample = next((s.counterexample for s in steps if s.counterexample), None)
    return Proof(
        claim, status, method, sum(s.seconds for s in steps),
        counterexample=counterexample, steps=steps,
    )
