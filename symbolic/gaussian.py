"""Gaussian densities and expectations, exactly, and their written forms :class:`Normal` and
:class:`Expect` (lines of a derivation as the lecture writes them, computed by :func:`evaluate_written`).

Expectations use linearity: an integrand that is a polynomial in the Gaussian variable becomes
a combination of its raw moments (DESIGN.md: faster and sturdier than ``integrate``).
"""

from __future__ import annotations

import sympy as sp

from . import symbols
from .proof import Proof, all_of, prove_equal


def gaussian_density(x: sp.Expr, mean: sp.Expr, var: sp.Expr) -> sp.Expr:
    r"""The density :math:`\mathcal N(x; m, v) = (2\pi v)^{-1/2} \exp(-(x-m)^2 / (2v))`."""
    return sp.exp(-(x - mean) ** 2 / (2 * var)) / sp.sqrt(2 * sp.pi * var)


def gaussian_log_density(x: sp.Expr, mean: sp.Expr, var: sp.Expr) -> sp.Expr:
    r"""Log-density of a scalar Gaussian.

    .. math::
        \log \mathcal N(x; m, v) = -\frac{(x-m)^2}{2v} - \tfrac12 \log(2\pi v)
    """
    return -(x - mean) ** 2 / (2 * var) - sp.log(2 * sp.pi * var) / 2


def gaussian_raw_moment(k: int, mean: sp.Expr, var: sp.Expr) -> sp.Expr:
    r""":math:`E[x^k]` for :math:`x \sim \mathcal N(m, v)`: :math:`\sum_{j\,\mathrm{even}} \binom{k}{j} m^{k-j} v^{j/2} (j-1)!!`."""
    return sp.Add(*[
        sp.binomial(k, j) * mean ** (k - j) * var ** (j // 2) * sp.factorial2(j - 1)
        for j in range(0, k + 1, 2)
    ])


def expectation(integrand: sp.Expr, variable: sp.Symbol, mean: sp.Expr, var: sp.Expr) -> sp.Expr:
    """E over ``variable ~ N(mean, var)`` of an integrand polynomial in ``variable`` (linearity)."""
    integrand = sp.expand(sp.expand_log(integrand, force=True))
    poly = sp.Poly(integrand, variable)
    return sp.Add(*[
        coeff * gaussian_raw_moment(k, mean, var) for (k,), coeff in poly.terms()
    ])


class Normal(sp.Function):
    r""":math:`\mathcal N(x;\, m, v)` as written in a derivation's line (computed by :func:`evaluate_written`)."""
    nargs = 3

    def _eval_is_positive(self):
        return True

    def _latex(self, printer):
        x, m, v = (printer._print(a) for a in self.args)
        return rf"\mathcal{{N}}\left({x};\, {m}, {v}\right)"


class Expect(sp.Function):
    r""":math:`\mathbb E_{x\sim\mathcal N(m, v)}[f(x)]` as written, for a body polynomial in x (after logs)."""
    nargs = 4

    def _latex(self, printer):
        body, x, m, v = (printer._print(a) for a in self.args)
        return rf"\mathbb{{E}}_{{{x} \sim \mathcal{{N}}\left({m}, {v}\right)}}\left[{body}\right]"


def evaluate_written(expr: sp.Expr) -> sp.Expr:
    """``expr`` with every :class:`Normal` replaced by :func:`gaussian_density` and every
    :class:`Expect` computed by :func:`expectation`, innermost first (exact)."""
    expr = sp.sympify(expr).replace(lambda e: isinstance(e, Normal), lambda e: gaussian_density(*e.args))
    while expr.has(Expect):
        inner = [e for e in expr.atoms(Expect) if not e.args[0].has(Expect)]
        expr = expr.xreplace({e: expectation(e.args[0], *e.args[1:]) for e in inner})
    return expr


def prove_gaussian_log_density() -> Proof:
    """log of the density equals the closed form, scalar and for a d=3 diagonal Gaussian."""
    x, m, v = symbols.x, symbols.mu, symbols.var
    scalar = prove_equal(
        sp.log(gaussian_density(x, m, v)), gaussian_log_density(x, m, v),
        "log N(x; m, v) = -(x-m)^2/(2v) - log(2 pi v)/2",
    )
    xs = sp.symbols("x1:4", real=True)
    ms = sp.symbols("m1:4", real=True)
    vs = sp.symbols("v1:4", positive=True)
    joint = sp.Mul(*[gaussian_density(*args) for args in zip(xs, ms, vs)])
    diagonal = prove_equal(
        sp.log(joint), sp.Add(*[gaussian_log_density(*args) for args in zip(xs, ms, vs)]),
        "log of a diagonal Gaussian (d=3) is the sum of the coordinate log-densities",
    )
    return all_of("gaussian_log_density", [scalar, diagonal])
