"""Gaussian densities and expectations, exactly.

Expectations use linearity: an integrand that is a polynomial in the Gaussian variable becomes
a combination of its raw moments (DESIGN.md: faster and sturdier than ``integrate``).
"""

from __future__ import annotations

import sympy as sp

from . import symbols as S
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


def prove_gaussian_log_density() -> Proof:
    """log of the density equals the closed form, scalar and for a d=3 diagonal Gaussian."""
    x, m, v = S.x, S.mu, S.var
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
