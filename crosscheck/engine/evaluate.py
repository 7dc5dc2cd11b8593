r"""Evaluate a proved symbolic expression against a numeric function at random valid points.

The reference is the symbolic expression lambdified for mpmath at 50 significant digits (more
where an input lies near 0 or 1, see :func:`_digits`).

The dtype's range.  Every error is computed in mpmath and scaled by the magnitude of the terms,
floored at the working dtype's smallest normal number ``tiny`` (its absolute resolution):

.. math::
    \mathrm{scaled} = \frac{|\mathrm{numeric} - \mathrm{reference}|}{\max(\mathrm{magnitude}, \mathrm{tiny})}

Where the result lies inside the dtype's normal range this is the relative error of the terms, as
ever; a wrong formula is caught there.  Where it lies below (alpha_bar_T = 1e-88 in float32), the
dtype's best answer, the correctly rounded value, is 0 or subnormal, so only an absolute error
of about ``tolerance * tiny`` is asked for.  Where a schedule value the statement reads is outside
the dtype's normal range (:meth:`~crosscheck.engine.points.Group.outside_range`), or the exact
result overflows the dtype, a function that refuses the point (the numeric layer raises rather
than return inf) or returns a non-finite value has met the dtype's limit: the point is counted,
not compared.  :class:`NumericResult` says how many points each of these were.
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
    """Numeric side of one check: worst errors against the 50-digit reference.

    ``extra`` says what the dtype's range did: ``below_normal_range`` points (a schedule value
    read, the result or its magnitude below ``tiny``: compared at that absolute resolution),
    ``overflow`` points (the exact result beyond the dtype's largest number) and ``not_compared``
    points (the function refused or returned inf/nan where the dtype cannot hold an input or the
    result).
    """

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

    @property
    def note(self) -> str:
        """The points the dtype's range touched, in words ("" when none)."""
        below, overflow, skipped = (self.extra.get(k, 0) for k in ("below_normal_range", "overflow", "not_compared"))
        if not (below or overflow or skipped):
            return ""
        dtype = self.extra.get("dtype", "the dtype")
        parts = []
        if below:
            parts.append(f"{below} of {self.points} points with a schedule value or the result below {dtype}'s "
                         f"normal range, compared at its absolute resolution {self.extra['tiny']:.1e}")
        if overflow:
            parts.append(f"{overflow} beyond its largest number")
        if skipped:
            parts.append(f"{skipped} not compared (the function refused or overflowed where {dtype} cannot "
                         "hold an input or the result)")
        return "; ".join(parts)

    def as_json(self) -> dict:
        return {
            "name": self.name, "points": self.points, "max_abs_err": self.max_abs_err,
            "max_rel_err": self.max_rel_err, "max_scaled_err": self.max_scaled_err,
            "tolerance": self.tolerance, "ok": self.ok, "counterexample": self.counterexample,
            **{k: self.extra[k] for k in ("below_normal_range", "overflow", "not_compared") if k in self.extra},
        }


#: At most 380 digits: every error is divided by at least the dtype's smallest normal number
#: (float64's is 2.2e-308), and 380 digits resolve 1e-380 of any O(1) term, cancellation inside a
#: log(1 - alpha_bar_T) included, 70 decades below it.  They also hold exactly the schedule values
#: of :func:`points.exact_schedule`, at most 50 + 324 digits (beta_t = 5e-324).
MAX_DIGITS = REFERENCE_DIGITS + 330


def _digits(row) -> int:
    """50 digits, plus twice the decades of the input nearest 0 or 1, at most :data:`MAX_DIGITS`:
    with alpha_bar_T = 1e-175, -alpha_bar_T - log(1 - alpha_bar_T) = alpha_bar_T^2/2 + ... cancels
    350 digits, and with beta_t = 1e-300, alpha_t = 1 - 1e-300 needs 300 digits to differ from 1.
    Distances are taken in mpmath (exact for an mpf input), so no input underflows to 0 on the way."""
    decades = 0.0
    for value in row:
        for distance in (value, 1 - value):
            if distance:
                decades = max(decades, -mpmath.mag(distance) * math.log10(2))
    if decades <= 8:           # most points: 50 digits leave >= 34 after any cancellation these cause
        return REFERENCE_DIGITS
    return min(REFERENCE_DIGITS + 2 * math.ceil(decades), MAX_DIGITS)


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


class Refusal(str):
    """What a function raised at a point it would not compute (a result that overflows the dtype)."""


def pointwise(function: Callable[[Group], object], group: Group, convert: Callable[[object, int], list]) -> list:
    """``convert(function(group), len(group))``: one entry per point.  Where ``function`` raises a
    ValueError or an ArithmeticError (the numeric layer refuses a result that overflows the dtype
    rather than return inf), the group is halved until every point is evaluated on its own; a
    point that still raises gives a :class:`Refusal`."""
    try:
        return convert(function(group), len(group))
    except (ValueError, ArithmeticError) as err:
        if len(group) == 1:
            return [Refusal(f"{type(err).__name__}: {err}")]
        half = len(group) // 2
        return (pointwise(function, group.take(slice(0, half)), convert)
                + pointwise(function, group.take(slice(half, None)), convert))


def _floats(out: torch.Tensor, n: int) -> list:
    return out.detach().to(device="cpu", dtype=torch.float64).expand(n).tolist()


def _shown(value) -> float | str:
    """A reference value for a report: a float, or its digits where a float cannot hold it."""
    if isinstance(value, mpmath.mpc):
        return mpmath.nstr(value, 17)
    as_float = float(value)
    if math.isfinite(as_float) and (as_float != 0 or value == 0):
        return as_float
    return mpmath.nstr(value, 17) if mpmath.isfinite(value) else as_float


def compare(name: str, expr: sp.Expr, numeric: Callable[[Group], torch.Tensor],
            groups: list[Group], dtype: torch.dtype, *, exact_denominators: bool = False) -> NumericResult:
    """Max errors of ``numeric`` against the 50-digit value of ``expr`` over all groups.

    The scaled error divides by the magnitude of the expression's terms (see :func:`magnitude`),
    floored at the dtype's smallest normal number; the module docstring says how points outside
    the dtype's range are compared.
    """
    reference = Reference(expr, exact_denominators=exact_denominators)
    names = [s.name for s in reference.symbols]
    finfo = torch.finfo(dtype)
    tiny, huge = mpmath.mpf(finfo.tiny), mpmath.mpf(finfo.max)
    tally = {"below_normal_range": 0, "overflow": 0, "not_compared": 0}
    worst = (-1.0, None)
    max_abs = max_rel = 0.0
    points = 0
    for group in groups:
        outputs = pointwise(numeric, group, _floats)
        refs, mags = reference(group.values, group.exact)
        outside = group.outside_range(names).tolist()
        for i, (got, ref, mag) in enumerate(zip(outputs, refs, mags)):
            points += 1
            known = mpmath.isfinite(ref) and mpmath.isfinite(mag)
            overflow = known and abs(ref) > huge
            below = outside[i] or (known and (0 < abs(ref) < tiny or 0 < abs(mag) < tiny))
            tally["overflow"] += overflow
            tally["below_normal_range"] += below and not overflow
            answered = not isinstance(got, Refusal) and math.isfinite(got)
            if not answered and (outside[i] or overflow):
                tally["not_compared"] += 1        # the dtype's limit: it cannot hold an input or the result
                continue
            if not answered or not known:
                error = rel = scaled = math.inf
            else:
                difference = abs(mpmath.mpf(got) - ref)
                error = float(difference)
                rel = float(difference / max(abs(ref), tiny))
                scaled = float(difference / max(abs(mag), tiny))
            max_abs, max_rel = max(max_abs, error), max(max_rel, rel)
            if scaled > worst[0]:
                point = {s.name: _shown(group.exact[s.name][i]) if s.name in group.exact
                         else group.values[s.name][i].item() for s in reference.symbols}
                point.update(t=int(group.t[i]) if group.t.ndim else int(group.t),
                             T=group.schedule.T, schedule=group.schedule.name,
                             numeric=got if isinstance(got, float) else f"refused: {got}", reference=_shown(ref))
                worst = (scaled, point)
    tolerance = RTOL[dtype]
    extra = {**tally, "tiny": finfo.tiny, "dtype": str(dtype).removeprefix("torch.")}
    if points and tally["not_compared"] == points:      # nothing compared is no pass
        return NumericResult(name, points, max_abs, max_rel, math.nan, tolerance, extra=extra, counterexample={
            "reason": f"no point could be compared: {extra['dtype']} cannot hold the inputs or the result at any"})
    result = NumericResult(name, points, max_abs, max_rel, worst[0], tolerance, extra=extra)
    if not result.ok:
        result.counterexample = worst[1]
    return result
