"""The tractable reverse step q(x_{t-1} | x_t, x_0), derived by Bayes' rule, and its eps forms."""

from __future__ import annotations

import sympy as sp

from . import symbols
from .forward import (
    complete_the_square, forward_jump_mean, forward_jump_variance, forward_step_mean,
    forward_step_variance,
)
from .gaussian import gaussian_log_density
from .proof import Proof, all_of, prove_equal, prove_true


def bayes_log_quotient() -> sp.Expr:
    r"""log q(x_t|x_{t-1}) + log q(x_{t-1}|x_0) - log q(x_t|x_0), as a function of x_{t-1}."""
    return (
        gaussian_log_density(symbols.x_t, forward_step_mean(symbols.x_prev), forward_step_variance())
        + gaussian_log_density(symbols.x_prev, sp.sqrt(symbols.alpha_bar_prev) * symbols.x_0,
                               1 - symbols.alpha_bar_prev)
        - gaussian_log_density(symbols.x_t, forward_jump_mean(symbols.x_0), forward_jump_variance())
    )


def derived_posterior() -> tuple[sp.Expr, sp.Expr]:
    """(mean, variance) read off the Bayes quotient by completing the square in x_{t-1}:
    the x_{t-1}^2 coefficient is -1/(2 var), the x_{t-1} coefficient is mean/var."""
    a, b, _ = complete_the_square(bayes_log_quotient(), symbols.x_prev)
    variance = sp.cancel(1 / (2 * a))
    return sp.expand(b * variance), variance


def posterior_mean() -> sp.Expr:
    r"""Posterior mean, Ho et al. 2020 eq. 7.

    .. math::
        \tilde\mu_t = \frac{\sqrt{\bar\alpha_{t-1}}\,\beta_t}{1-\bar\alpha_t} x_0
                    + \frac{\sqrt{\alpha_t}\,(1-\bar\alpha_{t-1})}{1-\bar\alpha_t} x_t
    """
    w_0, w_t = interpolation_weights()
    return w_0 * symbols.x_0 + w_t * symbols.x_t


def posterior_variance() -> sp.Expr:
    r""":math:`\tilde\beta_t = \frac{1-\bar\alpha_{t-1}}{1-\bar\alpha_t}\beta_t` (Ho et al. 2020, eq. 7)."""
    return (1 - symbols.alpha_bar_prev) / (1 - symbols.alpha_bar_t) * symbols.beta_t


def interpolation_weights() -> tuple[sp.Expr, sp.Expr]:
    r"""The coefficients :math:`(w_0, w_t)` of x_0 and x_t in :math:`\tilde\mu_t`."""
    w_0 = sp.sqrt(symbols.alpha_bar_prev) * symbols.beta_t / (1 - symbols.alpha_bar_t)
    w_t = sp.sqrt(symbols.alpha_t) * (1 - symbols.alpha_bar_prev) / (1 - symbols.alpha_bar_t)
    return w_0, w_t


def interpolation_weight_sum() -> sp.Expr:
    r"""Exact closed form of the weight sum; it is 1 only at t = 1 (:math:`\bar\alpha_{t-1} = 1`).

    .. math::
        w_0 + w_t = 1 - \frac{(1-\sqrt{\bar\alpha_{t-1}})(1-\sqrt{\alpha_t})}{1+\sqrt{\bar\alpha_t}}
    """
    return 1 - (1 - sp.sqrt(symbols.alpha_bar_prev)) * (1 - sp.sqrt(symbols.alpha_t)) / (
        1 + sp.sqrt(symbols.alpha_bar_t)
    )


def x0_from_eps() -> sp.Expr:
    r""":math:`x_0 = (x_t - \sqrt{1-\bar\alpha_t}\,\epsilon)/\sqrt{\bar\alpha_t}` (Ho et al. 2020, eq. 4 inverted)."""
    return (symbols.x_t - sp.sqrt(1 - symbols.alpha_bar_t) * symbols.eps) / sp.sqrt(symbols.alpha_bar_t)


def eps_mean(eps: sp.Expr = symbols.eps) -> sp.Expr:
    r""":math:`\tilde\mu_t = \frac{1}{\sqrt{\alpha_t}}\big(x_t - \frac{\beta_t}{\sqrt{1-\bar\alpha_t}}\epsilon\big)` (Ho et al. 2020, eq. 11)."""
    return (symbols.x_t - symbols.beta_t / sp.sqrt(1 - symbols.alpha_bar_t) * eps) / sp.sqrt(symbols.alpha_t)


def prove_posterior() -> Proof:
    mean, variance = derived_posterior()
    return all_of("posterior", [
        prove_equal(variance, posterior_variance(),
                    "completed square: -1/(2 x coeff of x_{t-1}^2) = (1-alpha_bar_{t-1}) beta_t/(1-alpha_bar_t)",
                    method="coefficient of x_{t-1}^2, then exact reduction"),
        prove_equal(mean, posterior_mean(),
                    "completed square: var x coeff of x_{t-1} = mu_tilde_t (eq. 7)",
                    method="coefficient of x_{t-1}, then exact reduction"),
        prove_equal(bayes_log_quotient(),
                    gaussian_log_density(symbols.x_prev, posterior_mean(), posterior_variance()),
                    "Bayes quotient = N(x_{t-1}; mu_tilde_t, beta_tilde_t) with normalising constants "
                    "(t >= 2)", method="log-densities, exact reduction"),
    ])


def prove_x0_from_eps() -> Proof:
    solutions = sp.solve(
        sp.Eq(symbols.x_t, forward_jump_mean(symbols.x_0) + sp.sqrt(forward_jump_variance()) * symbols.eps), symbols.x_0
    )
    return all_of("x0_from_eps", [
        prove_true(len(solutions) == 1, "x_t = sqrt(alpha_bar_t) x_0 + sqrt(1-alpha_bar_t) eps "
                   "has one solution x_0", "sympy.solve of a linear equation"),
        *[prove_equal(sol, x0_from_eps(), "x_0 = (x_t - sqrt(1-alpha_bar_t) eps)/sqrt(alpha_bar_t)")
          for sol in solutions],
    ])


def prove_eps_mean() -> Proof:
    substituted = posterior_mean().subs(symbols.x_0, x0_from_eps())
    return prove_equal(
        substituted, eps_mean(),
        "mu_tilde_t(x_t, x_0(x_t, eps)) = (x_t - beta_t/sqrt(1-alpha_bar_t) eps)/sqrt(alpha_t)",
        method="substitution, radicals removed modulo q^2 = 1 - alpha_bar_t, exact reduction",
    )


def prove_interpolation_weights() -> Proof:
    derived_mean, _ = derived_posterior()
    w_0, w_t = interpolation_weights()
    # Domain as positive parameters: alpha_t = 1/(1+u)^2 with u > 0 (so 0 < alpha_t < 1),
    # alpha_bar_prev = 1/(1+v)^2 with v >= 0 (so 0 < alpha_bar_prev <= 1, = 1 iff v = 0).
    u = sp.Symbol("u", positive=True)
    v = sp.Symbol("v", nonnegative=True)
    gap = sp.factor((1 - interpolation_weight_sum()).subs(
        {symbols.alpha_t: 1 / (1 + u) ** 2, symbols.alpha_bar_prev: 1 / (1 + v) ** 2}))
    numerator, denominator = sp.fraction(gap)
    constant, factors = sp.factor_list(numerator)
    vanishing = [f for f, _ in factors if not f.is_positive]
    return all_of("interpolation_weights", [
        prove_equal(derived_mean.coeff(symbols.x_0), w_0, "w_0 = sqrt(alpha_bar_{t-1}) beta_t/(1-alpha_bar_t)"),
        prove_equal(derived_mean.coeff(symbols.x_t), w_t,
                    "w_t = sqrt(alpha_t) (1-alpha_bar_{t-1})/(1-alpha_bar_t)"),
        prove_equal(w_0 + w_t, interpolation_weight_sum(),
                    "w_0 + w_t = 1 - (1-sqrt(alpha_bar_{t-1}))(1-sqrt(alpha_t))/(1+sqrt(alpha_bar_t))"),
        prove_true(constant > 0 and denominator.is_positive and vanishing == [v],
                   "w_0 + w_t = 1 iff alpha_bar_{t-1} = 1 (t = 1); for t >= 2 the sum is < 1",
                   f"factor 1 - (w_0 + w_t) = {gap}; the constant and every factor but v are positive on the domain"),
    ])


def posterior_log_variance() -> sp.Expr:
    r""":math:`\log\tilde\beta_t`, defined for t >= 2 (at t = 1, :math:`\tilde\beta_1 = 0`)."""
    return sp.log(posterior_variance())
