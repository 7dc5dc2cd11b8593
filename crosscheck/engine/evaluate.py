"""Evaluate a proved symbolic expression against a numeric function at random valid points.

The reference is the symbolic expression lambdified for mpmath at 50 significant digits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import mpmath
import sympy as sp
import torch

from .points import Group
from .tolerances import RTOL

REFERENCE_DIGITS = 50


def magnitude(expr: sp.Expr, *, exact_denominators: bool = False) -> sp.Expr:
    """The scale rounding errors live on: every sum replaced by the sum of |terms|.

    ``exact_denominators``: a negative power keeps its true value |b|^n instead of
    magnitude(b)^n.  Rounding in the *numerator* (e.g. x_t - sqrt(alpha_bar_t) x_0 when x_t is
    tied to x_0) is then amplified by a small denominator as it really is, while a denominator
    computed inaccurately (a naive float32 1 - alpha_bar_t) is still an error.
    """
    if expr.is_Add:
        return sp.Add(*[sp.Abs(magnitude(a, exact_denominators=exact_denominators)) for a in expr.args])
    if expr.is_Mul:
        return sp.Mul(*[magnitude(a, exact_denominators=exact_denominators) for a in expr.args])
    if expr.is_Pow and expr.exp.is_Integer:
        if exact_denominators and expr.exp < 0:
            return sp.Abs(expr.base) ** expr.exp
        return magnitude(expr.base, exact_denominators=exact_denominators) ** expr.exp
    if exact_denominators and expr.is_Pow and expr.exp.is_Rational and expr.exp < 0:
        return sp.Abs(expr.base) ** expr.exp
    return expr


@dataclass
class NumericResult:
    """Numeric side of one check: worst errors against the 50-digit reference."""

    name: str
    points: int
    max_abs_err: float
    max_rel_err: float
    max_scaled_err: float
    tolerance: float
    counterexample: dict | None = None
    extra: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.max_scaled_err <= self.tolerance  # False for nan

    def as_json(self) -> dict:
        return {
            "name": self.name, "points": self.points, "max_abs_err": self.max_abs_err,
            "max_rel_err": self.max_rel_err, "max_scaled_err": self.max_scaled_err,
            "tolerance": self.tolerance, "ok": self.ok, "counterexample": self.counterexample,
        }


def _digits(row) -> int:
    """50 digits, plus twice the decades of the smallest input: with alpha_bar_T = 1e-175,
    -alpha_bar_T - log(1 - alpha_bar_T) = alpha_bar_T^2/2 + ... cancels 350 digits."""
    smallest = min((abs(float(v)) for v in row if v), default=1.0)
    if smallest >= 1e-8:       # most points: 50 digits leave >= 34 after any cancellation these cause
        return REFERENCE_DIGITS
    extra = 324 if smallest == 0.0 else -math.floor(math.log10(smallest))   # 0.0: below float range
    return min(REFERENCE_DIGITS + 2 * extra, 2000)


class Reference:
    """An expression evaluated at 50 digits, with its magnitude, point by point."""

    def __init__(self, expr: sp.Expr, *, exact_denominators: bool = False):
        self.expr = sp.sympify(expr)
        self.symbols = sorted(self.expr.free_symbols, key=lambda s: s.name)
        scale = magnitude(self.expr, exact_denominators=exact_denominators)
        self._f = sp.lambdify(self.symbols, [self.expr, scale], modules="mpmath",
                              cse=True)

    def __call__(self, values: dict[str, torch.Tensor], exact: dict[str, list] | None = None) -> tuple[list, list]:
        """At each point; ``exact`` gives 50-digit values that replace the float64 ones."""
        exact = exact or {}
        columns = [exact[s.name] if s.name in exact else values[s.name].tolist() for s in self.symbols]
        refs, mags = [], []
        for row in zip(*columns):
            with mpmath.workdps(_digits(row)):
                try:
                    ref, mag = self._f(*map(mpmath.mpf, row))
                except (ZeroDivisionError, ValueError):  # a point outside the expression's domain
                    ref, mag = mpmath.nan, mpmath.nan
                refs.append(ref)
                mags.append(mag)
        return refs, mags


def compare(name: str, expr: sp.Expr, numeric: Callable[[Group], torch.Tensor],
            groups: list[Group], dtype: torch.dtype, *, exact_denominators: bool = False) -> NumericResult:
    """Max errors of ``numeric`` against the 50-digit value of ``expr`` over all groups.

    The scaled error divides by the magnitude of the expression's terms (see :func:`magnitude`).
    """
    reference = Reference(expr, exact_denominators=exact_denominators)
    worst = (-1.0, None)
    max_abs = max_rel = 0.0
    points = 0
    for group in groups:
        out = numeric(group).detach().to(device="cpu", dtype=torch.float64).expand(len(group))
        refs, mags = reference(group.values, group.exact)
        for i, (got, ref, mag) in enumerate(zip(out.tolist(), refs, mags)):
            points += 1
            if not math.isfinite(got) or not mpmath.isfinite(ref):
                error = scaled = rel = math.inf
            else:
                error = float(abs(mpmath.mpf(got) - ref))
                rel = error / float(abs(ref)) if ref != 0 else (0.0 if error == 0 else math.inf)
                scaled = error / abs(float(mag)) if mag != 0 else (0.0 if error == 0 else math.inf)
            max_abs, max_rel = max(max_abs, error), max(max_rel, rel)
            if scaled > worst[0]:
                point = {s.name: group.values[s.name][i].item() for s in reference.symbols}
                point.update(t=int(group.t[i]) if group.t.ndim else int(group.t),
                             T=group.schedule.T, schedule=group.schedule.name,
                             numeric=got, reference=float(ref))
                worst = (scaled, point)
    tolerance = RTOL[dtype]
    result = NumericResult(name, points, max_abs, max_rel, worst[0], tolerance)
    if not result.ok:
        result.counterexample = worst[1]
    return result
