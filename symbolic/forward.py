"""The forward process: q(x_t | x_{t-1}) and its composition q(x_t | x_0)."""

from __future__ import annotations

import sympy as sp

from . import symbols
from .gaussian import expectation, gaussian_log_density
from .proof import Proof, all_of, prove_equal


def forward_step_mean(x_prev: sp.Expr) -> sp.Expr:
    r"""Mean of :math:`q(x_t | x_{t-1}) = \mathcal N(\sqrt{\alpha_t}\, x_{t-1}, \beta_t)` (Ho et al. 2020, eq. 2)."""
    return sp.sqrt(symbols.alpha_t) * x_prev


def forward_step_variance() -> sp.Expr:
    r"""Variance :math:`\beta_t` of :math:`q(x_t | x_{t-1})`."""
    return symbols.beta_t


def forward_jump_mean(x_0: sp.Expr, alpha_bar: sp.Expr = symbols.alpha_bar_t) -> sp.Expr:
    r"""Mean of :math:`q(x_t | x_0) = \mathcal N(\sqrt{\bar\alpha_t}\, x_0, 1 - \bar\alpha_t)` (Ho et al. 2020, eq. 4)."""
    return sp.sqrt(alpha_bar) * x_0


def forward_jump_variance(alpha_bar: sp.Expr = symbols.alpha_bar_t) -> sp.Expr:
    r"""Variance :math:`1 - \bar\alpha_t` of :math:`q(x_t | x_0)`."""
    return 1 - alpha_bar


def composed_moments() -> tuple[sp.Expr, sp.Expr]:
    """Mean and variance of x_t = sqrt(alpha_t) x_{t-1} + sqrt(beta_t) e2 where
    x_{t-1} = sqrt(alpha_bar_prev) x_0 + sqrt(1 - alpha_bar_prev) e1, e1, e2 independent N(0,1)."""
    e1, e2 = sp.symbols("e1 e2", real=True)
    x_prev = sp.sqrt(symbols.alpha_bar_prev) * symbols.x_0 + sp.sqrt(1 - symbols.alpha_bar_prev) * e1
    x_t = sp.sqrt(symbols.alpha_t) * x_prev + sp.sqrt(symbols.beta_t) * e2

    def mean_of(expr):
        return expectation(expectation(expr, e1, 0, 1), e2, 0, 1)

    mean = mean_of(x_t)
    return mean, mean_of((x_t - mean) ** 2)


def complete_the_square(quadratic: sp.Expr, variable: sp.Symbol) -> tuple[sp.Expr, sp.Expr, sp.Expr]:
    """Write ``quadratic`` = -a (variable - b/(2a))**2 + b**2/(4a) + c; returns (a, b, c)."""
    poly = sp.Poly(sp.expand(sp.expand_log(quadratic, force=True)), variable)
    if poly.degree() != 2:
        raise ValueError(f"expected a quadratic in {variable}, got degree {poly.degree()}")
    a = -poly.coeff_monomial(variable**2)
    b = poly.coeff_monomial(variable)
    c = poly.coeff_monomial(1)
    return a, b, c


def marginal_log_density_by_integration() -> sp.Expr:
    r"""log \int q(x_t|x_{t-1}) q(x_{t-1}|x_0) dx_{t-1}, integrating x_{t-1} out exactly.

    The log of the integrand is -a x^2 + b x + c in x = x_{t-1} with a > 0, and
    \int exp(-a x^2 + b x + c) dx = sqrt(pi/a) exp(b^2/(4a) + c) (the Gaussian integral after
    completing the square; the square's completion is proved in :func:`prove_forward_jump`).
    """
    log_integrand = (
        gaussian_log_density(symbols.x_t, forward_step_mean(symbols.x_prev), forward_step_variance())
        + gaussian_log_density(
            symbols.x_prev, sp.sqrt(symbols.alpha_bar_prev) * symbols.x_0, 1 - symbols.alpha_bar_prev
        )
    )
    a, b, c = complete_the_square(log_integrand, symbols.x_prev)
    return c + b**2 / (4 * a) + sp.log(sp.pi / a) / 2


def prove_forward_step() -> Proof:
    e = sp.Symbol("e", real=True)
    x_t = sp.sqrt(symbols.alpha_t) * symbols.x_prev + sp.sqrt(symbols.beta_t) * e
    mean = expectation(x_t, e, 0, 1)
    return all_of("forward_step", [
        prove_equal(mean, forward_step_mean(symbols.x_prev),
                    "E[sqrt(alpha_t) x_{t-1} + sqrt(beta_t) e] = sqrt(alpha_t) x_{t-1}"),
        prove_equal(expectation((x_t - mean) ** 2, e, 0, 1), forward_step_variance(),
                    "Var[sqrt(alpha_t) x_{t-1} + sqrt(beta_t) e] = beta_t"),
        prove_equal(symbols.alpha_t * 1 + symbols.beta_t, 1,
                    "variance preserving: Var x_{t-1} = 1 implies Var x_t = 1"),
    ])


def prove_forward_jump() -> Proof:
    mean, variance = composed_moments()
    A, B = sp.Symbol("A", positive=True), sp.Symbol("B", real=True)
    a, b, _ = complete_the_square(-A * symbols.x_prev**2 + B * symbols.x_prev, symbols.x_prev)
    at_t1 = {symbols.alpha_bar_prev: 1}  # alpha_bar_0 = 1: q(x_1 | x_0) is the first forward step
    return all_of("forward_jump", [
        prove_equal(mean, forward_jump_mean(symbols.x_0),
                    "composition: E[x_t | x_0] = sqrt(alpha_bar_t) x_0 (given the claim at t-1)",
                    method="moments of independent Gaussians, then exact reduction"),
        prove_equal(variance, forward_jump_variance(),
                    "composition: Var[x_t | x_0] = alpha_t (1 - alpha_bar_{t-1}) + beta_t = 1 - alpha_bar_t",
                    method="moments of independent Gaussians, then exact reduction"),
        prove_equal(forward_jump_mean(symbols.x_0).subs(at_t1), forward_step_mean(symbols.x_0),
                    "base case t=1: mean sqrt(alpha_1) x_0"),
        prove_equal(forward_jump_variance().subs(at_t1), forward_step_variance(),
                    "base case t=1: variance beta_1"),
        prove_equal(-a * symbols.x_prev**2 + b * symbols.x_prev,
                    -A * (symbols.x_prev - B / (2 * A)) ** 2 + B**2 / (4 * A),
                    "completing the square: -A x^2 + B x = -A (x - B/(2A))^2 + B^2/(4A)"),
        prove_equal(marginal_log_density_by_integration(),
                    gaussian_log_density(symbols.x_t, forward_jump_mean(symbols.x_0), forward_jump_variance()),
                    "marginal: log of int q(x_t|x_{t-1}) q(x_{t-1}|x_0) dx_{t-1} "
                    "= log N(x_t; sqrt(alpha_bar_t) x_0, 1 - alpha_bar_t) for t >= 2",
                    method="completing the square in x_{t-1}, Gaussian integral, exact reduction"),
    ])


def forward_step_sample(x_prev: sp.Expr, eps: sp.Expr) -> sp.Expr:
    r"""A sample of :math:`q(x_t|x_{t-1})` by the reparameterisation (Ho et al. 2020, eq. 2).

    .. math:: x_t = \sqrt{\alpha_t}\,x_{t-1} + \sqrt{\beta_t}\,\epsilon
    """
    return forward_step_mean(x_prev) + sp.sqrt(forward_step_variance()) * eps


def forward_jump_sample(x_0: sp.Expr, eps: sp.Expr) -> sp.Expr:
    r"""A sample of :math:`q(x_t|x_0)` by the reparameterisation (Ho et al. 2020, eq. 4).

    .. math:: x_t = \sqrt{\bar\alpha_t}\,x_0 + \sqrt{1-\bar\alpha_t}\,\epsilon
    """
    return forward_jump_mean(x_0) + sp.sqrt(forward_jump_variance()) * eps
