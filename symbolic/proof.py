"""Exact proofs: reduce ``lhs - rhs`` to zero, or find a counterexample, or say undecided.

A claim is **proved** only by an exact reduction of ``lhs - rhs`` to 0.  Evaluation at points
of the domain is used for one thing only: finding a counterexample (**refuted**).  When neither
happens the verdict is **undecided**, which is never a pass.

The reduction (DESIGN.md, "How proofs are done"):

1. ``expand_log(force=True)``, and each log argument split into its irreducible polynomial
   factors.  Splitting ``log(a b) -> log a + log b`` is only true modulo 2*pi*i, but the
   difference being reduced is real on the domain, so a reduction to exactly 0 cannot come
   from a spurious multiple of 2*pi*i: the splitting never yields a false proof.
2. Radicals of the schedule go away by substituting ``alpha_t = s**2``,
   ``alpha_bar_prev = r**2``, ``alpha_bar_T = u**2`` with positive ``s, r, u``.
3. Any square root left (e.g. sqrt(1 - s**2 r**2) = sqrt(1 - alpha_bar_t)) becomes a new
   positive symbol ``q`` and the numerator is reduced modulo ``q**2 - radicand``.
4. ``together`` + ``cancel`` + ``expand`` of the numerator: exact polynomial arithmetic.
"""

from __future__ import annotations

import enum
import random
import time
from dataclasses import dataclass, field
from typing import Callable, Iterable, Mapping

import sympy as sp

from . import symbols as S


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
_SQUARE_ROOTS = {S.alpha_t: _s**2, S.alpha_bar_prev: _r**2, S.alpha_bar_T: _u**2}


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


def _split_log(argument: sp.Expr) -> sp.Expr:
    """log of a rational function as a sum of logs of its canonical irreducible factors."""
    numerator, denominator = sp.fraction(sp.cancel(sp.together(argument)))
    total = sp.S.Zero
    for part, sign in ((numerator, 1), (denominator, -1)):
        try:
            constant, factors = sp.factor_list(part)
        except sp.PolynomialError:  # not a polynomial (a radical inside): keep it whole
            total += sign * sp.log(part)
            continue
        total += sign * (sp.log(constant) + sp.Add(*[e * sp.log(f) for f, e in factors]))
    return total


def reduce_to_normal_form(expr: sp.Expr) -> sp.Expr:
    """An exact normal form of ``expr``: zero if and only if the reduction proved it zero."""
    expr = sp.expand_log(sp.sympify(expr), force=True)
    expr = sp.expand_log(expr.xreplace(_SQUARE_ROOTS), force=True)
    expr = expr.replace(lambda e: isinstance(e, sp.log), lambda e: _split_log(e.args[0]))
    expr = sp.expand_log(expr, force=True)
    expr, relations = _remove_radicals(expr)
    numerator, denominator = sp.fraction(sp.cancel(sp.together(expr)))
    numerator = sp.expand(numerator)
    for q, radicand in relations:
        if numerator.has(q):
            numerator = sp.expand(sp.rem(numerator, q**2 - radicand, q))
    residual = sp.cancel(numerator / denominator)
    # The input is real on the domain and the log splitting changed it only by i*pi*(rationals):
    # a residual that is a purely imaginary constant means the real difference is exactly 0.
    if residual == 0 or (residual.is_number and sp.re(residual) == 0):
        return sp.S.Zero
    return residual


# ---------------------------------------------------------------------------------------------
# Counterexample search (never a proof).

def _sample_value(sym: sp.Symbol, rng: random.Random) -> float:
    if sym in (S.alpha_t, S.alpha_bar_prev, S.alpha_bar_T):
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
